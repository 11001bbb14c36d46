"""``conveyor bus …`` (workers for queued commands, refresh) and ``conveyor commands list``.

``bus consume`` is ``queue consume`` with the bus as the handler of every command queue: the same ``build_worker``,
limits and middleware, so a command worker stops, retries and dead-letters exactly like any consumer.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table

from conveyor.cli.common import (
    ConfigError,
    console,
    err_console,
    opened,
    refresh_options,
    run_worker,
    setup_logging,
    topology_option,
    verbosity_option,
)
from conveyor.mq.topology import Topology

if TYPE_CHECKING:
    from conveyor.bus.bus import CommandBus
    from conveyor.bus.middleware import Metrics
    from conveyor.mq.consumer import Worker
    from conveyor.mq.workers import Limits


@contextmanager
def opened_bus(topology_files: Sequence[Path]) -> Iterator[CommandBus]:
    """The App's bus over the configured topology, its transports closed afterwards; a bad queue or topology
    exits 2."""
    with opened(topology_files) as app:
        yield app.bus


def command_queues(topology: Topology, names: Sequence[str]) -> list[str]:
    """Topology queue names for NAMES (``customers`` or ``commands.customers``); none: every command queue."""
    from conveyor.bus.topology import bus_queues, queue_name

    known = bus_queues(topology)
    if not names:
        return known
    result = []
    for name in names:
        queue = queue_name(name)
        if queue not in known:
            short = ", ".join(q.removeprefix("commands.") for q in known)
            raise ConfigError(f"{name!r} is not a command queue (known: {short})")
        result.append(queue)
    return result


@click.group()
def bus() -> None:
    """The command bus: workers for queued commands and their maintenance."""


@bus.command("list")
@topology_option
def list_queues(topology_files: tuple[Path, ...]) -> None:
    """The command queues in the order `consume --priority` drains them, with their counts."""
    from conveyor.cli.queue import print_counts

    with opened(topology_files) as app:
        print_counts(app.mq, command_queues(app.mq.topology, ()))


@bus.command()
@topology_option
def status(topology_files: tuple[Path, ...]) -> None:
    """``list`` plus the command workers running now."""
    from conveyor.cli.queue import print_counts, print_workers

    with opened(topology_files) as app:
        queues = command_queues(app.mq.topology, ())
        print_counts(app.mq, queues)
        print_workers(app.mq, queues)


@bus.command()
@click.argument("names", nargs=-1)
@topology_option
@click.option("--max-messages", type=click.IntRange(min=1), help="Stop after this many commands.")
@click.option("--max-runtime", type=click.FloatRange(min=0), help="Stop after this many seconds.")
@click.option("--max-memory", type=click.FloatRange(min=1), help="Stop when resident memory passes this many MB.")
@click.option(
    "--pause-when-empty",
    type=click.FloatRange(min=0),
    default=3.0,
    show_default=True,
    help="Seconds to pause after a round that found every queue empty.",
)
@click.option("--priority", is_flag=True, help="Drain the first queue before the next (default: round robin).")
@click.option("--stop-when-empty", is_flag=True, help="Stop once every queue is empty.")
@click.option("--stop-on-error", is_flag=True, help="Stop (exit 1) after the first failed command.")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Commands reserved per claim (small: rate-limited commands are slow, let other workers share).",
)
@verbosity_option
def consume(
    names: tuple[str, ...],
    topology_files: tuple[Path, ...],
    max_messages: int | None,
    max_runtime: float | None,
    max_memory: float | None,
    pause_when_empty: float,
    priority: bool,
    stop_when_empty: bool,
    stop_on_error: bool,
    batch_size: int,
    verbose: int,
) -> None:
    """Handle queued commands of NAMES (customers, products …; default: every command queue).

    Exit codes: 0 stopped normally (a limit, empty queues, SIGTERM/SIGINT), 1 stopped on error, 2 unknown queue.
    """
    from conveyor.mq.workers import Limits

    setup_logging(verbose)
    with opened_bus(topology_files) as command_bus:
        limits = Limits(max_messages, max_runtime, max_memory, None, stop_when_empty, stop_on_error)
        worker = command_worker(
            command_bus, names, limits, batch_size=batch_size, pause=pause_when_empty, priority=priority
        )
        code = run_worker(worker)
    if verbose:
        err_console.print(f"stopped: {worker.stop_reason}; handled {worker.handled}, failed {worker.failed}")
        err_console.print(metrics_table(command_bus.metrics))
    sys.exit(code)


def command_worker(
    command_bus: CommandBus,
    names: Sequence[str],
    limits: Limits,
    *,
    batch_size: int = 10,
    pause: float = 3.0,
    priority: bool = False,
    signals: bool = True,
) -> Worker:
    """The worker ``bus consume`` runs: the bus handles the command queues NAMES (none: all) with these limits."""
    from conveyor.mq.consumer import ConsumerOptions
    from conveyor.mq.handlers import Assignment
    from conveyor.mq.workers import build_worker

    topology = command_bus.mq.topology
    assignments = [
        Assignment(queue=q, handler=command_bus.consume, consumer=topology.consumers.get(q))
        for q in command_queues(topology, names)
    ]
    settings = command_bus.mq.settings
    options = ConsumerOptions(
        batch_size=batch_size,
        sleep=pause,
        priority=priority,
        max_attempts=settings.queue_max_attempts,
        retry_delay=settings.queue_retry_delay,
    )
    return build_worker(command_bus.mq, assignments, options, limits, signals=signals)


def metrics_table(metrics: Metrics) -> Table:
    table = Table("command", "handled", "succeeded", "failed", "skipped", "queued", "mean ms", "max ms")
    for name, stats in metrics.snapshot().items():
        table.add_row(
            name,
            str(stats.handled),
            str(stats.succeeded),
            str(stats.failed),
            str(stats.skipped),
            str(stats.queued),
            f"{stats.mean_seconds * 1000:.1f}",
            f"{stats.max_seconds * 1000:.1f}",
        )
    return table


@bus.command()
@topology_option
@refresh_options("commands")
def refresh(topology_files: tuple[Path, ...], reserved: int, attempts: int) -> None:
    """Return stuck command reservations to their queue; dead-letter those past their attempts (never delete).

    The refresh of the connection(s) the command queues live on, as ``conveyor queue refresh`` does it (the
    transport refreshes every queue of a connection at once).
    """
    from conveyor.bus.topology import bus_queues

    with opened_bus(topology_files) as command_bus:
        mq = command_bus.mq
        for connection in sorted({mq.topology.queues[q].connection for q in bus_queues(mq.topology)}):
            result = mq.transport(connection).refresh(reserved, attempts)
            console.print(f"{connection}: requeued {result.requeued}, dead-lettered {result.dead_lettered}")
            for detail in result.details:
                console.print(f"  {detail}")
        relayed = mq.relay_outbox()
        if relayed:
            console.print(f"relayed {relayed} outbox message(s)")


@click.group()
def commands() -> None:
    """The registered commands."""


@commands.command("list")
@topology_option
def list_commands(topology_files: tuple[Path, ...]) -> None:
    """Every registered command: its handler, whether it is queued by default and on which queue."""
    from conveyor.bus.topology import queue_name

    with opened(topology_files) as app:
        topology, registry = app.topology, app.commands
    if not len(registry):
        console.print("no commands are registered (packages add theirs through the conveyor.commands entry points)")
        return
    table = Table("name", "command", "handler", "queued", "queue")
    for spec in registry:
        queue = ""
        if spec.queue:
            found = topology.queues[queue_name(spec.queue)]
            queue = f"{found.name} ({found.connection})"
        table.add_row(spec.name, spec.type_name, spec.handler_name, "yes" if spec.queued else "no", queue)
    console.print(table)
