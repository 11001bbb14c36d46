"""A product that another writer creates while a bunch is being imported, after the bunch looked its skus up.

The bunch's insert of that sku conflicts; the importer inserts what is still missing and reads the ids back, and
the row updates the product the other writer created (counted as updated, its values upserted, not inserted). Not
on SQLite: the import holds the write lock from its first statement, so no other writer gets in between.

On PostgreSQL the bunch first writes behind, its new products with ids taken for them: the conflict then fails that
attempt, and the import runs again without writing behind, where it is resolved as above.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from conveyor.catalog import NO_EVENTS, ProductRepository
from conveyor.catalog.products import ProductInput
from conveyor.db import make_engine
from conveyor.importer import run_import
from tests.integration.importer.helpers import PRODUCT_COLUMNS, write_csv

repo = ProductRepository()
SKUS = [f"NEW-{n}" for n in range(30)]


@pytest.fixture(params=["postgresql", "mariadb"])
def store(request: pytest.FixtureRequest) -> Iterator[Engine]:
    engine = make_engine(str(request.getfixturevalue("pg_url" if request.param == "postgresql" else "maria_url")))
    yield engine
    engine.dispose()


def test_a_sku_created_meanwhile_by_another_writer_is_updated(
    store: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rows = [
        {"sku": sku, "attribute_set_code": "Default", "product_type": "simple", "name": f"New {sku}", "price": "5"}
        for sku in SKUS
    ]
    files = [write_csv(tmp_path / "product-import_01.csv", PRODUCT_COLUMNS, rows)]

    def other_writer(total: int) -> None:  # called once the bunch is scanned and its skus looked up
        with store.begin() as conn:
            saved = ProductInput(sku="NEW-17", name="Saved elsewhere", price=Decimal("9"), attribute_set_id=4)
            repo.save(conn, saved, events=NO_EVENTS)

    with caplog.at_level(logging.INFO, logger="conveyor.importer.runner"):
        report = run_import(store, "products", files, on_total=other_writer)
    assert report.committed, report.failure
    retried = [r.getMessage() for r in caplog.records if "imported again without writing behind" in r.getMessage()]
    assert len(retried) == (1 if store.dialect.name == "postgresql" else 0)
    if store.dialect.name == "postgresql":  # the user sees it too, with the row the conflict named
        assert "NEW-17" in retried[0]
        assert report.warnings[0].startswith("The bunch was imported a second time") and "NEW-17" in report.warnings[0]
    assert (report.created, report.updated) == (29, 1)
    with store.connect() as conn:
        product = repo.get(conn, "NEW-17")
        assert len(repo.ids_by_sku(conn, SKUS)) == 30
    assert product.name == "New NEW-17" and product.price == Decimal("5")
