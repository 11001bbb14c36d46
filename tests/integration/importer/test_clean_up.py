"""Clean-up of empty values on add-update: the empty-value marker always removes a stored value; an empty cell
removes it only with ``clean_up.empty_values`` — and then only where the row speaks for the value (a store-view
row's empty cell does not remove a global attribute's one value; a new product has nothing to remove and takes
its attribute set's defaults)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from conveyor.catalog import ProductRecord, ProductRepository
from conveyor.importer import ImportReport, Profile, run_import
from tests.integration.importer.helpers import PRODUCT_COLUMNS, assert_counts_add_up, write_csv

HEADER = [
    *PRODUCT_COLUMNS,
    "weight",
    "description",
    "meta_title",
    "visibility",
]
EMPTY = "__EMPTY__VALUE__"
CLEAN = Profile.model_validate({"clean_up": {"empty_values": True}})
repo = ProductRepository()


def row(sku: str, store: str = "", **values: str) -> list[str]:
    cells: dict[str, Any] = {"sku": sku, "store_view_code": store, **values}
    return [cells.get(column, "") for column in HEADER]


def full(sku: str, **values: str) -> list[str]:
    given = {
        "attribute_set_code": "Default",
        "product_type": "simple",
        "product_websites": "base",
        "name": f"Product {sku}",
        "price": "10",
        "weight": "2",
        "description": "Long",
        "meta_title": "Meta",
        "visibility": "Catalog",
    }
    given.update(values)
    return row(sku, **given)


def run(engine: Engine, path: Path, rows: list[list[str]], profile: Profile | None = None) -> ImportReport:
    report = run_import(engine, "products", [write_csv(path, HEADER, rows)], profile=profile)
    assert report.committed and report.errors == [], report
    assert_counts_add_up(report)
    return report


def get(engine: Engine, sku: str, store_id: int = 0) -> ProductRecord:
    with engine.connect() as conn:
        return repo.get(conn, sku, store_id)


def test_without_clean_up_an_empty_cell_leaves_the_value_and_the_marker_removes_it(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "product-import_keep_01.csv"
    run(engine, path, [full("KEEP-1")])
    run(engine, path, [row("KEEP-1", name="Product KEEP-1", description="", meta_title=EMPTY)])
    product = get(engine, "KEEP-1")
    assert product.custom_attributes["description"] == "Long"
    assert "meta_title" not in product.custom_attributes


def test_with_clean_up_an_empty_cell_removes_the_value_where_the_row_speaks_for_it(
    de_de_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "product-import_clean_01.csv"
    run(de_de_engine, path, [full("CLEAN-1"), row("CLEAN-1", "de_de", description="Lang"), full("CLEAN-2")])
    assert get(de_de_engine, "CLEAN-1", 2).custom_attributes["description"] == "Lang"
    changed = [
        full("CLEAN-1", meta_title=""),
        row("CLEAN-1", "de_de", name="Eins"),  # empty description (store view) and weight (global)
        full("CLEAN-2", weight="", description=""),
    ]
    assert run(de_de_engine, path, changed, profile=CLEAN).updated == 3
    one, one_de, two = get(de_de_engine, "CLEAN-1"), get(de_de_engine, "CLEAN-1", 2), get(de_de_engine, "CLEAN-2")
    assert "meta_title" not in one.custom_attributes and one.custom_attributes["description"] == "Long"
    assert one.weight == 2.0  # a store-view row's empty cell says nothing about the global weight
    assert (one_de.name, one_de.custom_attributes["description"]) == ("Eins", "Long")  # the override went
    assert two.weight is None and "description" not in two.custom_attributes


def test_with_clean_up_a_new_product_takes_its_sets_defaults_for_its_empty_cells(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "product-import_new_01.csv"
    run(engine, path, [full("NEW-1", visibility="", meta_title="")], profile=CLEAN)
    product = get(engine, "NEW-1")
    assert product.visibility == 4  # the attribute's default: Catalog, Search
    assert "meta_title" not in product.custom_attributes
