"""``conveyor bus consume / refresh``, ``conveyor commands list`` and ``conveyor sync log`` end to end."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from conveyor.bus import CommandBus, sync_log
from conveyor.bus.topology import queue_name
from conveyor.cli.bus import bus as bus_group
from conveyor.cli.bus import commands as commands_group
from conveyor.cli.sync_log import log as sync_log_command
from conveyor.mq.schema import status_table
from tests.integration.bus.commands import CreateGroup, CreateGroupLater, group_codes
from tests.integration.bus.conftest import make_bus

CUSTOMERS, PRODUCTS = queue_name("customers"), queue_name("products")
wide = CliRunner(env={"COLUMNS": "250"})  # rich tables as wide as their rows, so a row is one line


def consume(*args: str) -> Result:
    return CliRunner().invoke(bus_group, ["consume", *args, "--pause-when-empty", "0", "-v"])


def codes(bus: CommandBus) -> set[str]:
    with bus.mq.engine.connect() as conn:
        return group_codes(conn)


def outcomes(bus: CommandBus) -> dict[str, str]:
    with bus.mq.engine.connect() as conn:
        return {str(e.entity_id): e.outcome for e in reversed(sync_log.entries(conn, limit=100))}


def run_queued_commands(bus: CommandBus) -> None:
    """Queue good and bad commands on two queues, then let ``bus consume`` work through them."""
    bus.enqueue([CreateGroupLater(code="p1"), CreateGroupLater(code="p2")])
    bus.handle(CreateGroup(code="c1"), mode="queue")
    bus.handle(CreateGroup(code="refused", fail="permanent"), mode="queue")
    bus.handle(CreateGroup(code="skip", fail="skip"), mode="queue")
    assert not {"p1", "p2", "c1"} & codes(bus)
    result = consume("customers", "products", "--stop-when-empty")
    assert result.exit_code == 0, result.output
    assert {"p1", "p2", "c1"} <= codes(bus) and not {"refused", "skip"} & codes(bus)
    assert outcomes(bus) == {"p1": "success", "p2": "success", "c1": "success", "refused": "failed", "skip": "skipped"}
    transport = bus.mq.transport_for_queue(CUSTOMERS)
    (letter,) = transport.dead_letters(CUSTOMERS)
    assert letter.attempts == 1 and "is refused" in (letter.error or "")  # permanent: no second attempt
    assert transport.counts(CUSTOMERS).waiting == transport.counts(PRODUCTS).waiting == 0


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_bus_consume_handles_queued_commands_on_the_db_queue(
    backend: str, request: pytest.FixtureRequest, cli_env: pytest.MonkeyPatch
) -> None:
    url = str(request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "pg_url"}[backend]))
    cli_env.setenv("CONVEYOR_DATABASE_URL", url)
    bus = make_bus(url)
    try:
        run_queued_commands(bus)
    finally:
        bus.mq.close()


def test_bus_consume_handles_queued_commands_on_rabbitmq(
    sqlite_url: str, amqp_url: str, cli_env: pytest.MonkeyPatch
) -> None:
    cli_env.setenv("CONVEYOR_DATABASE_URL", sqlite_url)
    cli_env.setenv("CONVEYOR_AMQP_URL", amqp_url)
    cli_env.setenv("CONVEYOR_BUS_CONNECTION", "amqp")
    bus = make_bus(sqlite_url, amqp_url, connection="amqp")
    try:
        assert bus.mq.topology.queues[CUSTOMERS].connection == "amqp"
        run_queued_commands(bus)
        # a follow-up queued inside a handler's transaction goes through the outbox, relayed after commit
        bus.handle(CreateGroup(code="parent", follow_up="child"))
        assert "child" not in codes(bus)
        assert consume("products", "--stop-when-empty").exit_code == 0
        assert "child" in codes(bus)
    finally:
        bus.mq.close()


def test_transient_failures_are_retried_by_the_queue_then_dead_lettered(
    sqlite_url: str, cli_env: pytest.MonkeyPatch
) -> None:
    cli_env.setenv("CONVEYOR_DATABASE_URL", sqlite_url)
    bus = make_bus(sqlite_url)
    bus.handle(CreateGroup(code="down", fail="transient"), mode="queue")
    result = consume("customers", "--stop-when-empty")
    assert result.exit_code == 0, result.output
    (letter,) = bus.mq.transport_for_queue(CUSTOMERS).dead_letters(CUSTOMERS)
    assert letter.attempts == 3 and "the source is down" in (letter.error or "")
    with bus.mq.engine.connect() as conn:
        assert [e.outcome for e in sync_log.entries(conn)] == ["failed"] * 3
    assert "handled 3, failed 3" in result.output and "mean ms" in result.output  # -v: stop reason and metrics


def test_stop_on_error_and_unknown_queue_exit_codes(sqlite_url: str, cli_env: pytest.MonkeyPatch) -> None:
    cli_env.setenv("CONVEYOR_DATABASE_URL", sqlite_url)
    bus = make_bus(sqlite_url)
    bus.handle(CreateGroup(code="refused", fail="permanent"), mode="queue")
    bus.handle(CreateGroup(code="after"), mode="queue")
    assert consume("customers", "--stop-on-error").exit_code == 1
    assert "after" not in codes(bus)  # it stopped at the failure
    unknown = consume("nosuchqueue")
    assert unknown.exit_code == 2 and "not a command queue" in unknown.output
    assert consume("commands.customers", "--max-messages", "1").exit_code == 0  # full names work too
    assert "after" in codes(bus)


def test_bus_refresh_returns_stuck_reservations_and_dead_letters_exhausted_ones(
    sqlite_url: str, cli_env: pytest.MonkeyPatch
) -> None:
    cli_env.setenv("CONVEYOR_DATABASE_URL", sqlite_url)
    bus = make_bus(sqlite_url)
    transport = bus.mq.transport_for_queue(CUSTOMERS)
    bus.handle(CreateGroup(code="hopeless"), mode="queue")
    bus.handle(CreateGroup(code="stuck"), mode="queue")
    # the worker died running the first (its attempt counts); the second was claimed and never started
    hopeless, _stuck = transport.reserve(CUSTOMERS, 2, "dead-worker")
    runner = CliRunner()
    assert runner.invoke(bus_group, ["refresh", "--reserved", "5"]).exit_code == 2  # minimum 10 s
    assert runner.invoke(bus_group, ["refresh", "--attempts", "0"]).exit_code == 2  # minimum 1
    fresh = runner.invoke(bus_group, ["refresh", "--reserved", "60"])
    assert "requeued 0, dead-lettered 0" in fresh.output  # reserved just now: not stuck
    with bus.mq.engine.begin() as conn:  # age both reservations; the second has used its attempts up
        conn.execute(status_table.update().values(updated_at=time.time() - 3600))
        conn.execute(status_table.update().where(status_table.c.id == hopeless.tag[0]).values(number_of_trials=3))
    result = runner.invoke(bus_group, ["refresh", "--reserved", "60", "--attempts", "3"])
    assert "db: requeued 1, dead-lettered 1" in result.output, result.output
    (letter,) = transport.dead_letters(CUSTOMERS)
    assert letter.envelope.json()["data"]["code"] == "hopeless"
    assert "dead-worker" in (letter.error or "")  # kept with its reason, never deleted
    assert consume("customers", "--stop-when-empty").exit_code == 0
    assert "stuck" in codes(bus) and "hopeless" not in codes(bus)


def test_commands_list(sqlite_url: str, cli_env: pytest.MonkeyPatch) -> None:
    cli_env.setenv("CONVEYOR_DATABASE_URL", sqlite_url)
    result = wide.invoke(commands_group, ["list"])
    assert result.exit_code == 0, result.output
    lines = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") > 2}
    inline, queued = lines["test.create-group"], lines["test.create-group-later"]
    assert "tests.integration.bus.commands:insert_group" in inline
    assert "tests.integration.bus.commands:CreateGroup" in inline
    assert " no " in inline and "commands.customers (db)" in inline
    assert " yes " in queued and "commands.products (db)" in queued
    cli_env.setenv("CONVEYOR_BUS_CONNECTION", "amqp")
    moved = wide.invoke(commands_group, ["list"])
    assert "commands.products (amqp)" in moved.output


def test_sync_log_filters(sqlite_url: str, cli_env: pytest.MonkeyPatch) -> None:
    cli_env.setenv("CONVEYOR_DATABASE_URL", sqlite_url)
    bus = make_bus(sqlite_url)
    bus.handle(CreateGroup(code="alpha"))
    with pytest.raises(ValueError):
        bus.handle(CreateGroup(code="beta", fail="permanent"))
    bus.handle(CreateGroup(code="gamma", fail="skip"))
    bus.handle(CreateGroupLater(code="alpha-2"), mode="inline")

    def rows(*args: str) -> list[str]:
        result = wide.invoke(sync_log_command, list(args))
        assert result.exit_code == 0, result.output
        return [line for line in result.output.splitlines() if "test.create-group" in line]

    everything = rows()
    assert len(everything) == 4 and "alpha-2" in everything[0]  # newest first
    (failed,) = rows("--failed")
    assert "beta" in failed and "failed" in failed and "ValueError: the code 'beta' is refused" in failed
    (alpha,) = rows("--entity", "alpha")
    assert "success" in alpha and "customer_group alpha" in alpha
    assert len(rows("--limit", "2")) == 2
    (later,) = rows("--command", "test.create-group-later")
    assert "alpha-2" in later
    assert rows("--entity", "nobody") == []
    with bus.mq.engine.connect() as conn:
        stamp = conn.execute(sa.select(sa.func.max(sync_log.T.c.created_at))).scalar_one()
    assert time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(stamp)) in everything[0]  # Magento's format, UTC


def test_the_builtin_consumers_handler_runs_the_apps_bus(sqlite_url: str) -> None:
    """``conveyor.bus.consumer:handle``, what ``queue consume commands.customers`` and the runner execute: built
    from the App, it consumes through the App's bus (its database, its registry)."""
    from conveyor.app import App
    from conveyor.settings import Settings

    bus = make_bus(sqlite_url)
    try:
        bus.handle(CreateGroup(code="via-handler"), mode="queue", correlation_id="c-42")
        (delivery,) = bus.mq.transport_for_queue(CUSTOMERS).reserve(CUSTOMERS, 5, "w")
        with App(Settings(database_url=sqlite_url), topology_files=[]) as app:
            (assignment,) = app.assign([CUSTOMERS])
            assignment.handler(delivery.envelope)
            assert app.bus.mq.database_url == sqlite_url
        assert "via-handler" in codes(bus)
        with bus.mq.engine.connect() as conn:
            (entry,) = sync_log.entries(conn, correlation_id="c-42")
        assert entry.outcome == "success"
    finally:
        bus.mq.close()


def test_bus_list_and_priority_go_in_dependency_order(sqlite_url: str, cli_env: pytest.MonkeyPatch) -> None:
    """Price groups and attributes before customers and products, fulfilments last (not alphabetically)."""
    from conveyor.cli.bus import command_worker
    from conveyor.mq.workers import Limits

    cli_env.setenv("CONVEYOR_DATABASE_URL", sqlite_url)
    listed = wide.invoke(bus_group, ["list"])
    assert listed.exit_code == 0, listed.output
    rows = [line.split()[1] for line in listed.output.splitlines() if "commands." in line]
    expected = ["price-groups", "attributes", "customers", "payments", "products", "fulfillments"]
    assert rows[: len(expected)] == [f"commands.{name}" for name in expected]
    status = wide.invoke(bus_group, ["status"])
    assert status.exit_code == 0 and "commands.fulfillments" in status.output and "worker" in status.output
    bus = make_bus(sqlite_url)
    worker = command_worker(bus, (), Limits(), priority=True, signals=False)
    assert worker.queues[:2] == [queue_name("price-groups"), queue_name("attributes")]
    assert worker.queues.index(queue_name("products")) < worker.queues.index(queue_name("fulfillments"))
