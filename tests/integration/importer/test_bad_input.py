"""Broken rows, one kind per test: each is reported with its file, line, column and reason, the valid rows of
the bunch are imported (errors=skip) — or nothing is (errors=fail, max_errors) — on the three databases."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from conveyor.catalog import ProductRepository
from conveyor.db import make_engine
from conveyor.importer import ImportReport, Profile, RowError, run_import
from tests.integration.catalog.product_fixtures import select_options
from tests.integration.importer.helpers import PRODUCT_COLUMNS, assert_counts_add_up, store_checksum, write_csv

HEADER = [
    *PRODUCT_COLUMNS,
    "categories",
    "additional_attributes",
    "related_skus",
    "product_online",
    "special_price_from_date",
]
_numbers = itertools.count()
repo = ProductRepository()


@pytest.fixture(scope="module")
def store(module_db_url: str) -> Iterator[Engine]:
    engine = make_engine(module_db_url)
    with engine.begin() as conn:
        select_options(conn, "color", ["Red", "Blue"])
    yield engine
    engine.dispose()


def good(sku: str, **values: Any) -> dict[str, Any]:
    row = {
        "sku": sku,
        "attribute_set_code": "Default",
        "product_type": "simple",
        "product_websites": "base",
        "name": f"Product {sku}",
        "price": "10.50",
        "categories": "Default Category/Gear",
    }
    row.update(values)
    return row


def bunch(tmp_path: Path, *files: Sequence[dict[str, Any]], header: Sequence[str] = HEADER) -> list[Path]:
    prefix = f"product-import_{next(_numbers):04d}"
    return [write_csv(tmp_path / f"{prefix}_{n:02d}.csv", header, rows) for n, rows in enumerate(files, start=1)]


def only_error(report: ImportReport) -> RowError:
    assert len(report.errors) == 1, report.errors
    return report.errors[0]


def imported(engine: Engine, *skus: str) -> set[str]:
    with engine.connect() as conn:
        return set(repo.ids_by_sku(conn, list(skus)))


def run(engine: Engine, files: list[Path], **options: Any) -> ImportReport:
    report = run_import(engine, "products", files, **options)
    assert_counts_add_up(report)
    return report


def test_unknown_attribute_set(store: Engine, tmp_path: Path) -> None:
    files = bunch(tmp_path, [good("AS-1"), good("AS-2", attribute_set_code="Nope")])
    report = run(store, files)
    assert only_error(report) == RowError(
        files[0].name, 3, "attribute_set_code", 'The attribute set "Nope" does not exist.'
    )
    assert report.committed and (report.created, report.invalid) == (1, 1)
    assert imported(store, "AS-1", "AS-2") == {"AS-1"}


def test_bad_decimal(store: Engine, tmp_path: Path) -> None:
    files = bunch(tmp_path, [good("DEC-1", price="12,3x"), good("DEC-2", price="1,234.50")])
    report = run(store, files)
    assert only_error(report) == RowError(files[0].name, 2, "price", 'price: "12,3x" is not a number.')
    with store.connect() as conn:
        assert repo.get(conn, "DEC-2").price == 1234.5  # the thousands separator is read as such
    assert imported(store, "DEC-1") == set()


def test_unknown_option_when_dynamic_options_are_off(store: Engine, tmp_path: Path) -> None:
    files = bunch(
        tmp_path,
        [good("OPT-1", additional_attributes="color=Red"), good("OPT-2", additional_attributes="color=Purple")],
    )
    profile = Profile.model_validate({"steps": {"create_options": False}})
    report = run(store, files, profile=profile)
    assert only_error(report) == RowError(
        files[0].name, 3, "additional_attributes", 'color: "Purple" is not an option of "color".'
    )
    assert imported(store, "OPT-1", "OPT-2") == {"OPT-1"}


def test_unknown_option_is_created_when_dynamic_options_are_on(store: Engine, tmp_path: Path) -> None:
    files = bunch(tmp_path, [good("OPT-3", additional_attributes="color=Teal")])
    report = run(store, files)
    assert report.errors == [] and report.created == 1
    with store.connect() as conn:
        from conveyor.catalog import AttributeRepository

        teal = AttributeRepository().option_ids(conn, "color", ["Teal"])["Teal"]
        assert repo.get(conn, "OPT-3").custom_attributes["color"] == teal


def test_duplicate_sku_in_a_bunch(store: Engine, tmp_path: Path) -> None:
    files = bunch(tmp_path, [good("DUP-1"), good("DUP-2")], [good("DUP-3"), good("DUP-1", name="Again")])
    report = run(store, files)
    assert only_error(report) == RowError(
        files[1].name, 3, "sku", f'"DUP-1" is in the bunch twice (first at line 2 of {files[0].name}).'
    )
    with store.connect() as conn:
        assert repo.get(conn, "DUP-1").name == "Product DUP-1"  # the first row wins
    assert report.created == 3


def test_broken_category_path(store: Engine, tmp_path: Path) -> None:
    files = bunch(
        tmp_path,
        [good("CAT-1", categories="Default Category//Bags"), good("CAT-2", categories="Nowhere/Bags"), good("CAT-3")],
    )
    report = run(store, files)
    assert report.errors == [
        RowError(files[0].name, 2, "categories", 'The category path "Default Category//Bags" has an empty name.'),
        RowError(files[0].name, 3, "categories", 'The category path "Nowhere/Bags" has no root category.'),
    ]
    assert imported(store, "CAT-1", "CAT-2", "CAT-3") == {"CAT-3"}


def test_missing_category_when_dynamic_categories_are_off(store: Engine, tmp_path: Path) -> None:
    files = bunch(tmp_path, [good("CAT-4", categories="Default Category/Not There")])
    report = run(store, files, profile=Profile.model_validate({"steps": {"create_categories": False}}))
    assert only_error(report) == RowError(
        files[0].name, 2, "categories", 'The category "Default Category/Not There" does not exist.'
    )


def test_unknown_store_view(store: Engine, tmp_path: Path) -> None:
    files = bunch(tmp_path, [good("SV-1"), {"sku": "SV-1", "store_view_code": "xx", "name": "Anders"}])
    report = run(store, files)
    assert only_error(report) == RowError(files[0].name, 3, "store_view_code", 'The store view "xx" does not exist.')
    assert report.created == 1


def test_unknown_website(store: Engine, tmp_path: Path) -> None:
    files = bunch(tmp_path, [good("WEB-1", product_websites="base,nope")])
    report = run(store, files)
    assert only_error(report) == RowError(files[0].name, 2, "product_websites", 'The website "nope" does not exist.')


def test_bad_product_type(store: Engine, tmp_path: Path) -> None:
    files = bunch(tmp_path, [good("TYPE-1", product_type="subscription")])
    report = run(store, files)
    assert only_error(report) == RowError(
        files[0].name,
        2,
        "product_type",
        '"subscription" is not a product type Conveyor has '
        "(simple, configurable, grouped, bundle, virtual, downloadable, giftcard).",
    )


def test_missing_required_column(store: Engine, tmp_path: Path) -> None:
    files = bunch(tmp_path, [good("COL-1")], [{"name": "no sku", "price": "1"}, {"name": "none", "price": "2"}])
    files[1] = write_csv(files[1], ["name", "price"], [["no sku", "1"], ["none", "2"]])
    report = run(store, files)
    assert only_error(report) == RowError(files[1].name, 1, "sku", "The required column is missing.")
    assert (report.rows, report.created, report.invalid) == (3, 1, 2)


def test_missing_required_value_of_a_new_product(store: Engine, tmp_path: Path) -> None:
    files = bunch(tmp_path, [good("REQ-1", name="")])
    report = run(store, files)
    assert only_error(report) == RowError(files[0].name, 2, "name", 'The required attribute "name" has no value.')


def test_bad_date_and_bad_flag(store: Engine, tmp_path: Path) -> None:
    files = bunch(
        tmp_path, [good("DATE-1", special_price_from_date="31/31/16"), good("FLAG-1", product_online="maybe")]
    )
    report = run(store, files)
    assert report.errors == [
        RowError(
            files[0].name,
            2,
            "special_price_from_date",
            'special_from_date: "31/31/16" is not a date in a known format.',
        ),
        RowError(files[0].name, 3, "product_online", 'status: "maybe" is not a yes/no value.'),
    ]


def test_a_link_to_an_unknown_product_is_left_out_with_a_warning(store: Engine, tmp_path: Path) -> None:
    header = [*HEADER, "crosssell_skus", "upsell_skus"]
    rows = [
        good("LINK-1", related_skus="LINK-2,NOPE", crosssell_skus="GONE", upsell_skus="LINK-2"),
        good("LINK-2", related_skus="LINK-1"),
    ]
    files = bunch(tmp_path, rows, header=header)
    report = run(store, files)
    assert report.errors == [] and report.created == 2
    name = files[0].name
    assert [w for w in report.warnings if "NOPE" in w or "GONE" in w] == [
        f"{name}, line 2, column 'related_skus': the product \"NOPE\" does not exist; "
        'the related link of "LINK-1" to it is left out.',
        f"{name}, line 2, column 'crosssell_skus': the product \"GONE\" does not exist; "
        'the crosssell link of "LINK-1" to it is left out.',
    ]
    with store.connect() as conn:
        links = repo.get(conn, "LINK-1").product_links
    assert sorted((link.link_type, link.linked_product_sku) for link in links) == [
        ("related", "LINK-2"),
        ("upsell", "LINK-2"),
    ]


def test_a_child_of_an_unknown_product_still_rejects_the_row(store: Engine, tmp_path: Path) -> None:
    header = [*HEADER, "associated_skus"]
    files = bunch(tmp_path, [good("GROUP-1", product_type="grouped", associated_skus="NOPE=1")], header=header)
    report = run(store, files)
    assert only_error(report) == RowError(files[0].name, 2, "associated_skus", 'The product "NOPE" does not exist.')
    assert imported(store, "GROUP-1") == set()


def test_replace_gives_an_existing_product_what_the_same_row_gives_a_new_one(store: Engine, tmp_path: Path) -> None:
    """Replace is the row plus a new product's defaults, whether the sku exists or not."""
    run(store, bunch(tmp_path, [good("REPL-OLD", additional_attributes="color=Red")]))
    row = {"name": "Replaced", "price": "3.00"}
    report = run(store, bunch(tmp_path, [good("REPL-OLD", **row), good("REPL-NEW", **row)]), operation="replace")
    assert (report.created, report.updated, report.errors) == (1, 1, [])
    with store.connect() as conn:
        old, new = repo.get(conn, "REPL-OLD"), repo.get(conn, "REPL-NEW")
    assert old.status == new.status == 1 and old.visibility == new.visibility == 4
    assert old.custom_attributes.get("url_key") == "replaced"
    assert new.custom_attributes.get("url_key", "").startswith("replaced")
    without_url = {k: v for k, v in old.custom_attributes.items() if k != "url_key"}
    assert without_url == {k: v for k, v in new.custom_attributes.items() if k != "url_key"}
    assert "color" not in old.custom_attributes  # not in the replace row: gone


def test_replace_of_an_existing_product_needs_its_type_and_set(store: Engine, tmp_path: Path) -> None:
    run(store, bunch(tmp_path, [good("REPL-BARE")]))
    row = good("REPL-BARE")
    del row["product_type"]
    report = run(store, bunch(tmp_path, [row]), operation="replace")
    assert (only_error(report).column, only_error(report).message) == (
        "product_type",
        "A replaced product needs its product_type.",
    )


def test_a_row_with_the_wrong_number_of_values_and_an_unclosed_quote(store: Engine, tmp_path: Path) -> None:
    path = tmp_path / "product-import_broken_01.csv"
    path.write_text(
        "sku,attribute_set_code,product_type,name,price\n"
        "ROW-1,Default,simple,One,1\n"
        "ROW-2,Default,simple,Two\n"
        'ROW-3,Default,simple,"Three,3\n'
        "ROW-4,Default,simple,Four,4\n",
        encoding="utf-8",
    )
    report = run(store, [path])
    opening = len(path.read_bytes().split(b'"')[0])  # the byte offset of the quote in the file
    assert report.errors == [
        RowError(path.name, 3, "price", "The row has 4 values but the header 5."),
        RowError(path.name, 4, "name", f"A quoted value is not closed (it opens at byte {opening})."),
    ]
    assert imported(store, "ROW-1", "ROW-2", "ROW-3", "ROW-4") == {"ROW-1"}  # ROW-4 is inside the open quote


def test_a_row_that_is_not_utf8(store: Engine, tmp_path: Path) -> None:
    path = tmp_path / "product-import_latin1_01.csv"
    path.write_bytes(
        b"sku,attribute_set_code,product_type,name,price\nU-1,Default,simple,Gr\xfcn,1\nU-2,Default,simple,Ok,2\n"
    )
    report = run(store, [path])
    offset = path.read_bytes().index(b"\xfc")
    assert only_error(report) == RowError(
        path.name,
        2,
        "name",
        f"byte {offset}: invalid utf-8 (invalid start byte); it looks like latin-1: use --encoding latin-1.",
    )
    assert imported(store, "U-1", "U-2") == {"U-2"}
    latin = run(store, [path], profile=Profile.model_validate({"entity": "products", "csv": {"encoding": "latin-1"}}))
    assert latin.errors == [] and latin.created == 1
    with store.connect() as conn:
        assert repo.get(conn, "U-1").name == "Grün"


def test_errors_fail_writes_nothing_and_reports_every_error(store: Engine, tmp_path: Path) -> None:
    files = bunch(tmp_path, [good("FAIL-1"), good("FAIL-2", price="x")], [good("FAIL-3", product_type="nope")])
    before = store_checksum(store)
    report = run(store, files, errors="fail")
    assert not report.committed and report.failure == "2 invalid rows and errors=fail: nothing written"
    # the valid row was rolled back with the rest: the report counts nothing as written
    assert (report.created, report.updated, report.deleted, report.rolled_back) == (0, 0, 0, 1)
    assert [(e.file, e.line, e.column) for e in report.errors] == [
        (files[0].name, 3, "price"),
        (files[1].name, 2, "product_type"),
    ]
    assert store_checksum(store) == before


def test_past_max_errors_nothing_is_written(store: Engine, tmp_path: Path) -> None:
    files = bunch(tmp_path, [good("MAX-1"), good("MAX-2", price="x"), good("MAX-3", price="y")])
    before = store_checksum(store)
    report = run(store, files, max_errors=1)
    assert not report.committed and (report.created, report.rolled_back) == (0, 1)
    assert report.failure == "2 invalid rows, more than the 1 allowed: nothing written"
    assert store_checksum(store) == before
    within = run(store, bunch(tmp_path, [good("MAX-4"), good("MAX-5", price="x")]), max_errors=1)
    assert within.committed and imported(store, "MAX-4", "MAX-5") == {"MAX-4"}


def test_dry_run_validates_and_writes_nothing(store: Engine, tmp_path: Path) -> None:
    files = bunch(tmp_path, [good("DRY-1", categories="Default Category/Dry New"), good("DRY-2", price="x")])
    before = store_checksum(store)
    report = run(store, files, dry_run=True)
    assert not report.committed and report.failure is None
    assert [(e.line, e.column) for e in report.errors] == [(3, "price")]
    assert store_checksum(store) == before
