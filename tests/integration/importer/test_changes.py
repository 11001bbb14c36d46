"""Change-set detection and the cost of writing: unchanged rows are skipped (per entity and store view), a
changed row is written, an entity deleted since is imported again, and a batch costs the same number of
statements whatever its rows hold — the store is written set-based."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from conveyor.catalog import NO_EVENTS, ProductRepository
from conveyor.db import make_engine
from conveyor.importer import Profile, run_import, runner
from tests.integration.catalog.product_fixtures import counting
from tests.integration.importer.helpers import PRODUCT_COLUMNS, write_csv

HEADER = [
    *PRODUCT_COLUMNS,
    "qty",
    "categories",
    "additional_attributes",
    "base_image",
    "additional_images",
    "related_skus",
    "tier_prices",
]
repo = ProductRepository()


def rows(count: int, prefix: str = "C", price: str = "10.00") -> list[list[str]]:
    out = []
    for i in range(count):
        sku = f"{prefix}-{i:05d}"
        out.append(
            [
                sku,
                "",
                "Default",
                "simple",
                "base",
                f"Product {i}",
                price,
                str(i % 9),
                f"Default Category/Group {i % 5},Default Category/All",
                f"color=Color {i % 7},size=Size {i % 3}",
                f"/{sku}.jpg",
                f"/{sku}-1.jpg,/{sku}-2.jpg",
                f"{prefix}-{(i + 1) % count:05d}",
                "qty=5,price=9,value_type=fixed,website=All Websites,customer_group=ALL GROUPS",
            ]
        )
    return out


def test_unchanged_rows_are_skipped_and_a_changed_row_is_written(de_de_engine: Engine, tmp_path: Path) -> None:
    data = rows(3)
    data.append(["C-00001", "de_de", "", "", "", "Produkt 1", "", "", "", "", "", "", "", ""])
    path = write_csv(tmp_path / "product-import_c_01.csv", HEADER, data)
    first = run_import(de_de_engine, "products", [path])
    assert (first.created, first.updated) == (3, 1)
    assert run_import(de_de_engine, "products", [path]).skipped == 4
    data[3][5] = "Produkt eins"  # only the store-view row changes
    write_csv(path, HEADER, data)
    second = run_import(de_de_engine, "products", [path])
    assert (second.updated, second.skipped) == (1, 3)
    with de_de_engine.connect() as conn:
        assert repo.get(conn, "C-00001", 2).name == "Produkt eins"
        assert repo.get(conn, "C-00001").name == "Product 1"


def test_an_entity_deleted_since_is_imported_again(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "product-import_d_01.csv", HEADER, rows(2, "D"))
    assert run_import(engine, "products", [path]).created == 2
    with engine.begin() as conn:
        repo.delete(conn, ["D-00000"], events=NO_EVENTS)
    again = run_import(engine, "products", [path])
    assert (again.created, again.skipped) == (1, 1)


def test_the_hash_covers_the_profile_and_detection_can_be_switched_off(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "product-import_p_01.csv", HEADER, rows(2, "P"))
    assert run_import(engine, "products", [path]).created == 2
    other = Profile(tax_classes={"Taxable Goods": 2, "None": 0, "Food": 5})
    assert run_import(engine, "products", [path], profile=other).updated == 2  # read differently: not skipped
    assert run_import(engine, "products", [path], profile=other).skipped == 2
    off = Profile.model_validate({"change_detection": {"content_hash": False}})
    assert run_import(engine, "products", [path], profile=off).updated == 2


def test_statements_per_batch_do_not_grow_with_the_rows(engine: Engine, tmp_path: Path) -> None:
    profile = Profile(batch_size=100)
    small = write_csv(tmp_path / "product-import_s_01.csv", HEADER, rows(100, "S"))
    large = write_csv(tmp_path / "product-import_l_01.csv", HEADER, rows(300, "L"))
    run_import(engine, "products", [write_csv(tmp_path / "warm_01.csv", HEADER, rows(5, "W"))])  # options, categories
    with counting(engine) as one_batch:
        assert run_import(engine, "products", [small], profile=profile).created == 100
    with counting(engine) as three_batches:
        assert run_import(engine, "products", [large], profile=profile).created == 300
    per_batch = (three_batches.count - one_batch.count) / 2
    assert per_batch <= 40, three_batches.statements
    # the second import updates every row of the small file: same shape, same bound
    changed = write_csv(tmp_path / "product-import_s_01.csv", HEADER, rows(100, "S", price="11.00"))
    with counting(engine) as update:
        assert run_import(engine, "products", [changed], profile=profile).updated == 100
    assert update.count <= one_batch.count + 25, update.statements


def test_a_big_import_refreshes_postgresqls_statistics(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a big import the planner must know the new row counts before the next import plans its lookups."""
    engine = make_engine(pg_url)

    def analyzed() -> object:
        with engine.connect() as conn:
            return conn.exec_driver_sql(
                "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'catalog_product_entity'"
            ).scalar_one()

    try:
        assert run_import(engine, "products", [write_csv(tmp_path / "a_01.csv", HEADER, rows(3, "S"))]).created == 3
        assert analyzed() is None  # below the threshold: nothing to refresh
        monkeypatch.setattr(runner, "ANALYZE_MIN_ROWS", 3)
        assert run_import(engine, "products", [write_csv(tmp_path / "b_01.csv", HEADER, rows(3, "T"))]).created == 3
        assert analyzed() is not None
    finally:
        engine.dispose()
