"""The product tables without foreign keys stay whole by construction (migration 0029): random sequences of
imports (add-update, replace, delete), REST-path deletes of products and deletes of categories, and an import
SIGKILLed in the middle of a bunch, leave ``conveyor db check`` without a single orphan row, on SQLite,
PostgreSQL and MariaDB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from conveyor.catalog import NO_EVENTS, CategoryRepository, ProductRepository
from conveyor.cli import main
from conveyor.importer import run_import
from conveyor.schema import metadata
from conveyor.settings import get_settings
from tests.integration.importer.helpers import PRODUCT_COLUMNS, kill_import_mid_bunch, write_csv
from tests.support.integrity import orphans

HEADER = [
    *PRODUCT_COLUMNS,
    "qty",
    "categories",
    "related_skus",
    "upsell_skus",
    "tier_prices",
]
POOL = 8  # skus P0 … P7: small, so that steps meet each other's products
CATEGORIES = metadata.tables["catalog_category_entity"]
PRODUCTS = metadata.tables["catalog_product_entity"]


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def db_url(request: pytest.FixtureRequest) -> str:
    """The three databases, under de_de_engine."""
    return str(
        request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "pg_url"}.get(request.param, "maria_url"))
    )


def _row(sku: int, variant: int) -> dict[str, Any]:
    """A product row: websites, a category, stock, two tier prices, links to two other skus of the pool."""
    return {
        "sku": f"P{sku}",
        "attribute_set_code": "Default",
        "product_type": "simple",
        "product_websites": "base",
        "name": f"Product {sku} v{variant}",
        "price": f"{10 + variant}.50",
        "qty": str(variant),
        "categories": f"Default Category/C{variant % 3}",
        "related_skus": f"P{(sku + 1) % POOL}",
        "upsell_skus": f"P{(sku + variant + 2) % POOL}",
        "tier_prices": (
            f"qty=2,price={9 + variant},value_type=fixed,website=All Websites,customer_group=ALL GROUPS"
            f"|qty=5,price={8 + variant},value_type=fixed,website=All Websites,customer_group=General"
        ),
    }


def _store_view_row(sku: int, variant: int) -> dict[str, Any]:
    return {"sku": f"P{sku}", "store_view_code": "de_de", "name": f"Produkt {sku} v{variant}"}


skus = st.lists(st.integers(0, POOL - 1), min_size=1, max_size=5, unique=True)
steps = st.one_of(
    st.tuples(st.sampled_from(["add-update", "replace"]), skus, st.integers(0, 5), st.booleans()),
    st.tuples(st.just("delete"), skus, st.just(0), st.booleans()),
    st.tuples(st.just("api-delete"), skus, st.just(0), st.just(False)),
    st.tuples(st.just("category-delete"), st.just([0]), st.just(0), st.just(False)),
)


def _apply(engine: Engine, folder: Path, step: tuple[str, list[int], int, bool]) -> None:
    kind, chosen, variant, store_views = step
    if kind == "api-delete":
        with engine.begin() as conn:
            ProductRepository().delete(conn, [f"P{i}" for i in chosen], events=NO_EVENTS)
        return
    if kind == "category-delete":
        with engine.begin() as conn:
            category_id = conn.execute(sa.select(sa.func.max(CATEGORIES.c.entity_id)).where(CATEGORIES.c.level >= 2))
            found = category_id.scalar_one()
            if found is not None:
                CategoryRepository().delete(conn, int(found))
        return
    rows: list[dict[str, Any]] = []
    for i in chosen:
        rows.append({"sku": f"P{i}"} if kind == "delete" else _row(i, variant))
        if store_views and kind != "delete":
            rows.append(_store_view_row(i, variant))
    path = write_csv(folder / "product-import_20240101-000000_01.csv", HEADER, rows)
    report = run_import(engine, "products", [path], operation=kind)
    assert report.committed, (report.failure, report.errors)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=st.lists(steps, min_size=2, max_size=6))
def test_random_imports_and_deletes_leave_no_orphan(
    de_de_engine: Engine, tmp_path: Path, sequence: list[tuple[str, list[int], int, bool]]
) -> None:
    with de_de_engine.begin() as conn:  # each example starts without products (through the one writer, too)
        ProductRepository().delete(conn, [f"P{i}" for i in range(POOL)], events=NO_EVENTS)
    for step in sequence:
        _apply(de_de_engine, tmp_path, step)
        assert orphans(de_de_engine) == [], step
    with de_de_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(PRODUCTS)).scalar_one() <= POOL


def test_an_import_killed_mid_bunch_leaves_no_orphan(
    de_de_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _apply(de_de_engine, tmp_path, ("add-update", list(range(POOL)), 1, True))
    # rows without links: a batch counts (and pauses) when its rows are done, a linked row waits for the bunch's end
    rows = [_row(i % POOL, 2) | {"sku": f"K{i}", "related_skus": "", "upsell_skus": ""} for i in range(600)]
    files = [
        write_csv(tmp_path / f"product-import_20240102-000000_{n + 1:02d}.csv", HEADER, rows[n * 200 : n * 200 + 200])
        for n in range(3)
    ]
    url = de_de_engine.url.render_as_string(hide_password=False)
    kill_import_mid_bunch(url, files, tmp_path, 50, 0.2, "--operation", "replace")
    monkeypatch.setenv("CONVEYOR_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        checked = CliRunner().invoke(main, ["db", "check"])
    finally:
        get_settings.cache_clear()
    assert checked.exit_code == 0, checked.output
    assert "no orphan rows" in checked.output
    _apply(de_de_engine, tmp_path, ("delete", list(range(0, POOL, 2)), 0, False))  # deletes after the kill, too
    assert orphans(de_de_engine) == []


def test_a_store_view_value_equal_to_the_new_products_default_is_not_written(
    de_de_engine: Engine, tmp_path: Path
) -> None:
    rows = [
        _row(0, 1) | {"related_skus": "", "upsell_skus": ""},
        {"sku": "P0", "store_view_code": "de_de", "name": "Product 0 v1", "price": "", "tier_prices": ""},
        _row(1, 1) | {"related_skus": "", "upsell_skus": ""},
        {"sku": "P1", "store_view_code": "de_de", "name": "Produkt 1"},
    ]
    path = write_csv(tmp_path / "product-import_20240103-000000_01.csv", HEADER, rows)
    assert run_import(de_de_engine, "products", [path]).committed
    varchar = metadata.tables["catalog_product_entity_varchar"]
    with de_de_engine.connect() as conn:
        at_store_view = dict(
            conn.execute(
                sa.select(PRODUCTS.c.sku, varchar.c.value)
                .join(varchar, varchar.c.entity_id == PRODUCTS.c.entity_id)
                .join(
                    metadata.tables["eav_attribute"],
                    sa.text("eav_attribute.attribute_id = catalog_product_entity_varchar.attribute_id"),
                )
                .where(sa.text("eav_attribute.attribute_code = 'name'"), varchar.c.store_id == 2)
            ).all()
        )
    assert at_store_view == {"P1": "Produkt 1"}  # P0's equals its default: the store view uses the default
