"""``conveyor pipeline …``: list, show, create, heartbeat, runner, retry, cancel, maintenance and definitions.

``pipeline runner`` is ``queue consume pipeline_process_steps`` with the step runner as the handler: the same
``build_worker``, limits and middleware. Pipelines are imported inside the commands so that ``conveyor`` starts
without loading them.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import yaml
from rich.table import Table
from rich.tree import Tree

from conveyor.cli.common import (
    EXIT_LOCKED,
    ConfigError,
    console,
    err_console,
    load,
    run_worker,
    setup_logging,
    topology_option,
    verbosity_option,
)
from conveyor.mq.topology import TopologyError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from conveyor.mq.queue import MessageQueue
    from conveyor.pipelines.definitions import PipelineDefinition
    from conveyor.settings import Settings

COLOURS = {
    "pending": "white",
    "enqueued": "cyan",
    "running": "yellow",
    "success": "green",
    "skipped": "bright_black",
    "error": "red",
    "abandoned": "magenta",
    "cancelled": "magenta",
    "expired": "magenta",
}


def _settings() -> Settings:
    from conveyor.settings import Settings

    return Settings()  # read now: tests and embedders change the environment between commands


def _engine(settings: Settings) -> Engine:
    from conveyor.db.engine import get_engine

    return get_engine(settings.database_url)


@contextmanager
def _opened(topology_files: Sequence[Path], settings: Settings) -> Iterator[MessageQueue]:
    """A MessageQueue with the steps' queue on the configured connection (a topology file may still move it)."""
    from conveyor.mq.queue import MessageQueue
    from conveyor.pipelines.topology import pipelines_topology

    try:
        topology = pipelines_topology(settings.pipeline_connection).merge(load(topology_files)).validate()
    except TopologyError as exc:
        raise ConfigError(str(exc)) from exc
    mq = MessageQueue(topology, settings)
    try:
        yield mq
    except TopologyError as exc:
        raise ConfigError(str(exc)) from exc
    finally:
        mq.close()


def _definitions(settings: Settings) -> dict[str, PipelineDefinition]:
    from conveyor.pipelines.config import definitions
    from conveyor.pipelines.definitions import DefinitionError

    try:
        return definitions(settings)
    except DefinitionError as exc:
        raise ConfigError(str(exc)) from exc


def _status(status: str) -> str:
    return f"[{COLOURS.get(status, 'white')}]{status}[/]"


def _when(epoch: float | None) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S") if epoch else "-"


def _duration(start: float | None, end: float | None) -> str:
    if start is None:
        return "-"
    seconds = (end or time.time()) - start
    if seconds < 60:
        return f"{seconds:.2f}s"
    return f"{seconds / 60:.1f}m" if seconds < 3600 else f"{seconds / 3600:.1f}h"


def _maintenance_banner(engine: Engine) -> None:
    from conveyor.pipelines import maintenance

    if maintenance.is_on(engine):
        err_console.print("[bold yellow]maintenance mode is on: the heartbeat spawns and enqueues nothing[/]")


@click.group()
def pipeline() -> None:
    """Process pipelines: stages of steps started by conditions, run by runners, driven by the heartbeat."""


@pipeline.command("list")
@click.option("--status", "statuses", multiple=True, help="Only pipelines with this status (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
def list_command(statuses: tuple[str, ...], limit: int) -> None:
    """The newest pipelines with their status and progress."""
    from conveyor.pipelines import store

    engine = _engine(_settings())
    _maintenance_banner(engine)
    table = Table("id", "name", "status", "steps done", "created (UTC)", "duration", "expires (UTC)")
    with engine.connect() as conn:
        for row in store.list_pipelines(conn, statuses, limit):
            table.add_row(
                str(row.id),
                row.name + (f" [{row.key}]" if row.key else ""),
                _status(row.status),
                f"{row.done or 0}/{row.steps}",
                _when(row.created_at),
                _duration(row.started_at, row.finished_at),
                _when(row.expires_at) if row.status in ("pending", "running") else "-",
            )
    console.print(table)


@pipeline.command()
@click.argument("pipeline_id", type=int)
@click.option("--no-logs", is_flag=True, help="Leave out the step logs.")
def show(pipeline_id: int, no_logs: bool) -> None:
    """A pipeline as a tree of stages and steps: status, attempts, duration, output, error and log."""
    from conveyor.pipelines import store

    engine = _engine(_settings())
    _maintenance_banner(engine)
    with engine.connect() as conn:
        row = store.pipeline(conn, pipeline_id)
        if row is None:
            raise ConfigError(f"no pipeline {pipeline_id}")
        steps = store.steps_of(conn, pipeline_id)
    title = f"[bold]{row.name}[/] #{row.id} {_status(row.status)} · {_duration(row.started_at, row.finished_at)}"
    tree = Tree(title)
    details = [f"created {_when(row.created_at)}", f"arguments {row.arguments}"]
    if row.working_dir:
        details.append(f"working dir {row.working_dir}")
    if row.expires_at and row.status in ("pending", "running"):
        details.append(f"expires {_when(row.expires_at)}")
    tree.add("[dim]" + " · ".join(details) + "[/]")
    stages: dict[str, Tree] = {}
    for step in steps:
        stage = stages.get(step.stage)
        if stage is None:
            stage = stages[step.stage] = tree.add(f"[bold]{step.stage}[/]")
        label = (
            f"{step.name} #{step.id} {_status(step.status)} · {step.executor} · "
            f"attempt {step.attempts}/{step.max_attempts} · {_duration(step.started_at, step.finished_at)}"
            + (" · always" if step.run_always else "")
        )
        node = stage.add(label)
        if step.output:
            node.add(f"[green]output:[/] {step.output}")
        if step.error:
            node.add(f"[red]error:[/] {step.error}")
        if step.log and not no_logs:
            node.add("[dim]" + step.log.rstrip().replace("[", r"\[") + "[/]")
    console.print(tree)


def _parse_args(pairs: Sequence[str]) -> dict[str, Any]:
    """``k=v`` pairs; values read as YAML scalars (``3`` is a number, ``true`` a boolean, ``[a, b]`` a list)."""
    result: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not key=value", param_hint="--arg")
        try:
            result[key] = yaml.safe_load(value) if value else ""
        except yaml.YAMLError:
            result[key] = value
    return result


@pipeline.command()
@click.argument("name")
@click.option("--arg", "args", multiple=True, help="key=value overlaid on the definition's arguments (repeatable).")
@click.option("--key", help="A unique key (dynamic pipelines: one per key).")
def create(name: str, args: tuple[str, ...], key: str | None) -> None:
    """Create a pipeline of definition NAME now (its steps are enqueued by the next heartbeat)."""
    from conveyor.db.engine import now
    from conveyor.pipelines.heartbeat import spawn

    settings = _settings()
    found = _definitions(settings).get(name)
    if found is None:
        raise ConfigError(f"unknown pipeline {name!r} (see `conveyor pipeline definitions`)")
    pipeline_id = spawn(_engine(settings), found, settings, at=now(), arguments=_parse_args(args), key=key)
    console.print(f"created pipeline {pipeline_id} ({name})")


@pipeline.command()
@click.option("--loop", type=click.FloatRange(min=0.1), help="Beat every SECONDS instead of once (cron: once).")
@click.option("--quiet", is_flag=True, help="Print only the pulses that did something.")
@topology_option
@verbosity_option
def heartbeat(loop: float | None, quiet: bool, topology_files: tuple[Path, ...], verbose: int) -> None:
    """Spawn pipelines whose conditions hold, enqueue ready steps, expire, update statuses.

    One heartbeat at a time: a second one exits with code 3. In maintenance mode nothing is spawned or enqueued.
    """
    from conveyor.pipelines.heartbeat import Heartbeat

    setup_logging(verbose)
    settings = _settings()
    definitions = _definitions(settings)
    with _opened(topology_files, settings) as mq:
        beat = Heartbeat(mq, definitions, settings)
        if loop:
            beat.lock.ttl = max(beat.lock.ttl, loop * 3)
        if loop:  # SIGTERM ends the loop like Ctrl+C: the lock is released for the next heartbeat
            signal.signal(signal.SIGTERM, signal.default_int_handler)
        if not beat.lock.acquire():
            err_console.print(f"another heartbeat is running (held by {beat.holder()}); this one exits")
            sys.exit(EXIT_LOCKED)
        try:
            while True:
                pulse = beat.pulse()
                idle = not (pulse.spawned or pulse.enqueued or pulse.expired or pulse.failed_attempts)
                if quiet and (idle or pulse.maintenance):
                    pass
                elif pulse.maintenance:
                    console.print("maintenance mode is on: nothing spawned or enqueued")
                else:
                    console.print(
                        f"pulse {pulse.id}: spawned {len(pulse.spawned)}, enqueued {pulse.enqueued}, "
                        f"expired {pulse.expired}, failed overdue attempts {pulse.failed_attempts}"
                    )
                    if verbose:
                        for name, reason in pulse.not_spawned.items():
                            err_console.print(f"  {name}: not spawned ({reason})")
                if not loop:
                    return
                time.sleep(loop)
                if not beat.lock.acquire():
                    err_console.print(f"the heartbeat lock was taken over by {beat.holder()}; this one exits")
                    sys.exit(EXIT_LOCKED)
        except KeyboardInterrupt:
            pass
        finally:
            beat.lock.release()


@pipeline.command()
@topology_option
@click.option("--max-messages", type=click.IntRange(min=1), help="Stop after this many steps.")
@click.option("--max-runtime", type=click.FloatRange(min=0), help="Stop after this many seconds.")
@click.option("--max-memory", type=click.FloatRange(min=1), help="Stop when resident memory passes this many MB.")
@click.option("--sleep", type=click.FloatRange(min=0), default=1.0, show_default=True, help="Pause when idle.")
@click.option("--stop-when-empty", is_flag=True, help="Stop once the queue is empty.")
@click.option("--stop-on-error", is_flag=True, help="Stop (exit 1) after a message that could not be handled.")
@click.option("--batch-size", type=click.IntRange(min=1), default=1, show_default=True, help="Steps per claim.")
@verbosity_option
def runner(
    topology_files: tuple[Path, ...],
    max_messages: int | None,
    max_runtime: float | None,
    max_memory: float | None,
    sleep: float,
    stop_when_empty: bool,
    stop_on_error: bool,
    batch_size: int,
    verbose: int,
) -> None:
    """Run pipeline steps from queue pipeline_process_steps (any number of runners, on any machines).

    Exit codes as ``queue consume``: 0 stopped normally, 1 stopped on error, 2 bad topology.
    """
    from conveyor.mq.consumer import ConsumerOptions
    from conveyor.mq.handlers import Assignment
    from conveyor.mq.workers import Limits, build_worker
    from conveyor.pipelines.runner import StepRunner
    from conveyor.pipelines.topology import CONSUMER, QUEUE

    setup_logging(verbose)
    settings = _settings()
    with _opened(topology_files, settings) as mq:
        consumer = mq.topology.consumers.get(CONSUMER)
        queue = consumer.queue if consumer else QUEUE
        assignment = Assignment(queue=queue, handler=StepRunner(mq, settings), consumer=consumer)
        options = ConsumerOptions(
            batch_size=batch_size,
            sleep=sleep,
            max_attempts=settings.queue_max_attempts,
            retry_delay=settings.queue_retry_delay,
        )
        limits = Limits(max_messages, max_runtime, max_memory, None, stop_when_empty, stop_on_error)
        worker = build_worker(mq, [assignment], options, limits)
        code = run_worker(worker)
    if verbose:
        err_console.print(f"stopped: {worker.stop_reason}; handled {worker.handled}, failed {worker.failed}")
    sys.exit(code)


@pipeline.command()
@click.argument("target_id", type=int)
@click.option("--step", "is_step", is_flag=True, help="TARGET_ID is a step id (default: a pipeline id).")
@topology_option
def retry(target_id: int, is_step: bool, topology_files: tuple[Path, ...]) -> None:
    """Give a failed step (--step STEP_ID) or every failed step of a pipeline (PIPELINE_ID) fresh attempts;
    the steps they abandoned come back too, and the ready ones are enqueued now."""
    from conveyor.pipelines import operator, store

    settings = _settings()
    engine = _engine(settings)
    with engine.connect() as conn:
        if is_step:
            step = store.step(conn, target_id)
            if step is None:
                raise ConfigError(f"no step {target_id}")
            pipeline_id = int(step.pipeline_id)
        else:
            if store.pipeline(conn, target_id) is None:
                raise ConfigError(f"no pipeline {target_id}")
            pipeline_id = target_id
    with _opened(topology_files, settings) as mq:
        count, enqueued = operator.retry(mq, pipeline_id, target_id if is_step else None)
    if not count:
        raise ConfigError("nothing to retry: no failed or abandoned step")
    console.print(f"pipeline {pipeline_id}: {count} step(s) to run again, {enqueued} enqueued now")


@pipeline.command()
@click.argument("pipeline_id", type=int)
def cancel(pipeline_id: int) -> None:
    """Cancel a pending or running pipeline: its waiting steps are abandoned (running ones finish)."""
    from conveyor.pipelines import operator, store

    engine = _engine(_settings())
    with engine.connect() as conn:
        row = store.pipeline(conn, pipeline_id)
    if row is None:
        raise ConfigError(f"no pipeline {pipeline_id}")
    if not operator.cancel(engine, pipeline_id):
        raise ConfigError(f"pipeline {pipeline_id} is already {row.status}")
    console.print(f"pipeline {pipeline_id} cancelled")


@pipeline.command()
@click.argument("mode", type=click.Choice(["on", "off", "status"]))
def maintenance(mode: str) -> None:
    """Maintenance mode on (for a deployment: nothing is spawned or enqueued), off, or its status."""
    from conveyor.pipelines import maintenance as switch

    engine = _engine(_settings())
    if mode != "status":
        switch.switch(engine, mode == "on")
    console.print(f"maintenance mode is {'on' if switch.is_on(engine) else 'off'}")


@pipeline.command()
@click.argument("name", required=False)
@click.option("--mermaid", is_flag=True, help="Print NAME's steps as a Mermaid flowchart.")
def definitions(name: str | None, mermaid: bool) -> None:
    """The pipeline definitions found (CONVEYOR_PIPELINE_PATHS, shipped ones, ./pipelines, entry points)."""
    from conveyor.pipelines.render import mermaid as render_mermaid

    settings = _settings()
    found = _definitions(settings)
    _maintenance_banner(_engine(settings))
    if name is None:
        if mermaid:
            raise click.UsageError("--mermaid needs a pipeline NAME")
        table = Table("name", "description", "spawned by", "stages", "steps", "expires in", "source")
        for d in found.values():
            conditions = ", ".join(c.name for c in d.spawn_conditions()) or (
                "fetcher" if d.initializer else "on demand"
            )
            table.add_row(
                d.name,
                d.description,
                conditions,
                str(len(d.stages)),
                str(len(d.steps)),
                f"{d.expire_in:g}s" if d.expire_in else "-",
                d.source,
            )
        console.print(table)
        return
    definition = found.get(name)
    if definition is None:
        raise ConfigError(f"unknown pipeline {name!r}")
    if mermaid:
        click.echo(render_mermaid(definition), nl=False)
        return
    tree = Tree(f"[bold]{definition.name}[/] — {definition.description or 'no description'} ({definition.source})")
    for spec in definition.spawn_conditions():
        tree.add(f"condition {spec.name} {dict(spec.arguments) or ''}")
    dependencies = definition.dependencies()
    for stage in definition.stages:
        node = tree.add(f"[bold]{stage.name}[/]")
        for step in stage.steps:
            after = ", ".join(dependencies[step.name]) or "-"
            node.add(
                f"{step.name} · {step.executor} · after {after} · attempts {step.max_attempts}"
                + (" · always" if step.always else "")
                + (f" — {step.description}" if step.description else "")
            )
    console.print(tree)
