"""A product that another writer creates while a bunch is being imported, after the bunch looked its skus up.

The bunch's insert of that sku conflicts; the importer inserts what is still missing and reads the ids back, and
the row updates the product the other writer created (counted as updated, its values upserted, not inserted). Not
on SQLite: the import holds the write lock from its first statement, so no other writer gets in between.
"""

from __future__ import annotations

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


def test_a_sku_created_meanwhile_by_another_writer_is_updated(store: Engine, tmp_path: Path) -> None:
    rows = [
        {"sku": sku, "attribute_set_code": "Default", "product_type": "simple", "name": f"New {sku}", "price": "5"}
        for sku in SKUS
    ]
    files = [write_csv(tmp_path / "product-import_01.csv", PRODUCT_COLUMNS, rows)]

    def other_writer(total: int) -> None:  # called once the bunch is scanned and its skus looked up
        with store.begin() as conn:
            saved = ProductInput(sku="NEW-17", name="Saved elsewhere", price=Decimal("9"), attribute_set_id=4)
            repo.save(conn, saved, events=NO_EVENTS)

    report = run_import(store, "products", files, on_total=other_writer)
    assert report.committed, report.failure
    assert (report.created, report.updated) == (29, 1)
    with store.connect() as conn:
        product = repo.get(conn, "NEW-17")
        assert len(repo.ids_by_sku(conn, SKUS)) == 30
    assert product.name == "New NEW-17" and product.price == Decimal("5")
