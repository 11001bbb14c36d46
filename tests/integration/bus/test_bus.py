"""The command bus in process: one transaction per command, the sync log, middleware order, modes, registration."""

from __future__ import annotations

import logging
from importlib.metadata import EntryPoint
from typing import ClassVar

import httpx
import pytest
import sqlalchemy as sa

from conveyor.bus import (
    Command,
    CommandBus,
    Context,
    NotQueuedError,
    RegistrationError,
    Registry,
    TransientError,
    UnknownCommandError,
    is_transient_error,
    sync_log,
)
from conveyor.bus.context import Call
from conveyor.bus.middleware import Next
from conveyor.bus.topology import bus_topology, queue_name, with_commands
from conveyor.mq.consumer import PermanentError
from conveyor.mq.envelope import Envelope
from conveyor.plugins import Plugins
from tests.integration.bus import commands
from tests.integration.bus.commands import CreateGroup, CreateGroupLater, group_codes


def codes(bus: CommandBus) -> set[str]:
    with bus.mq.engine.connect() as conn:
        return group_codes(conn)


def log_rows(bus: CommandBus, **filters: object) -> list[sync_log.Entry]:
    with bus.mq.engine.connect() as conn:
        return sync_log.entries(conn, **filters)  # type: ignore[arg-type]


def waiting(bus: CommandBus, queue: str) -> int:
    name = queue_name(queue)
    return bus.mq.transport_for_queue(name).counts(name).waiting


def test_a_handler_writes_in_its_transaction_and_the_sync_log_records_success(bus: CommandBus) -> None:
    result = bus.handle(CreateGroup(code="retail"))
    assert result.outcome == "success" and isinstance(result.value, int)
    assert "retail" in codes(bus)
    (row,) = log_rows(bus)
    assert (row.command, row.entity_type, row.entity_id, row.outcome) == (
        "test.create-group",
        "customer_group",
        "retail",
        "success",
    )
    assert row.error is None and row.duration > 0 and row.correlation_id == result.correlation_id


def test_a_failing_handler_rolls_back_its_writes_and_the_sync_log_keeps_the_failure(bus: CommandBus) -> None:
    with pytest.raises(ValueError, match="is refused"):
        bus.handle(CreateGroup(code="refused", fail="permanent"))
    assert "refused" not in codes(bus)  # the insert before the error was rolled back
    (row,) = log_rows(bus)
    assert (row.entity_id, row.outcome) == ("refused", "failed")
    assert row.error_summary == "ValueError: the code 'refused' is refused"
    assert "insert_group" in (row.error or "")  # the traceback is kept for whoever debugs it
    assert bus.metrics.snapshot()["test.create-group"].failed == 1


def test_a_skipping_handler_writes_nothing_and_is_logged_as_skipped(bus: CommandBus) -> None:
    result = bus.handle(CreateGroup(code="same", fail="skip"))
    assert (result.outcome, result.reason) == ("skipped", "same is unchanged")
    assert "same" not in codes(bus)
    (row,) = log_rows(bus)
    assert (row.outcome, row.error) == ("skipped", "same is unchanged")


def test_transient_failures_are_retried_inline_each_attempt_in_its_own_transaction(bus: CommandBus) -> None:
    bus.middleware = bus.default_middleware(inline_attempts=3)
    for middleware in bus.middleware:
        if hasattr(middleware, "backoff"):
            middleware.backoff = 0.01
    result = bus.handle(CreateGroup(code="flaky", transient_failures=2))
    assert result.outcome == "success"
    assert commands.attempts["flaky"] == 3
    with bus.mq.engine.connect() as conn:  # the two failed attempts' inserts were rolled back: one row
        count = conn.execute(sa.select(sa.func.count()).where(commands.G.c.customer_group_code == "flaky")).scalar_one()
    assert count == 1
    # the sync log sits inside the retry: every attempt has its row, newest first
    assert [r.outcome for r in log_rows(bus)] == ["success", "failed", "failed"]
    # metrics sit outside it: one command, handled once
    stats = bus.metrics.snapshot()["test.create-group"]
    assert (stats.succeeded, stats.failed) == (1, 0)
    with pytest.raises(TransientError):
        bus.handle(CreateGroup(code="down", fail="transient"))
    assert commands.attempts["down"] == 3


class Recording:
    def __init__(self, name: str, trail: list[str]) -> None:
        self.name, self.trail = name, trail

    def __call__(self, call: Call, next_: Next) -> object:
        in_transaction = call.context.opener is not None  # the transaction is there to be begun
        self.trail.append(f"enter {self.name} tx={in_transaction}")
        try:
            return next_(call)
        finally:
            self.trail.append(f"exit {self.name}")


def test_middleware_run_in_order_around_the_handler(bus: CommandBus) -> None:
    assert [type(m).__name__ for m in bus.middleware] == [
        "CorrelationLogging",
        "MetricsMiddleware",
        "RetryClassification",
        "SyncLog",
        "Transaction",
    ]
    trail: list[str] = []
    defaults = bus.default_middleware()
    bus.middleware = [Recording("outer", trail), *defaults[:-1], Recording("inner", trail), defaults[-1]]
    bus.middleware.append(Recording("innermost", trail))
    bus.handle(CreateGroup(code="ordered"))
    assert trail == [
        "enter outer tx=False",
        "enter inner tx=False",
        "enter innermost tx=True",
        "exit innermost",
        "exit inner",
        "exit outer",
    ]


def test_the_transaction_begins_when_the_handler_first_uses_it(bus: CommandBus) -> None:
    """A handler may call a remote source before writing; no write lock is held meanwhile (SQLite: IMMEDIATE)."""
    seen: list[bool] = []

    def watch(call: Call, next_: Next) -> object:
        seen.append(call.context.tx is None)
        return next_(call)

    bus.middleware.append(watch)
    bus.handle(CreateGroup(code="lazy"))
    assert seen == [True]
    with bus.mq.engine.connect() as conn:  # and the handler's writes did commit through the lazily begun one
        assert conn.execute(sa.text("select count(*) from customer_group where customer_group_code = 'lazy'")).scalar()


def test_one_correlation_id_ties_the_log_lines_the_sync_log_and_queued_follow_ups(
    bus: CommandBus, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="conveyor.bus")
    result = bus.handle(CreateGroup(code="parent", follow_up="child"), correlation_id="corr-1")
    assert result.correlation_id == "corr-1"
    assert commands.seen_correlation_ids["parent"] == "corr-1"  # the handler sees it (context variable)
    assert any("[corr-1] test.create-group handled" in r.getMessage() for r in caplog.records)
    assert any(getattr(r, "correlation_id", None) == "corr-1" for r in caplog.records)
    assert waiting(bus, "products") == 1  # the follow-up was queued in the parent's transaction
    transport = bus.mq.transport_for_queue(queue_name("products"))
    (delivery,) = transport.reserve(queue_name("products"), 10, "test")
    assert delivery.envelope.properties["correlation_id"] == "corr-1"
    bus.consume(delivery.envelope)
    assert commands.seen_correlation_ids["child"] == "corr-1"
    assert [r.command for r in log_rows(bus, correlation_id="corr-1")] == [
        "test.create-group-later",
        "test.create-group",
    ]
    fresh = bus.handle(CreateGroup(code="other"))
    assert fresh.correlation_id not in ("", "corr-1")


def test_a_follow_up_of_a_failed_command_is_never_queued(bus: CommandBus) -> None:
    with pytest.raises(ValueError):
        bus.handle(CreateGroup(code="p", follow_up="orphan", fail="permanent"))
    assert waiting(bus, "products") == 0


def test_modes_follow_the_registration_unless_forced(bus: CommandBus) -> None:
    queued = bus.handle(CreateGroupLater(code="later"))  # registered queued
    assert queued.outcome == "queued" and queued.message_id
    assert "later" not in codes(bus) and waiting(bus, "products") == 1
    forced_inline = bus.handle(CreateGroupLater(code="now"), mode="inline")
    assert forced_inline.outcome == "success" and "now" in codes(bus)
    assert waiting(bus, "products") == 1
    forced_queue = bus.handle(CreateGroup(code="queued-too"), mode="queue")  # registered inline
    assert forced_queue.outcome == "queued" and waiting(bus, "customers") == 1
    assert "queued-too" not in codes(bus)
    stats = bus.metrics.snapshot()
    assert (stats["test.create-group-later"].queued, stats["test.create-group-later"].succeeded) == (1, 1)
    with pytest.raises(ValueError, match="own transaction"), bus.mq.transaction() as tx:
        bus.handle(CreateGroup(code="x"), mode="inline", tx=tx)


def test_enqueue_inside_a_caller_transaction_is_atomic_with_its_writes(bus: CommandBus) -> None:
    with pytest.raises(RuntimeError), bus.mq.transaction() as tx:
        bus.enqueue([CreateGroupLater(code=f"c{i}") for i in range(3)], tx=tx)
        raise RuntimeError("the caller fails after queueing")
    assert waiting(bus, "products") == 0
    with bus.mq.transaction() as tx:
        ids = bus.enqueue([CreateGroupLater(code=f"c{i}") for i in range(3)], tx=tx)
    assert len(set(ids)) == 3 and waiting(bus, "products") == 3


def test_consume_classifies_failures_for_the_queue(bus: CommandBus) -> None:
    def envelope(command: CreateGroup) -> Envelope:
        spec = bus.registry.spec(command)
        return Envelope.of(str(spec.topic), {"command": spec.name, "data": command.model_dump(mode="json")})

    bus.consume(envelope(CreateGroupLater(code="fine")))
    assert "fine" in codes(bus)
    with pytest.raises(PermanentError, match="is refused") as permanent:
        bus.consume(envelope(CreateGroupLater(code="bad", fail="permanent")))
    assert isinstance(permanent.value.__cause__, ValueError)
    with pytest.raises(TransientError):  # raised as it is: the queue retries it after its delay
        bus.consume(envelope(CreateGroupLater(code="later", fail="transient")))
    assert commands.attempts["later"] == 1  # no in-process retry for a delivered command
    bus.consume(envelope(CreateGroupLater(code="unchanged", fail="skip")))  # acknowledged, not retried
    with pytest.raises(PermanentError, match="no command named"):
        bus.consume(Envelope.of("command.products.nope", {"command": "nope", "data": {}}))
    with pytest.raises(PermanentError, match="ValidationError"):
        bus.consume(Envelope.of("command.products.x", {"command": "test.create-group-later", "data": {"cod": 1}}))
    failed = log_rows(bus, failed=True)
    assert [(r.entity_id, r.error_summary) for r in failed] == [
        ("later", "conveyor.bus.command.TransientError: the source is down"),
        ("bad", "ValueError: the code 'bad' is refused"),
    ]


class Ping(Command):
    entity_type: ClassVar[str] = "ping"
    entity_key: ClassVar[str] = "n"
    n: int


class Pong(Command):
    pass


def ping(command: Ping, context: Context) -> int:
    return command.n


def pong(command: Pong, context: Context) -> None:
    """Does nothing."""


def test_registration_rules() -> None:
    registry = Registry()
    spec = registry.register(Ping, ping)
    assert (spec.name, spec.queue, spec.queued, spec.topic) == ("ping", None, False, None)
    assert spec.handler_name == "tests.integration.bus.test_bus:ping"
    with pytest.raises(RegistrationError, match="exactly one"):
        registry.register(Ping, ping, name="ping2")
    with pytest.raises(RegistrationError, match="taken"):
        registry.register(Pong, pong, name="ping")
    with pytest.raises(RegistrationError, match="names no queue"):
        registry.register(Pong, pong, queued=True)
    with pytest.raises(RegistrationError, match="command name"):
        registry.register(Pong, pong, name="Bad Name")
    with pytest.raises(RegistrationError, match="queue name"):
        registry.register(Pong, pong, queue="a.b")
    queued = registry.handler(Pong, queue="payments")(pong)
    assert queued is pong
    assert registry.spec(Pong()).topic == "command.payments.pong" and registry.spec(Pong).queued
    assert [s.name for s in registry] == ["ping", "pong"] and Pong in registry and len(registry) == 2
    assert registry.queues() == ["payments"]
    with pytest.raises(UnknownCommandError):
        registry.named("nope")
    registry.unregister(Pong)
    with pytest.raises(UnknownCommandError):
        registry.spec(Pong())
    assert Ping(n=7).entity() == ("ping", "7")
    with pytest.raises(ValueError):
        Ping(n=1, extra=2)  # type: ignore[call-arg]


def test_a_command_without_a_queue_cannot_be_queued(bus: CommandBus) -> None:
    registry = Registry()
    registry.register(Ping, ping)
    private = CommandBus(bus.mq, registry)
    assert private.handle(Ping(n=3)).value == 3
    with pytest.raises(NotQueuedError, match="no queue"):
        private.handle(Ping(n=3), mode="queue")
    registry.register(Pong, pong, queue="erp-extra")  # registered after the bus's topology was built
    with pytest.raises(NotQueuedError, match="with_commands"):
        private.handle(Pong(), mode="queue")


def register_ping(registry: Registry) -> None:
    registry.register(Ping, ping, queue="price-groups")


def test_entry_points_register_commands() -> None:
    found = [EntryPoint(name="tests", value="tests.integration.bus.test_bus:register_ping", group="conveyor.commands")]
    plugins = Plugins(lambda group: found if group == "conveyor.commands" else [])
    registry = Registry().load_plugins(plugins)
    assert registry.spec(Ping).queue == "price-groups"
    assert registry.load_plugins(plugins) is registry  # once


def test_with_commands_adds_queues_and_publishers_under_the_users_topology() -> None:
    registry = Registry()
    registry.register(Ping, ping, queue="erp-extra")
    user = bus_topology("db", ["customers"])  # pretend the user declared one command queue already
    topology = with_commands(user, registry, "db")
    assert {queue_name(q) for q in ("customers", "products", "erp-extra")} <= set(topology.queues)
    assert topology.route("command.erp-extra.ping") == ("db", "conveyor.commands")
    assert topology.queues_for("db", "conveyor.commands", "command.erp-extra.ping") == ("commands.erp-extra",)
    assert with_commands(topology, registry, "db").queues.keys() == topology.queues.keys()  # idempotent


def test_retry_classification() -> None:
    assert is_transient_error(sa.exc.OperationalError("SELECT 1", {}, Exception("deadlock detected")))
    assert is_transient_error(httpx.ConnectTimeout("timed out"))
    assert is_transient_error(TransientError("busy"))
    wrapped = RuntimeError("sync failed")
    wrapped.__cause__ = ConnectionResetError("reset")
    assert is_transient_error(wrapped)
    assert not is_transient_error(ValueError("bad sku"))
    # a key a concurrent command took (two workers creating one attribute) is there on the retry
    assert is_transient_error(sa.exc.IntegrityError("INSERT", {}, Exception("duplicate")))

    class ExplicitError(ConnectionError):
        transient = False  # an explicit flag wins over the type

    assert not is_transient_error(ExplicitError())
