"""The Luma bunch (4 files, ~2,000 rows, 88 columns) on SQLite, PostgreSQL and MariaDB, imported once per
backend: the store equals the files field by field; importing it again skips every row and changes nothing;
the replace bunch with one bad row in its 4th file and ``errors=fail`` writes nothing; the replace bunch makes
every product exactly its rows; a delete file removes exactly the named products.

The tests of this module run in file order on one database per backend (module fixtures).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.catalog import CategoryRepository, ProductRepository
from conveyor.catalog.products import link_table
from conveyor.importer import ImportReport, RowError, run_import
from conveyor.importer.change_tables import import_change_table
from tests.integration.importer.helpers import (
    LUMA_BUNCH,
    LUMA_REPLACE,
    assert_counts_add_up,
    count,
    read_rows,
    store_checksum,
    write_csv,
)
from tests.integration.importer.oracle import Oracle

repo = ProductRepository()


@pytest.fixture(scope="module")
def imported(luma_engine: Engine) -> ImportReport:
    return run_import(luma_engine, "products", LUMA_BUNCH)


def test_the_bunch_imports_in_one_transaction_and_reports_every_row(imported: ImportReport) -> None:
    assert imported.committed and imported.failure is None
    assert imported.rows == 2048
    assert (imported.created, imported.updated, imported.skipped, imported.invalid) == (2041, 7, 0, 0)
    assert imported.errors == []
    assert_counts_add_up(imported)


def test_the_store_equals_the_files_field_by_field(luma_engine: Engine, imported: ImportReport) -> None:
    rows = read_rows(LUMA_BUNCH)
    assert {row["product_type"] for row in rows} == {"simple", "configurable", "bundle", "giftcard"}
    with luma_engine.connect() as conn:
        assert Oracle(conn).check(rows) == []


def test_relations_of_each_product_type(luma_engine: Engine, imported: ImportReport) -> None:
    with luma_engine.connect() as conn:
        tee = repo.get(conn, "WS11")
        bra = repo.get(conn, "WB03")
        kit = repo.get(conn, "24-WG080")
        bag = repo.get(conn, "24-MB01")
        child = repo.get(conn, "WS11-XS-Green")
        store_view = repo.get(conn, "WP12-28-Blue", 1)
        mailed, emailed = repo.get(conn, "243-MB04"), repo.get(conn, "243-MB09")
        gift_cards = CategoryRepository().id_by_path(conn, "Default Category/Gift Cards")
    assert tee.type_id == "configurable" and len(tee.configurable_children) == 15
    assert [(o.attribute_code, o.label) for o in tee.configurable_options] == [("size", "Size")]
    assert child.custom_attributes["size"] in tee.configurable_options[0].values
    assert [o.label for o in bra.configurable_options] == ["TEST"]  # configurable_variation_labels size=TEST
    assert [(o.title, o.type, len(o.product_links)) for o in kit.bundle_options] == [
        ("Sprite Stasis Ball", "radio", 3),
        ("Sprite Foam Yoga Brick", "radio", 1),
        ("Sprite Yoga Strap", "radio", 3),
        ("Sprite Foam Roller", "radio", 1),
    ]
    assert [(s.sku, s.is_default) for s in kit.bundle_options[0].product_links] == [
        ("24-WG081-blue", True),
        ("24-WG082-blue", False),
        ("24-WG083-blue", False),
    ]
    assert sorted((link.link_type, link.linked_product_sku, link.position) for link in bag.product_links) == [
        ("crosssell", "24-WB01", 1),
        ("crosssell", "24-WB02", 2),
        ("crosssell", "24-WB05", 3),
        ("related", "24-MB03", 3),
        ("related", "24-MB04", 1),
        ("related", "24-MB05", 2),
        ("upsell", "24-MB02", 2),
        ("upsell", "24-MB06", 3),
        ("upsell", "24-UB02", 1),
    ]
    assert [(m.file, m.label, m.position, m.types) for m in bag.media_gallery_entries] == [
        ("/m/b/mb01-blue-0.jpg", "WHY?", 1, ["image", "small_image", "thumbnail"]),
        ("/m/b/mb04-black-0.jpg", "Image", 2, []),
    ]
    assert bag.status == 2 and "special_from_date" not in bag.custom_attributes  # product_online 0, no date
    assert store_view.custom_attributes["description"].startswith("<p>Invigorate your yoga practice")
    assert store_view.name == "Deirdre Relaxed-Fit Capri-28-Blue"  # not overridden at the store view
    # Magento Commerce's gift cards: childless, a weight for the mailed card only, no price (not required)
    for card, name, weight, qty in (
        (mailed, "Luma Mailed Gift Card", 1.0, 100.0),
        (emailed, "Luma Virtual Gift Card", None, 0.0),  # no qty column value: the source keeps 0
    ):
        assert (card.type_id, card.name, card.weight, card.price) == ("giftcard", name, weight, None)
        assert card.stock is not None and (card.stock.qty, card.stock.is_in_stock) == (qty, True)
        assert card.website_ids == [1] and [link.category_id for link in card.category_links] == [gift_cards]
        assert not (card.configurable_children or card.product_links or card.bundle_options)
        assert [m.file for m in card.media_gallery_entries] == [card.custom_attributes["image"]]


def test_importing_the_same_bunch_again_skips_every_row_and_changes_nothing(
    luma_engine: Engine, imported: ImportReport
) -> None:
    before = store_checksum(luma_engine)
    again = run_import(luma_engine, "products", LUMA_BUNCH)
    assert again.committed
    assert (again.created, again.updated, again.skipped, again.invalid) == (0, 0, 2048, 0)
    assert again.skipped_not_newer == 0  # every row skipped as unchanged
    assert store_checksum(luma_engine) == before


def test_errors_fail_with_one_bad_row_in_the_fourth_file_leaves_the_store_unchanged(
    luma_engine: Engine, imported: ImportReport, tmp_path: Path
) -> None:
    files = [Path(shutil.copy(path, tmp_path / path.name)) for path in LUMA_REPLACE]
    fourth = files[3]
    with fourth.open(newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    header, data = records[0], records[1:]
    data[100][header.index("price")] = "12.5x"
    write_csv(fourth, header, data)
    bad_line = read_rows([fourth])[100]["__line"]
    before = store_checksum(luma_engine)
    report = run_import(luma_engine, "products", files, operation="replace", errors="fail")
    assert not report.committed
    assert report.failure is not None and "nothing written" in report.failure
    assert RowError(fourth.name, int(bad_line), "price", 'price: "12.5x" is not a number.') in report.errors
    assert store_checksum(luma_engine) == before


def test_replace_makes_every_product_exactly_its_rows(luma_engine: Engine, imported: ImportReport) -> None:
    report = run_import(luma_engine, "products", LUMA_REPLACE, operation="replace")
    assert report.committed and report.invalid == 0, report.errors
    assert_counts_add_up(report)
    rows = read_rows(LUMA_REPLACE)
    with luma_engine.connect() as conn:
        assert Oracle(conn).check(rows, exact=True) == []
        bag = repo.get(conn, "24-MB01")
        bra = repo.get(conn, "WB02-S-Blue")
        kit = repo.get(conn, "24-WG080")
    assert bag.name == "Joust Duffle Bag"
    assert "image_label" not in bag.custom_attributes  # the replace row has no base_image_label
    assert [m.file for m in bag.media_gallery_entries] == ["/m/b/mb01-blue-0.jpg"]  # mb04 left the gallery
    assert not any(m.disabled for m in bra.media_gallery_entries)  # hide_from_product_page was cleaned
    assert kit.custom_attributes["shipment_type"] == 0  # together


def test_delete_removes_exactly_the_named_products(luma_engine: Engine, imported: ImportReport, tmp_path: Path) -> None:
    gone = ["24-MB01", "WS11", "WS11-XS-Green"]
    path = write_csv(tmp_path / "product-import_delete_01.csv", ["sku"], [[sku] for sku in [*gone, "NO-SUCH-SKU"]])
    products = count(luma_engine, sa.Table("catalog_product_entity", sa.MetaData(), autoload_with=luma_engine))
    with luma_engine.connect() as conn:
        gone_ids = set(repo.ids_by_sku(conn, gone).values())
    links_of_gone = (
        sa.select(sa.func.count())
        .select_from(link_table)
        .where(sa.or_(link_table.c.product_id.in_(gone_ids), link_table.c.linked_product_id.in_(gone_ids)))
    )
    with luma_engine.connect() as conn:
        assert conn.execute(links_of_gone).scalar_one() > 0  # 24-MB01 links and is linked
    report = run_import(luma_engine, "products", [path], operation="delete")
    assert report.committed and report.deleted == 3
    assert report.errors == [RowError(path.name, 5, "sku", 'The product "NO-SUCH-SKU" does not exist.')]
    with luma_engine.connect() as conn:
        assert repo.ids_by_sku(conn, [*gone, "WS11-XS-Orange", "24-MB04"]).keys() == {"WS11-XS-Orange", "24-MB04"}
        assert "WS11-XS-Green" not in repo.get(conn, "24-MB04").configurable_children
        assert (
            conn.execute(
                sa.select(sa.func.count())
                .select_from(import_change_table)
                .where(import_change_table.c.entity_key.in_(gone))
            ).scalar_one()
            == 0
        )
        assert conn.execute(links_of_gone).scalar_one() == 0  # no link from or to a deleted product is left
    assert (
        count(luma_engine, sa.Table("catalog_product_entity", sa.MetaData(), autoload_with=luma_engine)) == products - 3
    )
