"""A product import emits ``catalog.product.saved`` / ``deleted`` in its own transaction: one event per product
written, published exactly when the bunch commits (none on a dry run or a bunch rolled back by ``errors=fail``),
and nothing at all when no queue is bound to the topics. On every backend, with the DB queue."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from conveyor.catalog.events import PRODUCT_DELETED, PRODUCT_SAVED
from conveyor.catalog.products import ids_by_sku, product_table
from conveyor.cli.importer import importer
from conveyor.importer import ImportReport, Profile, run_import, runner
from conveyor.importer.parallel import MIN_ROWS_ENV, WorkerPool
from conveyor.importer.watch import handle
from conveyor.mq import Envelope, MessageQueue, load_topology
from conveyor.settings import Settings, get_settings
from tests.integration.importer.helpers import count, write_csv

EVENTS_QUEUE = "erp.product_events"
TOPOLOGY = """
exchanges:
  - name: magento
    bindings:
      - {{id: product-events, topic: "{topic}", destination: {queue}}}
queues: [{queue}]
"""
HEADER = ["sku", "store_view_code", "attribute_set_code", "product_type", "product_websites", "name", "price"]


def queue_on(db_url: str, tmp_path: Path, topic: str) -> MessageQueue:
    """A MessageQueue on the import's database whose one queue is bound to ``topic``."""
    path = tmp_path / f"topology-{topic.replace('#', 'all')}.yaml"
    path.write_text(TOPOLOGY.format(topic=topic, queue=EVENTS_QUEUE))
    return MessageQueue(load_topology([path]), Settings(database_url=db_url), database_url=db_url)


@pytest.fixture
def mq(db_url: str, tmp_path: Path) -> Iterator[MessageQueue]:
    """A queue bound to every product event."""
    queue = queue_on(db_url, tmp_path, "catalog.product.#")
    yield queue
    queue.close()


def published(mq: MessageQueue) -> list[tuple[str, dict[str, Any]]]:
    """What reached the bound queue since the last call: (topic, payload) in publishing order (acked)."""
    transport = mq.transport_for_queue(EVENTS_QUEUE)
    deliveries = transport.reserve(EVENTS_QUEUE, 1000, "test")
    for delivery in deliveries:
        transport.ack(delivery)
    return [(d.envelope.topic, d.envelope.json()) for d in deliveries]


def product(sku: str, price: str = "10.00", store: str = "") -> list[str]:
    if store:  # a store-view row: its own name, nothing else
        return [sku, store, "", "", "", f"{sku} ({store})", ""]
    return [sku, "", "Default", "simple", "base", f"Product {sku}", price]


def ids(engine: Engine, *skus: str) -> dict[str, int]:
    with engine.connect() as conn:
        return ids_by_sku(conn, list(skus))


def imported(engine: Engine, path: Path, mq: MessageQueue, **options: Any) -> ImportReport:
    report = run_import(engine, "products", [path], mq=mq, workers=1, **options)
    assert report.failure is None or options.get("errors") == "fail", report.failure
    return report


def test_each_product_written_emits_one_saved_event_with_the_commit(
    de_de_engine: Engine, mq: MessageQueue, tmp_path: Path
) -> None:
    data = [product("EV-1"), product("EV-1", store="de_de"), product("EV-2"), product("EV-3")]
    path = write_csv(tmp_path / "product-import_ev_01.csv", HEADER, data)
    report = imported(de_de_engine, path, mq)
    assert (report.created, report.updated, report.committed) == (3, 1, True)
    found = ids(de_de_engine, "EV-1", "EV-2", "EV-3")
    assert published(mq) == [  # one per product, not one per row: EV-1's store-view row adds none
        (PRODUCT_SAVED, {"sku": sku, "entity_id": found[sku], "store_id": 0, "new": True})
        for sku in ("EV-1", "EV-2", "EV-3")
    ]

    data[2] = product("EV-2", price="12.00")  # changed; the other rows are skipped as unchanged
    data[1] = product("EV-1", store="fr_fr")  # an unknown store view: invalid, nothing written for it
    write_csv(path, HEADER, data)
    again = imported(de_de_engine, path, mq)
    assert (again.updated, again.invalid) == (1, 1)
    assert published(mq) == [(PRODUCT_SAVED, {"sku": "EV-2", "entity_id": found["EV-2"], "store_id": 0, "new": False})]


def test_a_store_view_row_alone_announces_its_product_in_that_store_view(
    de_de_engine: Engine, mq: MessageQueue, tmp_path: Path
) -> None:
    imported(de_de_engine, write_csv(tmp_path / "product-import_ev_01.csv", HEADER, [product("SV-1")]), mq)
    published(mq)
    path = write_csv(tmp_path / "product-import_ev_02.csv", HEADER, [product("SV-1", store="de_de")])
    assert imported(de_de_engine, path, mq).updated == 1
    entity_id = ids(de_de_engine, "SV-1")["SV-1"]
    assert published(mq) == [(PRODUCT_SAVED, {"sku": "SV-1", "entity_id": entity_id, "store_id": 2, "new": False})]


def test_a_bunch_rolled_back_by_errors_fail_emits_nothing(engine: Engine, mq: MessageQueue, tmp_path: Path) -> None:
    """The first batches are written (and their events published in the transaction) before the bad row fails
    the bunch: the rollback takes both back."""
    data = [product(f"F-{i}") for i in range(4)]
    data.append(["F-BAD", "", "Default", "", "base", "No type", "1.00"])  # a new product needs its type
    path = write_csv(tmp_path / "product-import_fail_01.csv", HEADER, data)
    report = imported(engine, path, mq, errors="fail", profile=Profile(entity="products", batch_size=1))
    assert report.failure is not None
    assert not report.committed
    assert count(engine, product_table) == 0
    assert published(mq) == []


def test_a_dry_run_emits_nothing(engine: Engine, mq: MessageQueue, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "product-import_dry_01.csv", HEADER, [product("D-1"), product("D-2")])
    report = imported(engine, path, mq, dry_run=True)
    assert (report.created, report.committed) == (2, False)
    assert published(mq) == []


def test_a_delete_import_emits_deleted_events(engine: Engine, mq: MessageQueue, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "product-import_del_01.csv", HEADER, [product("X-1"), product("X-2")])
    imported(engine, path, mq)
    found = ids(engine, "X-1", "X-2")
    published(mq)
    gone = write_csv(tmp_path / "product-import_del_02.csv", ["sku"], [["X-1"], ["X-2"], ["X-404"]])
    report = imported(engine, gone, mq, operation="delete")
    assert (report.deleted, report.invalid) == (2, 1)
    assert sorted(published(mq), key=lambda event: event[1]["sku"]) == [
        (PRODUCT_DELETED, {"sku": sku, "entity_id": found[sku]}) for sku in ("X-1", "X-2")
    ]


def test_with_no_queue_bound_to_product_events_nothing_is_published(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    other = queue_on(db_url, tmp_path, "sales.#")
    try:
        path = write_csv(tmp_path / "product-import_nb_01.csv", HEADER, [product("N-1"), product("N-2")])
        assert imported(engine, path, other).created == 2
        assert not other.is_bound(PRODUCT_SAVED)
        counts = other.transport_for_queue(EVENTS_QUEUE).counts(EVENTS_QUEUE)
        assert counts.waiting + counts.complete == 0
    finally:
        other.close()


def test_rows_read_in_worker_processes_are_announced_by_the_writing_process(
    engine: Engine, mq: MessageQueue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name == "sqlite":
        monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(MIN_ROWS_ENV, "0")
    pools: list[WorkerPool] = []

    class CountedPool(WorkerPool):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            pools.append(self)

    monkeypatch.setattr(runner, "WorkerPool", CountedPool)
    skus = [f"P-{i:03d}" for i in range(12)]
    path = write_csv(tmp_path / "product-import_par_01.csv", HEADER, [product(sku) for sku in skus])
    report = run_import(engine, "products", [path], mq=mq, workers=2, profile=Profile(entity="products", batch_size=3))
    assert report.created == 12, report
    assert [pool.workers for pool in pools] == [2]  # the rows were read in two worker processes
    found = ids(engine, *skus)
    assert published(mq) == [
        (PRODUCT_SAVED, {"sku": sku, "entity_id": found[sku], "store_id": 0, "new": True}) for sku in skus
    ]


def test_a_message_queue_on_another_database_is_refused(engine: Engine, tmp_path: Path) -> None:
    elsewhere = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    other = queue_on(elsewhere, tmp_path, "catalog.product.#")
    try:
        path = write_csv(tmp_path / "product-import_ot_01.csv", HEADER, [product("O-1")])
        report = run_import(engine, "products", [path], mq=other, workers=1)
        assert report.failure is not None and "another database" in report.failure
        assert count(engine, product_table) == 0
    finally:
        other.close()


# -- the callers that have an App pass its queue ------------------------------------------------------------------


def test_conveyor_import_publishes_to_the_configured_topology(
    engine: Engine,
    mq: MessageQueue,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    topology = tmp_path / "topology-catalog.product.all.yaml"  # written by the mq fixture
    monkeypatch.setenv("CONVEYOR_TOPOLOGY_FILES", orjson.dumps([str(topology)]).decode())
    get_settings.cache_clear()  # the process-wide settings are read once; read them again, and after the test
    request.addfinalizer(get_settings.cache_clear)
    path = write_csv(tmp_path / "product-import_cli_01.csv", HEADER, [product("CLI-1")])
    dry = CliRunner().invoke(importer, ["products", str(path), "--dry-run", "--database-url", db_url])
    assert dry.exit_code == 0, dry.output
    assert published(mq) == []
    result = CliRunner().invoke(importer, ["products", str(path), "--workers", "1", "--database-url", db_url])
    assert result.exit_code == 0, result.output
    entity_id = ids(engine, "CLI-1")["CLI-1"]
    assert published(mq) == [(PRODUCT_SAVED, {"sku": "CLI-1", "entity_id": entity_id, "store_id": 0, "new": True})]


@dataclass
class Host:
    """What the import.run consumer needs of the App."""

    engine: Engine
    mq: MessageQueue


def test_the_import_run_consumer_publishes_through_the_apps_queue(
    engine: Engine, mq: MessageQueue, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "product-import_q_01.csv", HEADER, [product("Q-1"), product("Q-2")])
    consumer = handle(Host(engine, mq))
    consumer(Envelope.of("import.run", {"entity": "products", "files": [str(path)], "workers": 1}))
    found = ids(engine, "Q-1", "Q-2")
    assert published(mq) == [
        (PRODUCT_SAVED, {"sku": sku, "entity_id": found[sku], "store_id": 0, "new": True}) for sku in ("Q-1", "Q-2")
    ]
