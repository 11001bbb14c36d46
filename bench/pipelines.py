"""Pipelines: a heartbeat pass over many live pipelines, and a linear pipeline run by the mini heartbeat.

Each figure is printed beside the bare queue work the same run cannot avoid, measured in the same process on the
same database, and the ratio:

* **heartbeat**: one pass over P live pipelines of 10 steps (a linear chain each). ``enqueue`` is a pass that
  finds the next step of every pipeline ready and publishes P messages; ``idle`` is a pass with nothing to do
  (every pipeline waits for a runner). The bare work is publishing P messages in one transaction.
* **linear**: a pipeline of S no-op steps, each depending on the one before, from the heartbeat that enqueues
  the first step until the pipeline is ``success``, with one in-process runner whose mini heartbeat enqueues
  each next step. The bare work is a chain of S messages, each handler publishing the next, through the same
  consumer engine.

    .venv/bin/python bench/pipelines.py                              # sqlite and postgresql
    .venv/bin/python bench/pipelines.py --backends postgresql --pipelines 1000 --steps 20

The last line of stdout is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from conveyor.db import make_engine, upgrade
from conveyor.db.engine import dispose_engines
from conveyor.mq.consumer import ConsumerOptions
from conveyor.mq.envelope import Envelope
from conveyor.mq.handlers import Assignment
from conveyor.mq.queue import MessageQueue
from conveyor.mq.workers import Limits, build_worker
from conveyor.pipelines import registry, store
from conveyor.pipelines.definitions import PipelineDefinition, parse_pipeline, validate
from conveyor.pipelines.heartbeat import Heartbeat, spawn
from conveyor.pipelines.ports import StepOutcome, StepRun
from conveyor.pipelines.runner import StepRunner
from conveyor.pipelines.schema import StepStatus, step_table
from conveyor.pipelines.topology import QUEUE, TOPIC, pipelines_topology
from conveyor.settings import Settings

PG_ADMIN_URL = os.environ.get("CONVEYOR_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BENCH_DB = "conveyor_bench_pipelines"
BACKENDS = ("sqlite", "postgresql")


class NoOp:
    def process(self, step: StepRun) -> StepOutcome | None:
        return None


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def chain(name: str, steps: int) -> PipelineDefinition:
    stages = [{"name": f"s{i}", "steps": [{"name": f"step{i}", "executor": "bench_noop"}]} for i in range(steps)]
    return validate(parse_pipeline({"name": name, "stages": stages}, "<bench>"))


@contextmanager
def database(backend: str, tmp: Path) -> Iterator[str]:
    """A fresh, migrated database; dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'bench-{time.monotonic_ns()}.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        dispose_engines()
        return
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        conn.exec_driver_sql(f"CREATE DATABASE {BENCH_DB}")
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=BENCH_DB).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        dispose_engines()
        with admin.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %(n)s", {"n": BENCH_DB}
            )
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        admin.dispose()


def queue(url: str, tmp: Path) -> tuple[MessageQueue, Settings]:
    settings = Settings(database_url=url, pipeline_work_dir=tmp / "work")
    mq = MessageQueue(pipelines_topology("db"), settings, database_url=url)
    mq.declare()
    return mq, settings


def timed(function: Callable[[], Any]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def finish_enqueued(mq: MessageQueue) -> None:
    """What runners would do, without them: every enqueued step succeeded, and the queue is emptied."""
    with mq.engine.begin() as conn:
        conn.execute(
            step_table.update()
            .where(step_table.c.status == StepStatus.ENQUEUED)
            .values(status=StepStatus.SUCCESS, attempts=1, started_at=1.0, finished_at=1.0)
        )
    mq.transport_for_queue(QUEUE).purge(QUEUE)


def bench_heartbeat(url: str, tmp: Path, pipelines: int, passes: int) -> dict[str, Any]:
    mq, settings = queue(url, tmp)
    definition = chain("bench_heartbeat", 10)
    with mq.engine.begin() as conn:
        for _ in range(pipelines):
            store.create_pipeline(conn, definition, arguments={}, now=time.time(), work_root=tmp)
    heartbeat = Heartbeat(mq, {}, settings)
    Heartbeat(mq, {}, settings).run()  # warm up: the first steps of all, enqueued
    enqueue, idle = [], []
    for _ in range(passes):
        finish_enqueued(mq)
        start = time.perf_counter()
        pulse = heartbeat.run()
        enqueue.append(time.perf_counter() - start)
        assert pulse is not None and pulse.enqueued == pipelines, pulse
        idle.append(timed(heartbeat.run))
    mq.transport_for_queue(QUEUE).purge(QUEUE)
    bare = []
    for _ in range(passes):
        envelopes = [Envelope.of(TOPIC, {"step_id": i}) for i in range(pipelines)]

        def publish(batch: list[Envelope] = envelopes) -> None:
            with mq.transaction() as tx:
                tx.publish_envelopes(batch)

        bare.append(timed(publish))
        mq.transport_for_queue(QUEUE).purge(QUEUE)
    mq.close()
    result = {
        "pipelines": pipelines,
        "steps": pipelines * 10,
        "enqueue_ms": statistics.median(enqueue) * 1000,
        "idle_ms": statistics.median(idle) * 1000,
        "bare_publish_ms": statistics.median(bare) * 1000,
    }
    result["ratio"] = result["enqueue_ms"] / result["bare_publish_ms"]
    return result


def drain(mq: MessageQueue, handler: Callable[[Envelope], object]) -> None:
    worker = build_worker(
        mq,
        [Assignment(queue=QUEUE, handler=handler, consumer=None)],
        ConsumerOptions(batch_size=1, sleep=0.0),
        Limits(stop_when_empty=True),
        signals=False,
    )
    worker.run()


def bench_linear(url: str, tmp: Path, steps: int, runs: int) -> dict[str, Any]:
    mq, settings = queue(url, tmp)
    definition = chain("bench_linear", steps)
    pipeline_times = []
    for _ in range(runs):
        pipeline_id = spawn(mq.engine, definition, settings, at=time.time())
        runner = StepRunner(mq, settings)

        def run(runner: StepRunner = runner) -> None:
            Heartbeat(mq, {}, settings).run()
            drain(mq, runner)

        pipeline_times.append(timed(run))
        with mq.engine.connect() as conn:
            row = store.pipeline(conn, pipeline_id)
        assert row is not None and row.status == "success", row
    bare_times = []
    for _ in range(runs):

        def hop(envelope: Envelope) -> None:
            n = envelope.json()["n"]
            if n + 1 < steps:
                with mq.transaction() as tx:
                    tx.publish(TOPIC, {"n": n + 1})

        def chained() -> None:
            mq.publish(TOPIC, {"n": 0})
            drain(mq, hop)

        bare_times.append(timed(chained))
    mq.close()
    result = {
        "steps": steps,
        "pipeline_s": statistics.median(pipeline_times),
        "bare_chain_s": statistics.median(bare_times),
    }
    result["ratio"] = result["pipeline_s"] / result["bare_chain_s"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--pipelines", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    registry.register_executor("bench_noop", NoOp)
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for backend in args.backends:
            with database(backend, tmp) as url:
                log(f"{backend}: heartbeat over {args.pipelines} pipelines of 10 steps …")
                beat = bench_heartbeat(url, tmp, args.pipelines, args.runs)
            with database(backend, tmp) as url:
                log(f"{backend}: linear pipeline of {args.steps} steps …")
                linear = bench_linear(url, tmp, args.steps, args.runs)
            figures[backend] = {"heartbeat": beat, "linear": linear}
            print(
                f"{backend:>10}  heartbeat pass, {beat['pipelines']} pipelines / {beat['steps']} steps: "
                f"enqueue {beat['enqueue_ms']:.0f} ms (bare publish of {beat['pipelines']}: "
                f"{beat['bare_publish_ms']:.0f} ms, x{beat['ratio']:.1f}), idle {beat['idle_ms']:.0f} ms"
            )
            print(
                f"{backend:>10}  linear {linear['steps']} steps with the mini heartbeat: "
                f"{linear['pipeline_s']:.3f} s (bare chain of {linear['steps']} messages: "
                f"{linear['bare_chain_s']:.3f} s, x{linear['ratio']:.1f})"
            )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
