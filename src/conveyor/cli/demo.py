"""``conveyor demo``: the README's main job on the embedded default (SQLite under ./var/)."""

from __future__ import annotations

import time

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from conveyor.cli.common import EXAMPLE_TOPOLOGY, console, setup_logging, verbosity_option
from conveyor.demo import Progress as ProgressMiddleware
from conveyor.demo import elapsed_since, sample_messages
from conveyor.mq.config import load_topology
from conveyor.mq.consumer import ConsumerOptions
from conveyor.mq.handlers import assign
from conveyor.mq.queue import MessageQueue
from conveyor.mq.workers import Limits, build_worker


@click.command()
@click.option("--messages", type=click.IntRange(min=1), default=5000, show_default=True)
@verbosity_option
def demo(messages: int, verbose: int) -> None:
    """Declare the example topology, publish MESSAGES messages, consume them all, show the counts."""
    setup_logging(verbose)
    mq = MessageQueue(load_topology([EXAMPLE_TOPOLOGY]))
    console.print(f"database: {mq.database_url}")
    envelopes = sample_messages(messages)
    deliveries = sum(len(mq.topology.queues_for(*mq.topology.route(e.topic), e.topic)) for e in envelopes)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console.now()) as progress:
        task = progress.add_task("publishing", total=messages)
        start = time.perf_counter()
        for offset in range(0, messages, 500):
            batch = envelopes[offset : offset + 500]
            mq.publish_envelopes(batch)
            progress.advance(task, len(batch))
        publish_rate = messages / elapsed_since(start)

        consuming = progress.add_task("consuming (products, stock, audit)", total=deliveries)
        worker = build_worker(
            mq,
            assign(mq.topology, []),
            ConsumerOptions(batch_size=200, sleep=0.2, max_attempts=3, retry_delay=0.0),
            Limits(stop_when_empty=True),
        )
        worker.add_middleware(ProgressMiddleware(lambda n: progress.advance(consuming, n)))
        start = time.perf_counter()
        worker.run()
        consume_rate = worker.handled / elapsed_since(start)

    table = Table("queue", "waiting", "complete", "dead letters")
    for name in mq.topology.queues:
        counts = mq.transport_for_queue(name).counts(name)
        table.add_row(name, str(counts.waiting + counts.retrying), str(counts.complete), str(counts.dead))
    console.print(table)
    console.print(
        f"published {messages} messages ({publish_rate:,.0f}/s) into {deliveries} deliveries; "
        f"handled {worker.handled} deliveries incl. retries ({consume_rate:,.0f}/s)"
    )
    for letter in mq.transport_for_queue("products").dead_letters("products", 5):
        console.print(
            f"dead letter #{letter.id} after {letter.attempts} attempts: "
            f"{(letter.error or '').strip().splitlines()[-1]}"
        )
    mq.close()
