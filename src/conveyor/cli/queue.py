"""``conveyor queue …``: consume, run the configured consumers, refresh, inspect, replay and purge."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import click
from rich.table import Table

from conveyor.cli.common import (
    EXIT_LOCKED,
    console,
    err_console,
    opened,
    refresh_options,
    run_worker,
    setup_logging,
    topology_option,
    verbosity_option,
)
from conveyor.mq.consumer import ConsumerOptions
from conveyor.mq.middleware.registry import live_workers, prune_workers, reap_dead_workers
from conveyor.mq.queue import MessageQueue
from conveyor.mq.workers import Limits, build_worker, declared_sleep
from conveyor.settings import get_settings


@click.group()
def queue() -> None:
    """The message queues: consumers, maintenance and inspection."""


@queue.command()
@click.argument("names", nargs=-1)
@topology_option
@click.option("--max-messages", type=click.IntRange(min=1), help="Stop after this many messages.")
@click.option("--max-runtime", type=click.FloatRange(min=0), help="Stop after this many seconds.")
@click.option("--max-memory", type=click.FloatRange(min=1), help="Stop when resident memory passes this many MB.")
@click.option("--max-idle", type=click.FloatRange(min=0), help="Stop after this many seconds without a message.")
@click.option("--sleep", type=click.FloatRange(min=0), help="Pause after an empty round (default 3 s).")
@click.option("--priority", is_flag=True, help="Drain the first queue before the next (default: round robin).")
@click.option("--stop-when-empty", is_flag=True, help="Stop once every queue is empty.")
@click.option("--stop-on-error", is_flag=True, help="Stop (exit 1) after the first failed message.")
@click.option("--batch-size", type=click.IntRange(min=1), default=100, show_default=True, help="Messages per claim.")
@click.option("--handler", help="module:function to run instead of the consumer's handler.")
@click.option("--max-attempts", type=click.IntRange(min=1), help="Attempts before dead-lettering.")
@click.option("--retry-delay", type=click.FloatRange(min=0), help="Seconds before the first retry (then doubled).")
@verbosity_option
def consume(
    names: tuple[str, ...],
    topology_files: tuple[Path, ...],
    max_messages: int | None,
    max_runtime: float | None,
    max_memory: float | None,
    max_idle: float | None,
    sleep: float | None,
    priority: bool,
    stop_when_empty: bool,
    stop_on_error: bool,
    batch_size: int,
    handler: str | None,
    max_attempts: int | None,
    retry_delay: float | None,
    verbose: int,
) -> None:
    """Consume NAMES (consumers or queues; default: every declared consumer).

    Exit codes: 0 stopped normally (a limit, an empty queue, SIGTERM/SIGINT), 1 stopped on error,
    2 bad topology, queue or handler.
    """
    setup_logging(verbose)
    settings = get_settings()
    with opened(topology_files) as app:
        mq = app.mq
        assignments = app.assign(names, handler)
        default_sleep = declared_sleep(assignments)
        options = ConsumerOptions(
            batch_size=batch_size,
            sleep=sleep if sleep is not None else (default_sleep if default_sleep is not None else 3.0),
            priority=priority,
            max_attempts=max_attempts or settings.queue_max_attempts,
            retry_delay=retry_delay if retry_delay is not None else settings.queue_retry_delay,
        )
        limits = Limits(max_messages, max_runtime, max_memory, max_idle, stop_when_empty, stop_on_error)
        worker = build_worker(mq, assignments, options, limits)
        code = run_worker(worker)
    if verbose:
        err_console.print(f"stopped: {worker.stop_reason}; handled {worker.handled}, failed {worker.failed}")
    sys.exit(code)


@queue.command("run-consumers")
@topology_option
@click.option("--once", is_flag=True, help="Spawn what is missing and exit (for cron), instead of supervising.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Seconds between checks.",
)
@click.option("--max-messages", type=click.IntRange(min=1), help="Passed to each consumer unless it declares its own.")
@verbosity_option
def run_consumers(
    topology_files: tuple[Path, ...], once: bool, interval: float, max_messages: int | None, verbose: int
) -> None:
    """Keep every declared consumer running (N processes each), like Magento's cron consumers runner.

    Only one runner at a time holds the lock; a second exits with code 3.
    """
    from conveyor.mq.runner import ConsumersRunner

    setup_logging(verbose)
    with opened(topology_files) as app:
        mq = app.mq
        runner = ConsumersRunner(mq, [str(p) for p in topology_files], max_messages=max_messages)
        if not runner.lock.acquire():
            err_console.print(f"another consumers runner holds the lock: {runner.lock.holder()}")
            sys.exit(EXIT_LOCKED)
        try:
            if once:
                spawned = runner.spawn_missing(detach=True)
                console.print(f"spawned {spawned} consumer process(es)")
            else:
                runner.supervise(interval)
        finally:
            runner.lock.release()


@queue.command()
@topology_option
@refresh_options("messages")
@click.option("--clean/--no-clean", default=True, show_default=True, help="Also delete old complete messages.")
@click.option(
    "--loop", type=click.FloatRange(min=0.1), help="Refresh every SECONDS (printing only what changed) until stopped."
)
def refresh(topology_files: tuple[Path, ...], reserved: int, attempts: int, clean: bool, loop: float | None) -> None:
    """Return stuck reservations to their queue; dead-letter those past their attempts (never delete); relay the
    outbox."""
    with opened(topology_files) as app:
        if not loop:
            refresh_once(app.mq, reserved, attempts, clean, quiet=False)
            return
        stop = stop_on_signals()
        while not stop.is_set():
            refresh_once(app.mq, reserved, attempts, clean, quiet=True)
            stop.wait(loop)


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT: a loop finishes its round and returns."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _signum, _frame: stop.set())
    return stop


def refresh_once(mq: MessageQueue, reserved: int, attempts: int, clean: bool, *, quiet: bool) -> None:
    """One refresh; ``quiet`` prints only lines with something done."""

    def say(text: str, done: int) -> None:
        if done or not quiet:
            console.print(text)

    reaped = reap_dead_workers(mq, mq.settings.queue_worker_dead_after_seconds, attempts)
    if reaped.requeued or reaped.dead_lettered:
        console.print(f"dead workers: requeued {reaped.requeued}, dead-lettered {reaped.dead_lettered}")
        for detail in reaped.details:
            console.print(f"  {detail}")
    for connection in sorted({q.connection for q in mq.topology.queues.values()}):
        transport = mq.transport(connection)
        result = transport.refresh(reserved, attempts)
        say(
            f"{connection}: requeued {result.requeued}, dead-lettered {result.dead_lettered}",
            result.requeued + result.dead_lettered,
        )
        for detail in result.details:
            console.print(f"  {detail}")
        if clean:
            removed = transport.clean(get_settings().queue_retention_seconds)
            say(f"{connection}: cleaned {removed} complete message(s) past retention", removed)
    relayed = mq.relay_outbox()
    if relayed:
        console.print(f"relayed {relayed} outbox message(s)")
    pruned = prune_workers(mq.engine)
    if pruned:
        console.print(f"forgot {pruned} worker(s) not seen for a day")


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.0f}s" if seconds < 120 else f"{seconds / 60:.0f}m"


@queue.command("list")
@topology_option
def list_queues(topology_files: tuple[Path, ...]) -> None:
    """Queues with their counts by status and the age of the oldest waiting message."""
    with opened(topology_files) as app:
        print_counts(app.mq)


def print_counts(mq: MessageQueue, names: Sequence[str] | None = None) -> None:
    """One row per queue (``names``, in that order; default every queue): counts by status and the age of the
    oldest waiting message."""
    table = Table("queue", "connection", "waiting", "retrying", "in progress", "complete", "dead", "oldest waiting")
    queues = mq.topology.queues
    for q in [queues[name] for name in names] if names is not None else queues.values():
        c = mq.transport(q.connection).counts(q.name)
        table.add_row(
            q.name,
            q.connection,
            str(c.waiting),
            str(c.retrying),
            str(c.in_progress),
            str(c.complete),
            str(c.dead),
            _age(c.oldest_waiting_age),
        )
    console.print(table)


@queue.command()
@topology_option
def status(topology_files: tuple[Path, ...]) -> None:
    """``list`` plus the consumers running now (host, pid, queues, last seen)."""
    with opened(topology_files) as app:
        print_counts(app.mq)
        print_workers(app.mq)


def print_workers(mq: MessageQueue, names: Sequence[str] | None = None) -> None:
    """The workers alive now (of those consuming any of ``names``, when given)."""
    table = Table("worker", "consumer", "queues", "host", "pid", "last seen")
    for w in live_workers(mq.engine, mq.settings.queue_worker_dead_after_seconds):
        if names is not None and not set(str(w.queues).split(",")) & set(names):
            continue
        seen = _age(time.time() - w.seen_at) + " ago"
        table.add_row(w.id, w.consumer or "-", w.queues, w.hostname, str(w.pid), seen)
    console.print(table)


@queue.command("dead-letters")
@click.argument("queue_name")
@topology_option
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
def dead_letters(queue_name: str, topology_files: tuple[Path, ...], limit: int) -> None:
    """Dead letters of QUEUE_NAME with their attempts and last error."""
    with opened(topology_files) as app:
        mq = app.mq
        table = Table("id", "topic", "attempts", "error", "body")
        for letter in mq.transport_for_queue(queue_name).dead_letters(queue_name, limit):
            error = (letter.error or "").strip().splitlines()
            table.add_row(
                str(letter.id),
                letter.envelope.topic,
                str(letter.attempts),
                error[-1] if error else "",
                letter.envelope.body[:80].decode(errors="replace"),
            )
        console.print(table)


@queue.command()
@click.argument("queue_name")
@click.argument("ids", nargs=-1)
@topology_option
@click.option("--all", "replay_all", is_flag=True, help="Replay every dead letter of the queue.")
def replay(queue_name: str, ids: tuple[str, ...], topology_files: tuple[Path, ...], replay_all: bool) -> None:
    """Put dead letters (IDS, or --all) back into QUEUE_NAME with a fresh attempt count."""
    if not ids and not replay_all:
        raise click.UsageError("name the dead letter ids to replay, or pass --all")
    with opened(topology_files) as app:
        transport = app.mq.transport_for_queue(queue_name)
        try:
            count = transport.replay(queue_name, None if replay_all else list(ids))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="IDS") from None
        console.print(f"replayed {count} message(s) into {queue_name}")
        if not replay_all and count < len(set(ids)):
            raise click.ClickException(
                f"{len(set(ids)) - count} of the ids given are not dead letters of {queue_name}"
                f" (`conveyor queue dead-letters {queue_name}` lists them)"
            )


@queue.command()
@click.argument("queue_name")
@topology_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def purge(queue_name: str, topology_files: tuple[Path, ...], yes: bool) -> None:
    """Delete the waiting messages of QUEUE_NAME (dead letters stay)."""
    with opened(topology_files) as app:
        transport = app.mq.transport_for_queue(queue_name)  # an unknown name fails before the question
        if not yes:
            click.confirm(f"Delete every waiting message of {queue_name}?", abort=True)
        console.print(f"purged {transport.purge(queue_name)} message(s)")


@queue.command()
@topology_option
def relay(topology_files: tuple[Path, ...]) -> None:
    """Send committed outbox messages to the broker (the consumers runner does this continuously)."""
    with opened(topology_files) as app:
        mq = app.mq
        console.print(f"relayed {mq.relay_outbox()} message(s)")
