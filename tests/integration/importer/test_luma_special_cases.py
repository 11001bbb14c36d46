"""The special-case folders of the shared Magento import files, applied one after another on top of the Luma
bunch (imported once per backend for this module): grouped, bundle and its clean-up, configurable with
swatch attributes, tier prices, store-view rows with and without media, media positions and hidden images,
category creation by path and category positions, minimal and delta rows, stock-only and price-only files,
the configurable variants file, and the media-only file of ``product-media``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection, Engine

from conveyor.catalog import AttributeRepository, CategoryRepository, ProductRecord, ProductRepository, StockRepository
from conveyor.catalog.products import ALL_GROUPS
from conveyor.importer import ImportReport, Profile, run_import
from tests.integration.catalog.product_fixtures import add_website
from tests.integration.importer.helpers import DATA, LUMA_BUNCH, add_store_view, assert_counts_add_up, read_rows
from tests.integration.importer.oracle import Oracle

PRODUCTS = DATA / "products"
repo = ProductRepository()


@pytest.fixture(scope="module")
def store(luma_engine: Engine) -> Engine:
    report = run_import(luma_engine, "products", LUMA_BUNCH)
    assert report.committed and report.invalid == 0, report.errors
    with luma_engine.begin() as conn:
        add_website(conn, 2, "additional_base")
    add_store_view(luma_engine, 4, "additional_base_view", website_id=2)
    examples = DATA / "attributes" / "add-update-examples" / "attribute-import_20190103-180312_01.csv"
    assert run_import(luma_engine, "attributes", [examples], errors="fail").committed
    return luma_engine


def folder(name: str) -> list[Path]:
    return sorted((PRODUCTS / name).glob("product-import*.csv"))


def imported(store: Engine, name: str, **options: object) -> ImportReport:
    report = run_import(store, "products", folder(name), **options)  # type: ignore[arg-type]
    assert report.committed, report.failure
    assert_counts_add_up(report)
    return report


@pytest.fixture
def conn(store: Engine) -> Iterator[Connection]:
    with store.connect() as connection:
        yield connection


def get(conn: Connection, sku: str, store_id: int = 0) -> ProductRecord:
    return repo.get(conn, sku, store_id)


def labels(conn: Connection, code: str) -> dict[int, str]:
    return {int(o.value or 0): o.label for o in AttributeRepository().get(conn, code).options}


def test_grouped_children_with_quantities_and_positions(store: Engine) -> None:
    report = imported(store, "grouped")
    assert report.errors == []
    with store.connect() as conn:
        group = get(conn, "24-WG085_Group")
        assert group.type_id == "grouped"
        assert [(link.linked_product_sku, link.position, link.qty) for link in group.product_links] == [
            ("24-WG087", 1, 0.0),
            ("24-WG086", 2, 0.0),
            ("24-WG085", 3, 0.0),
        ]
        assert Oracle(conn).check(read_rows(folder("grouped"))) == []


def test_bundle_option_and_selection_positions(store: Engine) -> None:
    assert imported(store, "bundle").errors == []
    with store.connect() as conn:
        kit = get(conn, "24-WG080")
    assert [(o.title, o.position) for o in kit.bundle_options] == [
        ("Sprite Stasis Ball", 1),
        ("Sprite Foam Yoga Brick", 2),
        ("Sprite Yoga Strap", 3),
        ("Sprite Foam Roller", 4),
    ]
    assert [(s.sku, s.position, s.is_default) for s in kit.bundle_options[0].product_links] == [
        ("24-WG083-blue", 0, False),  # selection_position as the file gives it
        ("24-WG082-blue", 1, False),
        ("24-WG081-blue", 2, True),
    ]


def test_bundle_clean_up_leaves_exactly_the_rows_selections(store: Engine) -> None:
    assert imported(store, "bundle-clean-up").errors == []
    rows = read_rows(folder("bundle-clean-up"))
    with store.connect() as conn:
        kit = get(conn, "24-WG080")
        assert Oracle(conn).check(rows) == []
    wanted = {s.split(",")[3].removeprefix("sku=") for s in rows[0]["bundle_values"].split("|")}
    assert {s.sku for o in kit.bundle_options for s in o.product_links} == wanted


def test_configurable_with_two_super_attributes_sources_and_tier_prices(store: Engine) -> None:
    report = imported(store, "configurable")
    assert report.errors == [] and report.created == 5
    assert any("gift_wrapping_available" in w for w in report.warnings)  # an attribute Conveyor does not have
    with store.connect() as conn:
        parent = get(conn, "configurable-test")
        child = get(conn, "configurable-test-Black-55 cm")
        colors, sizes = labels(conn, "color"), labels(conn, "size")
        swatches = labels(conn, "test_visual_swatch")
        stock = {
            i.sku: (i.source_code, i.quantity)
            for i in StockRepository().list_items(conn, ["configurable-test-Black-55 cm", "configurable-test-Blue-XS"])
        }
    assert [(o.attribute_code, o.label, o.position) for o in parent.configurable_options] == [
        ("color", "Color", 1),
        ("size", "Size", 2),
    ]
    assert sorted(parent.configurable_children) == [
        "configurable-test-Black-55 cm",
        "configurable-test-Black-XS",
        "configurable-test-Blue-55 cm",
        "configurable-test-Blue-XS",
    ]
    assert child.type_id == "virtual"
    assert colors[child.custom_attributes["color"]] == "Black" and sizes[child.custom_attributes["size"]] == "55 cm"
    assert swatches[child.custom_attributes["test_visual_swatch"]] == "vs-option-02-admin"
    assert stock == {"configurable-test-Black-55 cm": ("default", 10.0), "configurable-test-Blue-XS": ("default", 13.0)}
    assert [(t.qty, t.value, t.customer_group_id, t.website_id) for t in child.tier_prices] == [
        (10.0, 20.0, ALL_GROUPS, 0),
        (20.0, 30.0, ALL_GROUPS, 0),
    ]


def test_tier_prices_column(store: Engine) -> None:
    assert imported(store, "tier-prices").errors == []
    with store.connect() as conn:
        child = get(conn, "configurable-test-Black-55 cm")
        parent = get(conn, "configurable-test")
    assert [(t.qty, t.value) for t in child.tier_prices] == [(10.0, 20.0), (20.0, 30.0)]
    assert parent.attribute_set_id == 4  # the folder moves the products to the Default set


def test_store_view_rows_override_per_store_view(store: Engine) -> None:
    first, second = folder("multi-storeview")  # two bunches (their prefixes differ)
    for bunch in (first, second):
        report = run_import(store, "products", [bunch])
        assert report.committed and report.errors == []
        if bunch == first:
            with store.connect() as conn:
                assert Oracle(conn).check(read_rows([first])) == []
    with store.connect() as conn:
        admin, german, english = get(conn, "24-MB01"), get(conn, "24-MB01", 2), get(conn, "24-MB01", 3)
        duffle = {store_id: get(conn, "24-UB02", store_id) for store_id in (0, 1, 2, 4)}
    assert (admin.name, german.name, english.name) == ("Joust Duffle Bag", "Joust Seesack", "Joust Duffle Bag")
    assert (admin.visibility, german.visibility, english.visibility) == (4, 2, 1)
    assert german.custom_attributes["url_key"] == "joust-seesaeckchen"
    # price has website scope: a store-view row sets it for every store view of its website (the last row wins)
    assert [duffle[s].price for s in (0, 1, 2, 4)] == [120.0, 97.0, 97.0, 220.0]
    assert duffle[0].website_ids == [1, 2]
    assert (5.0, 51.0, ALL_GROUPS, 0) in [
        (t.qty, t.value, t.customer_group_id, t.website_id) for t in duffle[0].tier_prices
    ]
    assert (15.0, 3.0, 1, 2) in [(t.qty, t.value, t.customer_group_id, t.website_id) for t in duffle[0].tier_prices]


def test_store_view_media_labels_roles_and_hidden_images(store: Engine) -> None:
    assert imported(store, "multi-storeview-media").errors == []
    with store.connect() as conn:
        admin, german, english = get(conn, "24-MB01"), get(conn, "24-MB01", 2), get(conn, "24-MB01", 3)
    assert admin.custom_attributes["image"] == "/m/b/mb01-blue-0.jpg"
    assert german.custom_attributes["image"] == "/m/b/mb04-black-0.jpg"
    assert english.custom_attributes["image"] == "/m/b/mb03-black-0.jpg"
    by_file = {m.file: m for m in german.media_gallery_entries}
    assert by_file["/m/b/mb04-black-0.jpg"].label == "Deutsches Label"
    assert by_file["/m/b/mb01-blue-0.jpg"].disabled and not by_file["/m/b/mb04-black-0.jpg"].disabled
    assert {m.file for m in english.media_gallery_entries if m.disabled} == {
        "/m/b/mb01-blue-0.jpg",
        "/m/b/mb04-black-0.jpg",
    }
    assert {m.file: m.label for m in admin.media_gallery_entries}["/m/b/mb01-blue-0.jpg"] == "Fallback Label"
    assert not any(m.disabled for m in admin.media_gallery_entries)


def test_media_positions_labels_and_disabled_images(store: Engine) -> None:
    assert imported(store, "media").errors == []
    with store.connect() as conn:
        bag = get(conn, "24-MB01")
    by_file = {m.file: (m.label, m.position, m.disabled) for m in bag.media_gallery_entries}
    assert by_file["/m/b/mb01-blue-0.jpg"] == ("Base Image Label", 1, False)
    assert by_file["/m/b/mb03-black-0.jpg"] == ("Additional Image 02", 2, True)
    assert by_file["/m/b/mb04-black-0.jpg"] == ("Additional Image 01", 3, True)
    assert bag.custom_attributes["image_label"] == "Base Image Label"
    assert bag.custom_attributes["small_image_label"] == "Small Image Label"


def test_categories_by_path_are_created_with_quoted_names(store: Engine) -> None:
    categories = run_import(
        store, "categories", [PRODUCTS / "category-create" / "category-import_20200604-223243_01.csv"]
    )
    assert categories.committed and categories.errors == [] and categories.created >= 20
    report = run_import(store, "products", [PRODUCTS / "category-create" / "product-import_20200602-121056_01.csv"])
    assert report.committed
    assert report.created == 9
    tree = CategoryRepository()
    with store.connect() as conn:
        mine = tree.id_by_path(conn, "Default Category/Meine/Deine/Produkte/Subkategorie")
        slashed = conn.execute(
            __import__("sqlalchemy").text("SELECT 1")  # the path API splits on '/', so resolve names by walking
        ).scalar()
        assert slashed == 1
        assert [link.category_id for link in get(conn, "12345").category_links] == [mine]
        first = get(conn, "12346").category_links[0].category_id
        names = []
        category = tree.get(conn, first)
        while category.level > 0:
            names.append(category.name)
            category = tree.get(conn, category.parent_id)
        assert names[::-1] == ["Default Category", "Deine/Meine", "Produkte", "Subkategorie"]
        quoted = tree.get(conn, get(conn, "12351").category_links[0].category_id)
        assert tree.get(conn, tree.get(conn, quoted.parent_id).parent_id).name == '"Diese/Jenige" Kategorie'
        assert {tree.get(conn, link.category_id).name for link in get(conn, "12353").category_links} >= {"Test-Sub-Cat"}


def test_category_positions_of_products(store: Engine) -> None:
    assert imported(store, "category-sorting").errors == []
    tree = CategoryRepository()
    with store.connect() as conn:
        watches = tree.id_by_path(conn, "Default Category/Gear/Watches")
        assert watches is not None
        positions = {repo.skus_by_id(conn, [p])[p]: position for p, position in tree.product_ids(conn, watches)}
    assert positions == {
        "24-WG01": 0,
        "24-WG02": 1,
        "24-WG03": 2,
        "24-WG09": 3,
        "24-MG04": 4,
        "24-MG01": 5,
        "24-MG03": 6,
        "24-MG05": 7,
        "24-MG02": 8,
    }


def test_minimal_and_delta_rows(store: Engine) -> None:
    assert imported(store, "minimal").errors == []
    report = imported(store, "delta")
    assert report.errors == [] and report.created == 0
    with store.connect() as conn:
        bag = get(conn, "24-MB01")
        tee = get(conn, "WS11")
        group = get(conn, "24-WG085_Group")
        kit = get(conn, "24-WG080")
    assert (bag.price, bag.custom_attributes["special_price"], bag.status) == (3600.22, 3300.23, 2)
    assert bag.custom_attributes["url_key"] == "joust-duffle-bag-s"
    # the relations name products that are not in the delta file, only in the store
    assert len(tee.configurable_children) == 15
    assert sorted(link.linked_product_sku for link in group.product_links) == ["24-WG085", "24-WG086", "24-WG087"]
    assert sorted((link.link_type, link.linked_product_sku) for link in bag.product_links) == [
        ("crosssell", "24-WB01"),
        ("crosssell", "24-WB02"),
        ("crosssell", "24-WB05"),
        ("related", "24-MB03"),
        ("related", "24-MB04"),
        ("related", "24-MB05"),
        ("upsell", "24-MB02"),
        ("upsell", "24-MB06"),
        ("upsell", "24-UB02"),
    ]
    assert {s.sku for option in kit.bundle_options for s in option.product_links} == {
        "24-WG081-blue",
        "24-WG082-blue",
        "24-WG083-blue",
        "24-WG084",
        "24-WG085",
        "24-WG086",
        "24-WG087",
        "24-WG088",
    }


def test_stock_only_and_price_only_files(store: Engine) -> None:
    with store.connect() as conn:
        name = get(conn, "24-MB01").name
    stock_only = Profile.model_validate({"steps": {"media": False, "categories": False, "websites": False}})
    files = sorted((PRODUCTS / "inventory").glob("*.csv"))
    report = run_import(store, "products", files, profile=stock_only)
    assert report.committed and report.updated == 2
    assert imported(store, "prices").updated == 2
    with store.connect() as conn:
        bag, pack = get(conn, "24-MB01"), get(conn, "24-MB04")
    assert bag.stock is not None and bag.stock.qty == 6.0 and pack.stock is not None and pack.stock.qty == 11.0
    assert (bag.price, bag.custom_attributes["special_price"]) == (49.95, 29.95)
    assert bag.name == name  # nothing else of the product changed


def test_store_view_prices(store: Engine) -> None:
    assert imported(store, "multi-storeview-prices").errors == []
    with store.connect() as conn:
        assert get(conn, "24-MB04").price == 59.85
        assert get(conn, "24-MB04", 3).price == 64.75  # website scope: the last store-view row of the website


def test_variants_of_the_configurables(store: Engine) -> None:
    report = imported(store, "variants")
    assert report.errors == []
    rows = read_rows(folder("variants"))
    assert {"configurable", "giftcard"} <= {r["product_type"] for r in rows}
    with store.connect() as conn:
        bra = get(conn, "WB03")
        assert [o.label for o in bra.configurable_options] == ["TEST"]
        assert Oracle(conn).check(rows) == []


def test_the_media_only_file(store: Engine) -> None:
    files = sorted((DATA / "product-media").glob("media-import_*.csv"))
    report = run_import(store, "products", files)
    assert report.committed and report.errors == [] and report.updated == report.rows == 9
    with store.connect() as conn:
        for sku, code in (("24-MB04", "mb04-black-0"), ("24-MB03", "mb03-black-0")):
            base, alternative = f"/m/b/{code}.jpg", f"/m/b/{code}_alt1.jpg"
            admin, german, english = get(conn, sku), get(conn, sku, 2), get(conn, sku, 3)
            assert [(m.file, m.label, m.position, m.types) for m in admin.media_gallery_entries] == [
                (base, "Image", 1, ["image", "small_image", "thumbnail"]),
                (alternative, "Image", 2, []),
            ]
            assert [admin.custom_attributes[role] for role in ("image", "small_image", "thumbnail")] == [base] * 3
            assert "image_label" not in admin.custom_attributes
            assert german.custom_attributes["image_label"] == "Deutsche Beschreibung"  # a label-only store-view row
            assert english.custom_attributes["image_label"] == "English Description"
