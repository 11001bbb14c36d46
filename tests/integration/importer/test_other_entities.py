"""The other entity importers on the shared files, on the three databases: attribute sets, attributes (options,
sorting, store-view labels, replace, delete), categories (tree, positions, replace, store views, roots, multiple
roots, delete), multi-source stock, advanced pricing, customers with addresses, and customer addresses (add,
replace, and the shared delete file on SQLite).

The tests of this module run in file order on one database per backend (module fixtures)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection, Engine

from conveyor.catalog import (
    AttributeRepository,
    CategoryRecord,
    CategoryRepository,
    CustomerRepository,
    StockRepository,
    TierPriceRepository,
)
from conveyor.catalog.products import ALL_GROUPS
from conveyor.db import make_engine
from conveyor.importer import ImportReport, RowError, run_import
from tests.integration.importer.helpers import (
    ATTRIBUTE_SETS,
    ATTRIBUTES,
    DATA,
    add_store_view,
    assert_counts_add_up,
    read_rows,
    write_csv,
)
from tests.integration.importer.oracle import category_problems

attributes = AttributeRepository()
categories = CategoryRepository()


@pytest.fixture(scope="module")
def store(module_db_url: str) -> Iterator[Engine]:
    engine = make_engine(module_db_url)
    add_store_view(engine, 2, "de_de")
    add_store_view(engine, 3, "en_us")
    yield engine
    engine.dispose()


def run(engine: Engine, entity: str, files: list[Path], **options: object) -> ImportReport:
    report = run_import(engine, entity, files, **options)  # type: ignore[arg-type]
    assert report.failure is None, report.failure
    assert_counts_add_up(report)
    return report


def one(folder: str) -> list[Path]:
    return sorted((DATA / folder).glob("*.csv"))


def option_labels(conn: Connection, code: str, store_id: int = 0) -> list[str]:
    record = attributes.get(conn, code)
    return [o.label if store_id == 0 else o.store_labels.get(store_id, "") for o in record.options]


def test_attribute_sets_are_built_from_their_skeleton(store: Engine) -> None:
    report = run(store, "attribute-sets", [ATTRIBUTE_SETS])
    assert (report.created, report.errors) == (8, [])
    with store.connect() as conn:
        sets = {s.attribute_set_name: s for s in attributes.list_sets(conn)}
        default = sets["Default"]
    assert set(sets) >= {"Bag", "Top", "Bottom", "Gear", "Gift Card"}
    assert [g.attribute_group_name for g in sets["Bag"].groups] == [g.attribute_group_name for g in default.groups]
    assert sets["Bag"].sort_order == 2
    again = run(store, "attribute-sets", [ATTRIBUTE_SETS])
    assert again.created == 0 and again.committed


def test_attributes_with_options_and_set_assignments(store: Engine) -> None:
    report = run(store, "attributes", [ATTRIBUTES])
    assert report.errors == [] and report.created + report.updated == 22
    with store.connect() as conn:
        activity = attributes.get(conn, "activity")
        color = attributes.get(conn, "color")
        bag = next(s for s in attributes.list_sets(conn) if s.attribute_set_name == "Bag")
    assert (activity.frontend_input, activity.backend_type, activity.default_frontend_label) == (
        "multiselect",
        "varchar",
        "Activity",
    )
    assert [o.label for o in activity.options][:4] == ["Gym", "Hiking", "Trail", "Urban"]
    assert next(o.label for o in color.options if o.is_default) == "Blue"
    assert "strap_bags" in [code for group in bag.groups for code in group.attribute_codes]
    assert run(store, "attributes", [ATTRIBUTES]).skipped == 22  # unchanged rows


def test_attribute_sorting_places_attributes_and_options_in_the_files_order(store: Engine) -> None:
    files = one("attributes/sorting")
    rows = read_rows(files)
    report = run(store, "attributes", files)
    assert (report.errors, report.created, report.updated) == ([], 0, len(rows))
    with store.connect() as conn:
        records = {row["attribute_code"]: attributes.get(conn, row["attribute_code"]) for row in rows}
        sets = {s.attribute_set_name: s for s in attributes.list_sets(conn)}
    assert {code: record.properties["position"] for code, record in records.items()} == {
        row["attribute_code"]: int(row["position"]) for row in rows
    }
    # in each set, the file's attributes follow its sort_order (add-update left them in the order of their ids)
    for name in {name for row in rows for name in row["attribute_set_name"].split(",")}:
        named = sorted(
            (row for row in rows if name in row["attribute_set_name"].split(",")), key=lambda r: int(r["sort_order"])
        )
        expected = [row["attribute_code"] for row in named]
        (group,) = [g for g in sets[name].groups if g.attribute_group_name == "Product Details"]
        assert [code for code in group.attribute_codes if code in expected] == expected, name
    activity = next(row for row in rows if row["attribute_code"] == "activity")
    assert [(o.label, o.sort_order) for o in records["activity"].options] == [
        (label, int(order))
        for label, order in zip(
            activity["attribute_option_values"].split(","),
            activity["attribute_option_sort_order"].split(","),
            strict=True,
        )
    ]


def test_attribute_store_view_labels_and_option_labels(store: Engine) -> None:
    report = run(store, "attributes", one("attributes/multi-storeview"))
    assert report.errors == []
    with store.connect() as conn:
        color = attributes.get(conn, "color")
        assert color.frontend_labels == {2: "Farbe", 3: "Color"}
        assert option_labels(conn, "color", 2)[:3] == ["Schwarz", "Blau", "Braun"]
        assert option_labels(conn, "gender", 2) == ["Männer", "Frauen", "Jungen", "Mädchen", "Unisex"]


def test_attribute_examples_and_a_replace(store: Engine, tmp_path: Path) -> None:
    run(store, "attributes", one("attributes/add-update-examples"))
    with store.connect() as conn:
        multiselect = attributes.get(conn, "test_multiselect")
        assert [(o.label, o.sort_order) for o in multiselect.options] == [
            ("option-03-admin", 1),
            ("option-02-admin", 2),
            ("option-01-admin", 3),
        ]
        assert multiselect.frontend_labels == {1: "Test Mehrfachauswahlfeld (Aktualisiert)"}
        assert option_labels(conn, "test_select", 1) == ["option-01-default", "option-02-default"]
    path = write_csv(
        tmp_path / "attribute-import_replace_01.csv",
        ["store_view_code", "attribute_code", "frontend_input", "backend_type", "attribute_option_values"],
        [["", "test_select", "select", "int", "option-02-admin,option-09-admin"]],
    )
    assert run(store, "attributes", [path], operation="replace").updated == 1
    with store.connect() as conn:
        assert option_labels(conn, "test_select") == ["option-02-admin", "option-09-admin"]


def test_the_attribute_replace_file_makes_options_labels_and_groups_exactly_its_rows(store: Engine) -> None:
    files = one("attributes/replace")
    rows = read_rows(files)
    admin = {row["attribute_code"]: row for row in rows if not row["store_view_code"]}
    default_view = {row["attribute_code"]: row for row in rows if row["store_view_code"] == "default"}
    with store.connect() as conn:  # what the earlier files left, beyond the replace file's rows
        assert "option-09-admin" in option_labels(conn, "test_select")
        assert "34" in option_labels(conn, "test_text_swatch")
    report = run(store, "attributes", files, operation="replace")
    assert (report.errors, report.updated) == ([], len(rows))
    with store.connect() as conn:
        records = {code: attributes.get(conn, code) for code in admin}
        (default_set,) = [s for s in attributes.list_sets(conn) if s.attribute_set_name == "Default"]
    groups = {g.attribute_group_name: g.attribute_codes for g in default_set.groups}
    for code, row in admin.items():
        record = records[code]
        labels = row["attribute_option_values"].split(",")
        orders = row["attribute_option_sort_order"].split(",") if row["attribute_option_sort_order"] else []
        view_labels = default_view[code]["attribute_option_values"].split(",")
        expected = [(label, int(orders[i]) if orders else i + 1, {1: view_labels[i]}) for i, label in enumerate(labels)]
        # exactly the file's options (option-09-admin and 34 are gone), in its sort order, with its labels
        assert [(o.label, o.sort_order, o.store_labels) for o in record.options] == sorted(expected, key=lambda o: o[1])
        assert (record.default_frontend_label, record.frontend_labels) == (
            row["frontend_label"],
            {1: default_view[code]["frontend_label"]},
        )
        assert code in groups[row["attribute_group_name"]] and code not in groups["Product Details"]


def test_the_attribute_delete_file_removes_the_named_attributes(store: Engine) -> None:
    deleted = run(store, "attributes", one("attributes/delete"), operation="delete")
    assert deleted.deleted == 4
    with store.connect() as conn:
        assert not any(r.attribute_code.startswith("test_") for r in attributes.get_list(conn))


def category(conn: Connection, path: str, store_id: int = 0) -> CategoryRecord:
    category_id = categories.id_by_path(conn, path)
    assert category_id is not None, path
    return categories.get(conn, category_id, store_id)


def test_category_tree_with_values_and_positions(store: Engine) -> None:
    report = run(store, "categories", one("categories/add-update"))
    assert report.errors == [] and report.created == 39
    with store.connect() as conn:
        women = category(conn, "Default Category/Women")
        tanks = category(conn, "Default Category/Women/Tops/Bras & Tanks")
    assert (women.is_anchor, women.custom_attributes["display_mode"]) == (False, "PAGE")
    assert women.custom_attributes["image"] == "/womens/womens-main.jpg"
    assert (tanks.url_key, tanks.level) == ("tanks-women", 4)
    sorting = run(store, "categories", one("categories/sorting"))
    assert sorting.errors == []
    with store.connect() as conn:
        tops = category(conn, "Default Category/Women/Tops")
        names = [categories.get(conn, child).name for child in tops.children]
    assert names == ["Bras & Tanks", "Tees", "Hoodies & Sweatshirts", "Jackets"]


def test_category_replace_makes_each_named_category_exactly_its_row(store: Engine, tmp_path: Path) -> None:
    files = one("categories/replace")
    rows = read_rows(files)
    assert "Default Category/Gift Cards" not in {row["path"] for row in rows}
    # values the replace rows leave empty, on two categories it names and on one it does not
    extra = write_csv(
        tmp_path / "category-import_extra_01.csv",
        ["path", "description", "meta_title", "page_layout"],
        [
            [path, f"<p>{path}</p>", path, "1 column"]
            for path in ("Default Category/Women", "Default Category/Gear/Bags", "Default Category/Gift Cards")
        ],
    )
    assert run(store, "categories", [extra]).updated == 3
    with store.connect() as conn:
        ids = {row["path"]: categories.id_by_path(conn, row["path"]) for row in rows}
        before = [problem.split(":")[0] for problem in category_problems(conn, rows, exact=True)]
    assert before == ["Default Category/Women", "Default Category/Gear/Bags"]  # their extra values
    report = run(store, "categories", files, operation="replace")
    assert (report.errors, report.created, report.updated) == ([], 0, len(rows))
    with store.connect() as conn:
        assert category_problems(conn, rows, exact=True) == []
        assert {row["path"]: categories.id_by_path(conn, row["path"]) for row in rows} == ids  # replaced in place
        cards = category(conn, "Default Category/Gift Cards")  # not in the file: left as it was
    assert {code: cards.custom_attributes.get(code) for code in ("description", "meta_title", "page_layout")} == {
        "description": "<p>Default Category/Gift Cards</p>",
        "meta_title": "Default Category/Gift Cards",
        "page_layout": "1 column",
    }


def test_category_store_views_roots_and_delete(store: Engine) -> None:
    assert run(store, "categories", one("categories/multi-storeview")).errors == []
    with store.connect() as conn:
        assert category(conn, "Default Category/Women", 2).name == "Frauen"
        assert category(conn, "Default Category/Women", 3).name == "Women"
        assert category(conn, "Default Category/Women").name == "Women"
    roots = run(store, "categories", one("categories/root-categories"))
    assert roots.errors == []
    with store.connect() as conn:
        root = category(conn, "My Root Category")
        assert (root.level, root.parent_id) == (1, 1)
    deleted = run(store, "categories", one("categories/delete"), operation="delete")
    assert deleted.errors == [] and deleted.deleted == 38
    with store.connect() as conn:
        assert categories.id_by_path(conn, "Default Category/Women") is None
        assert categories.id_by_path(conn, "My Root Category/Women") is not None


def test_multi_root_categories(store: Engine) -> None:
    files = one("categories/multi-root-categories")
    rows = read_rows(files)
    with store.connect() as conn:
        existing = sum(categories.id_by_path(conn, row["path"]) is not None for row in rows)
    assert existing == sum(row["path"].startswith("My Root Category") for row in rows)  # from root-categories
    report = run(store, "categories", files)
    # My Root Category's rows are the root-categories file's: unchanged, skipped
    assert (report.errors, report.created, report.skipped) == ([], len(rows) - existing, existing)
    roots = [row["path"] for row in rows if "/" not in row["path"]]
    assert roots == ["My Root Category", "Another Root Category", "Additional Root Category", "The last Root Category"]
    with store.connect() as conn:
        assert category_problems(conn, rows) == []
        for root in roots:
            record = category(conn, root)
            assert (record.level, record.parent_id) == (1, 1)
            children = [categories.get(conn, child).name for child in record.children]
            assert children == [row["name"] for row in rows if row["path"] == f"{root}/{row['name']}"], root
        assert [categories.get(conn, i).name for i in categories.get(conn, 1).children] == ["Default Category", *roots]


def _products(store: Engine, folder: Path, *skus: str) -> None:
    path = write_csv(
        folder / "product-import_base_01.csv",
        ["sku", "attribute_set_code", "product_type", "name", "price"],
        [[sku, "Default", "simple", sku, "10"] for sku in skus],
    )
    assert run(store, "products", [path]).committed


def test_multi_source_stock(store: Engine) -> None:
    report = run(store, "stock", one("msi/add-update"))
    assert (report.created, report.errors) == (3, [])  # stock may come before its product
    with store.connect() as conn:
        items = {i.sku: (i.quantity, i.status) for i in StockRepository().list_items(conn, ["24-MB01", "24-MB04"])}
    assert items == {"24-MB01": (99.0, 1), "24-MB04": (98.0, 0)}
    run(store, "stock", one("msi/replace"), operation="replace")
    with store.connect() as conn:
        items = {i.sku: (i.quantity, i.status) for i in StockRepository().list_items(conn, ["24-MB01", "24-MB04"])}
    assert items == {"24-MB01": (97.0, 0), "24-MB04": (96.0, 1)}


def test_advanced_pricing(store: Engine, tmp_path: Path) -> None:
    _products(store, tmp_path, "24-MB01", "24-MB04")
    report = run(store, "tier-prices", one("tier-prices/add-update"))
    assert report.errors == [] and report.updated == 3
    with store.connect() as conn:
        prices = TierPriceRepository().get(conn, ["24-MB01", "24-MB04"])
    assert [(p.qty, p.value, p.customer_group_id) for p in prices["24-MB01"]] == [
        (4.0, 29.0, ALL_GROUPS),
        (2.0, 32.0, 1),
    ]
    assert [(p.qty, p.percentage_value) for p in prices["24-MB04"]] == [(3.0, 28.0)]
    run(store, "tier-prices", one("tier-prices/replace"), operation="replace")
    with store.connect() as conn:
        prices = TierPriceRepository().get(conn, ["24-MB01", "24-MB04"])
    assert [(p.qty, p.value) for p in prices["24-MB01"]] == [(2.0, 32.0)]
    assert [(p.qty, p.percentage_value) for p in prices["24-MB04"]] == [(3.0, 25.0)]
    bad = write_csv(
        tmp_path / "tier-price-import_bad_01.csv",
        [
            "sku",
            "tier_price_website",
            "tier_price_customer_group",
            "tier_price_qty",
            "tier_price",
            "tier_price_value_type",
        ],
        [
            ["24-MB01", "Mars", "ALL GROUPS", "1", "1", "Fixed"],
            ["NOPE", "All Websites", "ALL GROUPS", "1", "1", "Fixed"],
        ],
    )
    report = run(store, "tier-prices", [bad])
    assert report.errors == [
        RowError(bad.name, 2, "tier_price_website", 'The website "Mars" does not exist.'),
        RowError(bad.name, 3, "sku", 'The product "NOPE" does not exist.'),
    ]


def test_customers_with_addresses_then_address_files(store: Engine, tmp_path: Path) -> None:
    report = run(store, "customers", one("customers/add-update"))
    assert report.errors == [] and (report.created, report.updated) == (2, 1)
    repository = CustomerRepository()
    with store.connect() as conn:
        jane = repository.get_by_email(conn, "janedoe@example.com", 1)
        jon = repository.get_by_email(conn, "jondoe@example.com", 1)
    assert (jane.firstname, jane.lastname, jane.gender, jane.group_id, jane.dob) == ("Jane", "Doe", 2, 1, "2016-10-21")
    assert [a.telephone for a in jane.addresses] == ["987654321", "123456789"]
    assert jon.default_billing is not None and jon.default_billing == jon.default_shipping
    added = run(store, "customer-addresses", one("customers-address/add-update"))
    assert added.errors == [] and added.created == 2
    with store.connect() as conn:
        jon = repository.get_by_email(conn, "jondoe@example.com", 1)
    assert sorted(a.city for a in jon.addresses) == ["Campbell", "Kolbermoor", "München"]
    assert [a.street for a in jon.addresses if a.city == "Kolbermoor"] == [
        ["Spinnereiinisel 3a", "1. Stock", "Eingang Rechts"]
    ]
    replaced = run(store, "customer-addresses", one("customers-address/replace"), operation="replace")
    assert replaced.errors == []
    with store.connect() as conn:
        jon = repository.get_by_email(conn, "jondoe@example.com", 1)
    assert sorted(a.city for a in jon.addresses) == ["Hamburg", "Rosenheim"]
    gone = [address.id for address in jon.addresses]
    delete = write_csv(
        tmp_path / "customer-address-import_delete_01.csv",
        ["_website", "_email", "_entity_id"],
        [["base", "jondoe@example.com", str(gone[0])]],
    )
    assert run(store, "customer-addresses", [delete], operation="delete").deleted == 1
    with store.connect() as conn:
        assert [a.id for a in repository.get_by_email(conn, "jondoe@example.com", 1).addresses] == gone[1:]
    customers = write_csv(
        tmp_path / "customer-import_delete_01.csv", ["email", "_website"], [["janedoe@example.com", "base"]]
    )
    assert run(store, "customers", [customers], operation="delete").deleted == 1


def test_the_address_delete_file_removes_the_addresses_it_names(sqlite_url: str, tmp_path: Path) -> None:
    """On a new SQLite store, where the addresses the file names by id (1 and 2 of jondoe@example.com) are
    the first ones imported."""
    engine = make_engine(sqlite_url)
    files = one("customers-address/delete")
    rows = read_rows(files)
    jon = write_csv(
        tmp_path / "customer-import_jon_01.csv",
        ["email", "_website", "firstname", "lastname"],
        [["jondoe@example.com", "base", "Jon", "Doe"]],
    )
    assert run(engine, "customers", [jon]).created == 1
    assert run(engine, "customer-addresses", files).created == len(rows)  # the addresses it deletes
    assert run(engine, "customer-addresses", one("customers-address/add-update")).created == 2  # and two more
    repository = CustomerRepository()
    with engine.connect() as conn:
        addresses = repository.get_by_email(conn, "jondoe@example.com", 1).addresses
    named = {int(row["_entity_id"]): row["firstname"] for row in rows}
    assert {a.id: a.firstname for a in addresses if a.id in named} == named  # Foo and Bar
    report = run(engine, "customer-addresses", files, operation="delete")
    assert (report.errors, report.deleted) == ([], len(rows))
    with engine.connect() as conn:
        left = repository.get_by_email(conn, "jondoe@example.com", 1)
    assert [a.id for a in left.addresses] == [a.id for a in addresses if a.id not in named]
    assert sorted(a.firstname for a in left.addresses) == ["Tim", "Uschi"]  # the add-update file's
    engine.dispose()
