"""``conveyor demo-sync``: source sync and event-driven sync against the ERP simulator, on the embedded default.

Everything runs in this process: the simulator and the Conveyor API (serving the EDS webhook) on free ports in
background threads, and one command worker. The store is the configured database (SQLite under ./var/).
"""

from __future__ import annotations

import os
import secrets
import time

import click
import httpx
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from conveyor.cli.common import console, setup_logging, verbosity_option

ENTITIES = ("price-group", "attribute", "customer", "product")  # fulfilments need orders the demo store lacks


@click.command("demo-sync")
@click.option("--customers", type=click.IntRange(min=1), default=300, show_default=True)
@click.option("--products", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--changes", type=click.IntRange(min=1), default=60, show_default=True, help="Entities the ERP changes.")
@verbosity_option
def demo_sync(customers: int, products: int, changes: int, verbose: int) -> None:
    """Bulk-sync a simulated ERP through the queue, then let it change entities and post signed change sets."""
    from conveyor.api.app import create_app
    from conveyor.api.eds import PATH
    from conveyor.cli.bus import command_worker
    from conveyor.cli.common import opened
    from conveyor.demo import Progress as ProgressMiddleware
    from conveyor.mq.workers import Limits
    from conveyor.serving import BackgroundServer
    from conveyor.settings import Settings, get_settings
    from conveyor.sync import Patience, change_sets
    from conveyor.sync.commands import enqueue_all
    from conveyor.sync.simulator import SimulatorConfig, SimulatorServer

    setup_logging(verbose)
    secret = os.environ.setdefault("CONVEYOR_EDS_SECRET", secrets.token_hex(16))
    os.environ.setdefault("CONVEYOR_RATE_LIMITS", '{"http": "200/s"}')
    with BackgroundServer(create_app(Settings()), name="conveyor-api") as api:
        config = SimulatorConfig(
            seed=7, customers=customers, products=products, quota="200/s", webhook_url=api.url + PATH,
            webhook_secret=secret,
        )  # fmt: skip
        with SimulatorServer(config) as sim:
            os.environ["CONVEYOR_SOURCE_URL"] = sim.api_url
            get_settings.cache_clear()
            with opened(()) as app:
                bus = app.bus
                console.print(f"ERP simulator at {sim.url}, API at {api.url}, store {bus.mq.database_url}")
                source, patient = app.sync_source, Patience()
                queued = sum(enqueue_all(bus, source, kind, page_size=200, call=patient) for kind in ENTITIES)
                columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
                with Progress(*columns, console=console.now()) as progress:
                    task = progress.add_task("bulk sync (queued commands)", total=queued)
                    worker = command_worker(bus, (), Limits(stop_when_empty=True), pause=0.2, priority=True)
                    worker.add_middleware(ProgressMiddleware(lambda n: progress.advance(task, n)))
                    started = time.perf_counter()
                    worker.run()
                console.print(f"{worker.handled} commands in {time.perf_counter() - started:.1f}s")

                started = time.perf_counter()
                half = max(1, changes // 2)
                for changed, count in (("customer", changes - half), ("product", half)):
                    httpx.post(f"{sim.url}/admin/change", json={"entity_type": changed, "count": count}, timeout=30)
                worker = command_worker(bus, (), Limits(stop_when_empty=True), pause=0.2, priority=True)
                worker.run()
                with bus.mq.engine.connect() as conn:
                    found = change_sets.listing(conn, limit=10)
                table = Table("change set", "entity", "items", "status")
                for record in found:
                    table.add_row(record.change_set_id, record.entity_type, str(record.item_count), record.status)
                console.print(table)
                console.print(f"EDS: {changes} changes synced and acknowledged in {time.perf_counter() - started:.1f}s")
                console.print("see also: conveyor sync log · conveyor sync change-sets · conveyor commands list")
