"""Products on the three databases: round trips field by field, merge semantics, store-view overrides,
relations, cascades, searching, validation, and a large batch in a bounded number of statements."""

from __future__ import annotations

import math

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.catalog import NO_EVENTS
from conveyor.catalog.categories.repository import CategoryInput, CategoryRepository, category_product_table
from conveyor.catalog.eav.attributes import AttributeInput, AttributeOption, AttributeRepository
from conveyor.catalog.errors import DuplicateError, InvalidValueError, NotFoundError
from conveyor.catalog.inventory.source_items import source_item_table
from conveyor.catalog.products.media import gallery_table, gallery_value_table
from conveyor.catalog.products.models import (
    ALL_GROUPS,
    BundleOption,
    BundleSelection,
    CategoryLink,
    ConfigurableOption,
    MediaEntry,
    ProductInput,
    ProductLink,
    StockInput,
    TierPrice,
)
from conveyor.catalog.products.prices import tier_price_table
from conveyor.catalog.products.relations import (
    bundle_option_table,
    bundle_selection_table,
    link_table,
    super_attribute_table,
    super_link_table,
)
from conveyor.catalog.products.repository import ProductRepository, product_table, product_values
from tests.integration.catalog.product_fixtures import (
    add_store_view,
    add_website,
    counting,
    in_default_set,
    select_options,
    table_count,
)

repo = ProductRepository()


def test_simple_product_round_trip_field_by_field(engine: Engine) -> None:
    with engine.begin() as conn:
        colors = select_options(conn, "color", ["Red", "Blue"])
        AttributeRepository().save(
            conn,
            AttributeInput(
                attribute_code="features",
                frontend_input="multiselect",
                options=[AttributeOption(label="Waterproof"), AttributeOption(label="Light")],
            ),
        )
        in_default_set(conn, "features")
        features = AttributeRepository().option_ids(conn, "features", ["Waterproof", "Light"])
        gear = CategoryRepository().create(conn, CategoryInput(name="Gear"))
        ids = repo.save_many(
            conn,
            [
                ProductInput(
                    sku="MB-01",
                    name="Joust Duffle Bag",
                    price="34.50",
                    weight=1.25,
                    status=1,
                    visibility=4,
                    custom_attributes={
                        "description": "<p>The sporty Joust Duffle Bag</p>",
                        "color": str(colors["Blue"]),
                        "features": f"{features['Light']},{features['Waterproof']}",
                        "news_from_date": "2026-01-02",
                        "special_price": 29.99,
                        "country_of_manufacture": "DE",
                    },
                    website_ids=[1],
                    category_links=[CategoryLink(category_id=gear, position=7)],
                    stock=StockInput(qty=12, is_in_stock=True),
                    tier_prices=[
                        TierPrice(qty=5, value=30),
                        TierPrice(qty=10, percentage_value=15, customer_group_id=1),
                    ],
                    media_gallery_entries=[
                        MediaEntry(
                            file="/m/b/mb01-blue-0.jpg", label="Front", position=1, types=["image", "thumbnail"]
                        ),
                        MediaEntry(file="/m/b/mb01-back.jpg", label="Back", position=2, types=["small_image"]),
                    ],
                )
            ],
            events=NO_EVENTS,
        )
    with engine.connect() as conn:
        product = repo.get(conn, "MB-01")
    assert product.id == ids["MB-01"]
    assert (product.sku, product.name, product.type_id, product.attribute_set_id) == (
        "MB-01",
        "Joust Duffle Bag",
        "simple",
        4,
    )
    assert (product.price, product.weight, product.status, product.visibility) == (34.5, 1.25, 1, 4)
    custom = product.custom_attributes
    assert custom["description"] == "<p>The sporty Joust Duffle Bag</p>"
    assert custom["color"] == colors["Blue"]
    assert custom["features"] == f"{features['Light']},{features['Waterproof']}"
    assert custom["news_from_date"] == "2026-01-02 00:00:00"
    assert custom["special_price"] == 29.99
    assert custom["country_of_manufacture"] == "DE"
    assert custom["url_key"] == "joust-duffle-bag"  # generated from the name on create
    assert custom["tax_class_id"] == 2  # the attribute's default on create
    assert len(product.created_at) == 19 and product.created_at == product.updated_at
    assert product.website_ids == [1]
    assert product.category_links == [CategoryLink(category_id=gear, position=7)]
    assert product.stock is not None and (product.stock.qty, product.stock.is_in_stock) == (12.0, True)
    assert [(t.qty, t.value, t.percentage_value, t.customer_group_id, t.website_id) for t in product.tier_prices] == [
        (5.0, 30.0, None, ALL_GROUPS, 0),
        (10.0, None, 15.0, 1, 0),
    ]
    front, back = product.media_gallery_entries
    assert (front.file, front.label, front.position, front.types) == (
        "/m/b/mb01-blue-0.jpg",
        "Front",
        1,
        ["image", "thumbnail"],
    )
    assert (back.file, back.label, back.position, back.types) == ("/m/b/mb01-back.jpg", "Back", 2, ["small_image"])
    assert custom["image"] == "/m/b/mb01-blue-0.jpg" and custom["small_image"] == "/m/b/mb01-back.jpg"


def test_configurable_with_super_attributes_and_children(engine: Engine) -> None:
    with engine.begin() as conn:
        colors = select_options(conn, "color", ["Red", "Blue"])
        sizes = select_options(conn, "size", ["S", "M"])
        children = [
            ProductInput(
                sku=f"MH01-{size}-{color}",
                name=f"Chaz Hoodie {size} {color}",
                price=52,
                visibility=1,
                custom_attributes={"color": colors[color], "size": sizes[size]},
            )
            for size in ("S", "M")
            for color in ("Red", "Blue")
        ]
        parent = ProductInput(
            sku="MH01",
            name="Chaz Hoodie",
            type_id="configurable",
            configurable_options=[
                ConfigurableOption(attribute_code="size", label="Size", position=0),
                ConfigurableOption(attribute_code="color", label="Colour", position=1),
            ],
            configurable_children=[child.sku for child in children],
        )
        ids = repo.save_many(conn, [*children, parent], events=NO_EVENTS)  # children created in the same batch
    with engine.connect() as conn:
        record = repo.get(conn, "MH01")
    assert record.type_id == "configurable"
    assert [(o.attribute_code, o.label, o.position) for o in record.configurable_options] == [
        ("size", "Size", 0),
        ("color", "Colour", 1),
    ]
    assert record.configurable_options[0].values == sorted(sizes.values())
    assert record.configurable_options[1].values == sorted(colors.values())
    assert sorted(record.configurable_children) == sorted(child.sku for child in children)
    assert sorted(record.configurable_product_links) == sorted(ids[child.sku] for child in children)
    first_ids = [o.id for o in record.configurable_options]

    with engine.begin() as conn:  # saving the options again keeps their ids; dropping a child unlinks it
        repo.save(
            conn,
            ProductInput(
                sku="MH01",
                configurable_options=[
                    ConfigurableOption(
                        attribute_id=record.configurable_options[0].attribute_id, label="Size", position=0
                    ),
                    ConfigurableOption(attribute_code="color", label="Colour", position=1),
                ],
                configurable_children=[child.sku for child in children[:3]],
            ),
            events=NO_EVENTS,
        )
        again = repo.get(conn, "MH01")
    assert [o.id for o in again.configurable_options] == first_ids
    assert sorted(again.configurable_children) == sorted(child.sku for child in children[:3])


def test_configurable_children_must_differ_and_carry_the_super_attributes(engine: Engine) -> None:
    with engine.begin() as conn:
        colors = select_options(conn, "color", ["Red"])
        repo.save_many(
            conn,
            [
                ProductInput(sku="c-1", name="One", price=1, custom_attributes={"color": colors["Red"]}),
                ProductInput(sku="c-2", name="Two", price=1, custom_attributes={"color": colors["Red"]}),
                ProductInput(sku="c-3", name="Three", price=1),
            ],
            events=NO_EVENTS,
        )
    options = [ConfigurableOption(attribute_code="color")]
    refused: list[tuple[str, list[ConfigurableOption], list[str] | None]] = [
        ("have the same set of attribute values", options, ["c-1", "c-2"]),
        ('does not contain required attribute "color"', options, ["c-3"]),
        ('"configurable_options" attribute value', [ConfigurableOption(attribute_code="name")], None),
    ]
    for message, given, children in refused:
        with pytest.raises(InvalidValueError, match=message), engine.begin() as conn:
            configurable = ProductInput(
                sku="cfg",
                name="Cfg",
                type_id="configurable",
                configurable_options=given,
                configurable_children=children,
            )
            repo.save(conn, configurable, events=NO_EVENTS)
    with engine.connect() as conn:
        assert repo.ids_by_sku(conn, ["cfg"]) == {}  # nothing of the failed saves stayed


def test_grouped_links_with_qty_and_other_link_types(engine: Engine) -> None:
    with engine.begin() as conn:
        repo.save_many(
            conn, [ProductInput(sku=f"g-{n}", name=f"Part {n}", price=n) for n in range(1, 4)], events=NO_EVENTS
        )
        repo.save(
            conn,
            ProductInput(
                sku="set",
                name="Set of parts",
                type_id="grouped",
                product_links=[
                    ProductLink(link_type="associated", linked_product_sku="g-1", position=1, qty=2),
                    ProductLink(link_type="associated", linked_product_sku="g-2", position=2, qty="0.5"),
                    ProductLink(link_type="related", linked_product_sku="g-3", position=1),
                    ProductLink(link_type="upsell", linked_product_sku="g-3"),
                    ProductLink(link_type="crosssell", linked_product_sku="g-1", position=4),
                ],
            ),
            events=NO_EVENTS,
        )
        record = repo.get(conn, "set")
    links = [(link.link_type, link.linked_product_sku, link.position, link.qty) for link in record.product_links]
    assert links == [
        ("related", "g-3", 1, None),
        ("associated", "g-1", 1, 2.0),
        ("associated", "g-2", 2, 0.5),
        ("upsell", "g-3", 0, None),
        ("crosssell", "g-1", 4, None),
    ]
    assert {link.linked_product_type for link in record.product_links} == {"simple"}


def test_bundle_options_and_selections(engine: Engine) -> None:
    with engine.begin() as conn:
        add_store_view(conn, 2, "german")
        repo.save_many(
            conn, [ProductInput(sku=f"b-{n}", name=f"Item {n}", price=10 * n) for n in range(1, 4)], events=NO_EVENTS
        )
        bundle = ProductInput(
            sku="kit",
            name="Sprite Yoga Companion Kit",
            type_id="bundle",
            custom_attributes={"price_type": 0, "sku_type": 0},
            bundle_options=[
                BundleOption(
                    title="Ball",
                    type="radio",
                    required=True,
                    position=1,
                    product_links=[
                        BundleSelection(sku="b-1", qty=1, is_default=True, position=1),
                        BundleSelection(
                            sku="b-2", qty=2, can_change_quantity=True, price_type=1, price="12.5", position=2
                        ),
                    ],
                ),
                BundleOption(
                    title="Strap",
                    type="checkbox",
                    required=False,
                    position=2,
                    product_links=[BundleSelection(sku="b-3")],
                ),
            ],
        )
        repo.save(conn, bundle, events=NO_EVENTS)
        record = repo.get(conn, "kit")
    assert [(o.title, o.type, o.required, o.position) for o in record.bundle_options] == [
        ("Ball", "radio", True, 1),
        ("Strap", "checkbox", False, 2),
    ]
    ball = record.bundle_options[0]
    assert [
        (s.sku, s.qty, s.is_default, s.can_change_quantity, s.price_type, s.price, s.position, s.option_id)
        for s in ball.product_links
    ] == [
        ("b-1", 1.0, True, False, 0, 0.0, 1, ball.option_id),
        ("b-2", 2.0, False, True, 1, 12.5, 2, ball.option_id),
    ]
    assert record.custom_attributes["price_type"] == 0

    with engine.begin() as conn:  # a store-view title, the first option kept by id, the second dropped
        repo.save(
            conn,
            ProductInput(
                sku="kit",
                bundle_options=[
                    BundleOption(
                        option_id=ball.option_id,
                        title="Ball (de)",
                        type="select",
                        product_links=[BundleSelection(sku="b-3")],
                    )
                ],
            ),
            store_id=2,
            events=NO_EVENTS,
        )
        german, admin = repo.get(conn, "kit", store_id=2), repo.get(conn, "kit")
    assert [(o.option_id, o.title, o.type) for o in german.bundle_options] == [(ball.option_id, "Ball (de)", "select")]
    assert [(o.option_id, o.title) for o in admin.bundle_options] == [(ball.option_id, "Ball")]
    assert [s.sku for s in admin.bundle_options[0].product_links] == ["b-3"]


def test_store_view_overrides_follow_the_attribute_scope(engine: Engine) -> None:
    with engine.begin() as conn:
        add_store_view(conn, 2, "french")
        add_website(conn, 2, "outlet")
        add_store_view(conn, 3, "outlet_en", website_id=2)
        repo.save(conn, ProductInput(sku="p", name="Shirt", price=20, weight=1, status=1), events=NO_EVENTS)
        # name: store view scope; status and price: website scope; weight: global
        repo.save(
            conn, ProductInput(sku="p", name="Chemise", status=2, price=18, weight=2), store_id=2, events=NO_EVENTS
        )
    with engine.connect() as conn:
        default, french, english, outlet = (repo.get(conn, "p", store_id=s) for s in (0, 2, 1, 3))
        stored = {
            (row.store_id, row.attribute_id)
            for row in conn.execute(sa.select(product_values["int"]).where(product_values["int"].c.store_id > 0))
        }
    assert (default.name, default.status, default.price, default.weight) == ("Shirt", 1, 20.0, 2.0)
    assert (french.name, french.status, french.price, french.weight) == ("Chemise", 2, 18.0, 2.0)
    # the website-scoped status was copied to the other store view of website 1, not to website 2's
    assert (english.name, english.status, english.price) == ("Shirt", 2, 18.0)
    assert (outlet.name, outlet.status, outlet.price) == ("Shirt", 1, 20.0)
    assert {store for store, _ in stored} == {1, 2}

    with engine.begin() as conn:  # None at a store view: back to the default
        repo.save(conn, ProductInput(sku="p", custom_attributes={"name": None}), store_id=2, events=NO_EVENTS)
        assert repo.get(conn, "p", store_id=2).name == "Shirt"
        with pytest.raises(InvalidValueError, match='The "name" attribute value is empty'):
            repo.save(conn, ProductInput(sku="p", custom_attributes={"name": None}), events=NO_EVENTS)


def test_saving_a_subset_leaves_the_rest(engine: Engine) -> None:
    with engine.begin() as conn:
        gear = CategoryRepository().create(conn, CategoryInput(name="Gear"))
        repo.save_many(conn, [ProductInput(sku="other", name="Other", price=1)], events=NO_EVENTS)
        repo.save(
            conn,
            ProductInput(
                sku="m",
                name="Merged",
                price=5,
                custom_attributes={"description": "long text", "meta_title": "Meta"},
                category_links=[CategoryLink(category_id=gear)],
                stock=StockInput(qty=3),
                tier_prices=[TierPrice(qty=2, value=4)],
                product_links=[ProductLink(link_type="related", linked_product_sku="other")],
                media_gallery_entries=[MediaEntry(file="/m/m.jpg", types=["image"])],
            ),
            events=NO_EVENTS,
        )
        before = repo.get(conn, "m")
        repo.save(conn, ProductInput(sku="m", price=6, custom_attributes={"meta_title": "New meta"}), events=NO_EVENTS)
        after = repo.get(conn, "m")
    assert after.price == 6.0
    assert after.custom_attributes["meta_title"] == "New meta"
    assert after.name == "Merged" and after.custom_attributes["description"] == "long text"
    for relation in ("category_links", "stock", "tier_prices", "product_links", "media_gallery_entries", "website_ids"):
        assert getattr(after, relation) == getattr(before, relation), relation
    assert after.created_at == before.created_at

    with engine.begin() as conn:  # an empty list does replace
        repo.save(
            conn, ProductInput(sku="m", category_links=[], tier_prices=[], media_gallery_entries=[]), events=NO_EVENTS
        )
        emptied = repo.get(conn, "m")
    assert (emptied.category_links, emptied.tier_prices, emptied.media_gallery_entries) == ([], [], [])
    assert "image" not in emptied.custom_attributes  # the role followed its gallery entry


def test_gallery_entries_keep_their_ids_and_store_labels(engine: Engine) -> None:
    with engine.begin() as conn:
        repo.save(
            conn,
            ProductInput(
                sku="g",
                name="Gallery",
                price=1,
                media_gallery_entries=[
                    MediaEntry(file="/a.jpg", label="A", position=1, types=["image"]),
                    MediaEntry(file="/b.jpg", position=2),
                ],
            ),
            events=NO_EVENTS,
        )
        first = repo.get(conn, "g").media_gallery_entries
        repo.save(
            conn,
            ProductInput(
                sku="g",
                media_gallery_entries=[
                    MediaEntry(
                        id=first[1].id, file="/b.jpg", label="B (fr)", position=1, types=["image"], disabled=True
                    ),
                    MediaEntry(file="/a.jpg", label="A (fr)", position=2),
                ],
            ),
            store_id=1,
            events=NO_EVENTS,
        )
        admin, store = repo.get(conn, "g").media_gallery_entries, repo.get(conn, "g", store_id=1).media_gallery_entries
    assert sorted(e.id or 0 for e in store) == sorted(e.id or 0 for e in first)
    assert [(e.file, e.label, e.disabled, e.types) for e in store] == [
        ("/b.jpg", "B (fr)", True, ["image"]),
        ("/a.jpg", "A (fr)", False, []),
    ]
    assert [(e.file, e.label, e.types) for e in admin] == [("/a.jpg", "A", ["image"]), ("/b.jpg", None, [])]


def test_delete_cascades_to_values_relations_and_stock(engine: Engine) -> None:
    with engine.begin() as conn:
        colors = select_options(conn, "color", ["Red"])
        gear = CategoryRepository().create(conn, CategoryInput(name="Gear"))
        repo.save_many(
            conn,
            [
                ProductInput(
                    sku="child",
                    name="Child",
                    price=1,
                    custom_attributes={"color": colors["Red"]},
                    stock=StockInput(qty=1),
                ),
                ProductInput(
                    sku="parent",
                    name="Parent",
                    type_id="configurable",
                    configurable_options=[ConfigurableOption(attribute_code="color")],
                    configurable_children=["child"],
                    category_links=[CategoryLink(category_id=gear)],
                    tier_prices=[TierPrice(qty=1, value=1)],
                    media_gallery_entries=[MediaEntry(file="/p.jpg")],
                    stock=StockInput(qty=0, is_in_stock=False),
                ),
                ProductInput(
                    sku="kit",
                    name="Kit",
                    type_id="bundle",
                    bundle_options=[BundleOption(title="T", product_links=[BundleSelection(sku="child")])],
                ),
                ProductInput(
                    sku="fan",
                    name="Fan",
                    price=1,
                    product_links=[ProductLink(link_type="related", linked_product_sku="child")],
                ),
            ],
            events=NO_EVENTS,
        )
        deleted = repo.delete(conn, ["parent", "child", "missing"], events=NO_EVENTS)
    assert set(deleted) == {"parent", "child"}
    with engine.connect() as conn:
        ids = list(deleted.values())
        for table in product_values.values():
            assert table_count(conn, table, table.c.entity_id.in_(ids)) == 0
        assert table_count(conn, product_table, product_table.c.entity_id.in_(ids)) == 0
        assert table_count(conn, super_attribute_table) == 0 and table_count(conn, super_link_table) == 0
        assert table_count(conn, category_product_table) == 0 and table_count(conn, tier_price_table) == 0
        assert table_count(conn, gallery_table) == 0 and table_count(conn, gallery_value_table) == 0
        assert table_count(conn, source_item_table) == 0
        assert table_count(conn, link_table) == 0  # "fan" linked to the deleted child
        assert table_count(conn, bundle_selection_table) == 0 and table_count(conn, bundle_option_table) == 1
        assert repo.get(conn, "fan").product_links == []
        with pytest.raises(NotFoundError):
            repo.get(conn, "child")


@pytest.mark.parametrize(
    ("product", "message"),
    [
        (ProductInput(sku="x", name="X", custom_attributes={"no_such": 1}), "attributeCode doesn't exist"),
        (
            ProductInput(sku="x", name="X", custom_attributes={"color": 999999}),
            '"color" attribute value is not valid: 999999',
        ),
        (ProductInput(sku="x", name="X", status=3), '"status" attribute value is not valid: 3'),
        (ProductInput(sku="x", name="X", price=-1), '"price" attribute value is not valid: -1'),
        (
            ProductInput(sku="x", name="X", custom_attributes={"news_from_date": "soon"}),
            '"news_from_date" attribute value',
        ),
        (ProductInput(sku="x", price=1), 'The "name" attribute value is empty'),
        (ProductInput(sku="x", name="X"), 'The "price" attribute value is empty'),
        (ProductInput(sku="x" * 65, name="X", price=1), "SKU length should be 64 characters maximum."),
        (ProductInput(sku="x", name="X", price=1, type_id="kit"), '"type_id" attribute value is not valid: kit'),
        (
            ProductInput(sku="x", name="X", price=1, attribute_set_id=3),
            '"attribute_set_id" attribute value is not valid: 3',
        ),
        (ProductInput(sku="x", name="X", price=1, website_ids=[7]), '"website_ids" attribute value is not valid: 7'),
        (ProductInput(sku="x", name="X", price=1, category_links=[CategoryLink(category_id=999)]), '"category_links"'),
        (
            ProductInput(
                sku="x", name="X", price=1, product_links=[ProductLink(link_type="related", linked_product_sku="nope")]
            ),
            '"product_links" attribute value is not valid: nope',
        ),
        (ProductInput(sku="x", name="X", price=1, tier_prices=[TierPrice(qty=0, value=1)]), '"qty" attribute value'),
        (
            ProductInput(sku="x", name="X", price=1, media_gallery_entries=[MediaEntry(file="/a.jpg", types=["hero"])]),
            "media_gallery_entries.types",
        ),
    ],
)
def test_invalid_input_names_the_field_and_writes_nothing(engine: Engine, product: ProductInput, message: str) -> None:
    with engine.begin() as conn:
        select_options(conn, "color", ["Red"])
    with pytest.raises(InvalidValueError) as raised, engine.begin() as conn:
        repo.save(conn, product, events=NO_EVENTS)
    assert message in str(raised.value)
    with engine.connect() as conn:
        assert table_count(conn, product_table) == 0


def test_create_only_refuses_an_existing_sku_while_save_upserts(engine: Engine) -> None:
    with engine.begin() as conn:
        first = repo.save(conn, ProductInput(sku="dup", name="First", price=1), events=NO_EVENTS)
        assert repo.save(conn, ProductInput(sku="dup", name="Second"), events=NO_EVENTS) == first
        with pytest.raises(DuplicateError, match='SKU "dup" already exists'):
            repo.save(conn, ProductInput(sku="dup", name="Third"), create_only=True, events=NO_EVENTS)
        assert repo.get(conn, "dup").name == "Second"
        with pytest.raises(InvalidValueError, match="twice in one batch"):
            repo.save_many(
                conn,
                [ProductInput(sku="a", name="A", price=1), ProductInput(sku="a", name="A", price=1)],
                events=NO_EVENTS,
            )


def test_search_filters_sorts_and_counts_with_store_fallback(engine: Engine) -> None:
    with engine.begin() as conn:
        add_store_view(conn, 2, "french")
        gear = CategoryRepository().create(conn, CategoryInput(name="Gear"))
        repo.save_many(
            conn,
            [
                ProductInput(
                    sku=f"s-{n}",
                    name=f"Item {n:02d}",
                    price=n,
                    category_links=[CategoryLink(category_id=gear)] if n % 2 else [],
                )
                for n in range(1, 11)
            ],
            events=NO_EVENTS,
        )
        repo.save(conn, ProductInput(sku="s-3", name="Article 03"), store_id=2, events=NO_EVENTS)
    with engine.connect() as conn:
        fields = repo.search_fields(conn, store_id=2)
        records, total = repo.search(
            conn,
            sa.and_(fields["price"] >= 3, fields["price"] < 9),
            [fields["name"].asc()],
            limit=3,
            offset=0,
            store_id=2,
        )
        assert total == 6
        assert [r.sku for r in records] == ["s-3", "s-4", "s-5"]  # "Article 03" sorts first at store 2
        assert records[0].name == "Article 03" and records[1].name == "Item 04"
        page, total = repo.search(
            conn, fields["name"].like("Item%"), [fields["sku"].desc()], limit=2, offset=2, store_id=2
        )
        assert total == 9 and [r.sku for r in page] == ["s-7", "s-6"]
        in_gear, total = repo.search(conn, repo.in_categories([gear]), [fields["price"].desc()], limit=2)
        assert total == 5 and [r.sku for r in in_gear] == ["s-9", "s-7"]
        default_fields = repo.search_fields(conn)
        _, total = repo.search(conn, default_fields["name"] == "Article 03")
        assert total == 0
        _, total = repo.search(conn, sa.and_(default_fields["type_id"] == "simple", repo.in_websites([1])))
        assert total == 10


def test_a_large_batch_costs_a_bounded_number_of_statements(engine: Engine) -> None:
    with engine.begin() as conn:
        colors = select_options(conn, "color", ["Red", "Blue", "Green"])
        category = CategoryRepository().create(conn, CategoryInput(name="Bulk"))

    def batch(prefix: str, size: int) -> list[ProductInput]:
        return [
            ProductInput(
                sku=f"{prefix}-{n:05d}",
                name=f"Bulk product {n}",
                price=n % 100 + 0.99,
                weight=1,
                custom_attributes={"description": f"Text {n}", "color": list(colors.values())[n % 3]},
                category_links=[CategoryLink(category_id=category, position=n)],
                stock=StockInput(qty=n % 7),
                tier_prices=[TierPrice(qty=10, value=1)],
            )
            for n in range(size)
        ]

    counts = {}
    for prefix, size in (("small", 20), ("big", 2000)):
        with engine.begin() as conn, counting(engine) as counter:
            ids = repo.save_many(conn, batch(prefix, size), events=NO_EVENTS)
        assert len(ids) == size
        counts[size] = counter.count
    # 2,000 products write ~30,000 rows; statements grow only with db.upsert's 1,000-row chunks
    rows_per_product = 15
    assert counts[2000] <= counts[20] + math.ceil(2000 * rows_per_product / 1000)
    assert counts[2000] < 60
    with engine.connect() as conn:
        record = repo.get(conn, "big-01999")
        assert (record.name, record.price, record.custom_attributes["description"]) == (
            "Bulk product 1999",
            99.99,
            "Text 1999",
        )
        assert record.stock is not None and record.stock.qty == 1999 % 7
        assert table_count(conn, product_table) == 2020
    with engine.begin() as conn, counting(engine) as counter:  # and again, as updates
        repo.save_many(conn, batch("big", 2000), events=NO_EVENTS)
    assert counter.count <= counts[2000] + 2
    with engine.connect() as conn, counting(engine) as counter:
        records = repo.get_many(conn, [f"big-{n:05d}" for n in range(2000)])
    assert len(records) == 2000 and counter.count < 40


def test_sku_case_follows_the_database_collation(engine: Engine) -> None:
    """MariaDB compares skus case-insensitively (as Magento on MySQL): another spelling is the same product."""
    with engine.begin() as conn:
        first = repo.save(conn, ProductInput(sku="MB-01", name="Bag", price=1), events=NO_EVENTS)
        second = repo.save(conn, ProductInput(sku="mb-01", name="Other spelling", price=2), events=NO_EVENTS)
        assert repo.get(conn, "MB-01").sku == "MB-01"
        if engine.dialect.name in ("mysql", "mariadb"):
            assert second == first and repo.get(conn, "mb-01").name == "Other spelling"
            assert repo.ids_by_sku(conn, ["mb-01", "MB-01"]) == {"mb-01": first, "MB-01": first}
        else:
            assert second != first and repo.get(conn, "MB-01").name == "Bag"
            assert repo.ids_by_sku(conn, ["mb-01", "MB-01"]) == {"mb-01": second, "MB-01": first}


def test_save_and_get_many_answers_exactly_what_a_fresh_read_gives(engine: Engine) -> None:
    """The API's save answers through save_and_get_many, which skips the reads a batch of new products cannot
    need (relations not given, value tables not written): its answer must equal a full read, batch by batch."""
    with engine.begin() as conn:
        add_store_view(conn, 2, "french")
        category = CategoryRepository().create(conn, CategoryInput(name="Answers"))
        repo.save(
            conn,
            ProductInput(sku="existing", name="Existing", price=5, tier_prices=[TierPrice(qty=2, value=4)]),
            events=NO_EVENTS,
        )

    def plain(sku: str) -> ProductInput:
        return ProductInput(sku=sku, name=f"Plain {sku}", price=12.5, weight=1, status=1, visibility=4)

    batches = {
        "new, nothing but attributes": [plain("p-1"), plain("p-2")],
        "new, with every relation and a date": [
            plain("r-0"),
            ProductInput(
                sku="r-1",
                name="Related",
                price=3,
                custom_attributes={"news_from_date": "2026-01-02", "description": "Long text"},
                category_links=[CategoryLink(category_id=category, position=3)],
                product_links=[ProductLink(link_type="related", linked_product_sku="existing", position=1)],
                media_gallery_entries=[MediaEntry(file="/r/1.jpg", label="One", types=["image"])],
                tier_prices=[TierPrice(qty=5, value=2)],
                stock=StockInput(qty=4),
                website_ids=[1],
            ),
        ],
        "updates and a new product": [
            ProductInput(sku="existing", name="Existing, renamed"),
            ProductInput(sku="p-1", name="Back again", price=1, custom_attributes={"description": "Now with text"}),
            plain("p-3"),
        ],
    }
    for name, batch in batches.items():
        for store_id, read_store_id in ((0, 0), (0, 2), (2, 2)):
            with engine.begin() as conn:
                answered = repo.save_and_get_many(conn, batch, store_id, read_store_id, events=NO_EVENTS)
                read = repo.get_many(conn, [product.sku for product in batch], read_store_id)
                assert answered == read, f"{name}, saved at {store_id}, read at {read_store_id}"
                assert [record.sku for record in answered] == [product.sku for product in batch]
            with engine.begin() as conn:  # and once more as new products: the skipping path again
                repo.delete(conn, [product.sku for product in batch if product.sku != "existing"], events=NO_EVENTS)
    with engine.begin() as conn:
        (related,) = repo.save_and_get_many(
            conn, batches["new, with every relation and a date"][1:], 0, 0, events=NO_EVENTS
        )
    assert [link.linked_product_sku for link in related.product_links] == ["existing"]
    assert [entry.file for entry in related.media_gallery_entries] == ["/r/1.jpg"]
    assert [(price.qty, price.value) for price in related.tier_prices] == [(5, 2)]
    assert [link.category_id for link in related.category_links] == [category]
    assert related.custom_attributes["news_from_date"] == "2026-01-02 00:00:00"


def test_ids_by_sku_for_a_whole_bunch_finds_each_sku_as_asked(engine: Engine) -> None:
    """More skus than one statement's list (an import's bunch; on PostgreSQL one array): every stored one is found,
    keyed by the spelling asked for, and the unknown ones are left out."""
    from datetime import datetime

    from conveyor.catalog.eav.values import IN_CHUNK

    stored = [f"Bunch-{n:05d}" for n in range(IN_CHUNK + 500)]
    when = datetime(2026, 1, 1)
    with engine.begin() as conn:
        conn.execute(
            product_table.insert(),
            [
                {"sku": sku, "type_id": "simple", "attribute_set_id": 4, "created_at": when, "updated_at": when}
                for sku in stored
            ],
        )
        ids = dict(conn.execute(sa.select(product_table.c.sku, product_table.c.entity_id)).all())
    asked = [*stored[::2], "bunch-00001", "Bunch-missing", *stored[1:40:2]]
    with engine.connect() as conn:
        found = repo.ids_by_sku(conn, asked)
    expected = {sku: ids[sku] for sku in asked if sku in ids} | {"bunch-00001": ids["Bunch-00001"]}
    assert found == expected
