"""Attributes, options, labels and attribute sets on the three databases, Magento's seed data, and the
parsers that turn payload values into stored values (property-based)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from conveyor.catalog import NO_EVENTS
from conveyor.catalog.categories.repository import category_table
from conveyor.catalog.defaults import ensure_catalog_defaults
from conveyor.catalog.eav.attributes import (
    AttributeInput,
    AttributeOption,
    AttributeRepository,
    attribute_group_table,
    attribute_table,
    entity_attribute_table,
    load_attributes,
    validate_code,
)
from conveyor.catalog.eav.values import (
    format_datetime,
    format_url_key,
    parse_datetime,
    parse_decimal,
    parse_id_list,
    parse_int,
)
from conveyor.catalog.errors import DuplicateError, InvalidValueError, NotFoundError
from conveyor.catalog.inventory.source_items import source_table
from conveyor.catalog.products.models import ProductInput
from conveyor.catalog.products.repository import ProductRepository, product_values
from tests.integration.catalog.product_fixtures import add_store_view, in_default_set, table_count

repo = AttributeRepository()


def test_magento_defaults_are_seeded_once(engine: Engine) -> None:
    with engine.begin() as conn:
        tables = (attribute_table, attribute_group_table, entity_attribute_table, category_table, source_table)
        before = [table_count(conn, table) for table in tables]
        ensure_catalog_defaults(conn)  # idempotent
        assert [table_count(conn, table) for table in tables] == before
        product = load_attributes(conn, "catalog_product")
        category = load_attributes(conn, "catalog_category")
        default_set = repo.get_set(conn, 4)
        category_set = repo.get_set(conn, 3)
    expected = {
        "name": ("varchar", 0),
        "sku": ("static", 1),
        "price": ("decimal", 2),
        "special_price": ("decimal", 2),
        "cost": ("decimal", 2),
        "weight": ("decimal", 1),
        "status": ("int", 2),
        "visibility": ("int", 0),
        "tax_class_id": ("int", 2),
        "url_key": ("varchar", 0),
        "description": ("text", 0),
        "short_description": ("text", 0),
        "meta_title": ("varchar", 0),
        "meta_keyword": ("text", 0),
        "meta_description": ("varchar", 0),
        "news_from_date": ("datetime", 2),
        "news_to_date": ("datetime", 2),
        "country_of_manufacture": ("varchar", 2),
        "color": ("int", 1),
        "size": ("int", 1),
        "manufacturer": ("int", 1),
        "image": ("varchar", 0),
        "small_image": ("varchar", 0),
        "thumbnail": ("varchar", 0),
        "swatch_image": ("varchar", 0),
        "gift_message_available": ("varchar", 0),
    }
    assert {code: (product[code].backend_type, product[code].scope) for code in expected} == expected
    assert (product["status"].default_value, product["visibility"].default_value) == ("1", "4")
    assert product["sku"].is_unique and product["name"].is_required and not product["name"].is_user_defined
    for code in (
        "name",
        "url_key",
        "url_path",
        "is_active",
        "is_anchor",
        "include_in_menu",
        "description",
        "display_mode",
    ):
        assert code in category, code
    assert (default_set.attribute_set_name, default_set.entity_type_id) == ("Default", 4)
    groups = {g.attribute_group_name: g.attribute_codes for g in default_set.groups}
    assert list(groups)[:3] == ["Product Details", "Content", "Images"]
    assert {"name", "sku", "price", "status"} <= set(groups["Product Details"])
    assert set(groups["Images"]) >= {"image", "small_image", "thumbnail", "swatch_image"}
    assert (category_set.attribute_set_name, category_set.entity_type_id) == ("Default", 3)


def test_attribute_with_options_and_labels_round_trip(engine: Engine) -> None:
    with engine.begin() as conn:
        add_store_view(conn, 2, "german")
        attribute_id = repo.create(
            conn,
            AttributeInput(
                attribute_code="material",
                frontend_input="select",
                scope="global",
                default_frontend_label="Material",
                frontend_labels={2: "Stoff"},
                is_required=False,
                apply_to=["simple", "configurable"],
                properties={"is_filterable": 1, "is_searchable": True, "position": 3},
                options=[
                    AttributeOption(label="Cotton", sort_order=2, store_labels={2: "Baumwolle"}),
                    AttributeOption(label="Wool", sort_order=1, is_default=True),
                ],
            ),
        )
        record = repo.get(conn, "material")
    assert record.attribute_id == attribute_id
    assert (record.backend_type, record.frontend_input, record.scope, record.is_user_defined) == (
        "int",
        "select",
        "global",
        True,
    )
    assert (record.default_frontend_label, record.frontend_labels, record.apply_to) == (
        "Material",
        {2: "Stoff"},
        ["simple", "configurable"],
    )
    assert (record.properties["is_filterable"], record.properties["is_searchable"], record.properties["position"]) == (
        1,
        True,
        3,
    )
    assert [(o.label, o.sort_order, o.is_default, o.store_labels) for o in record.options] == [
        ("Wool", 1, True, {}),
        ("Cotton", 2, False, {2: "Baumwolle"}),
    ]
    wool, cotton = (o.value for o in record.options)

    with engine.begin() as conn:
        assert repo.option_ids(conn, "material", ["cotton", "WOOL"]) == {"cotton": cotton, "WOOL": wool}
        assert repo.option_ids(conn, "material", ["Baumwolle"], store_id=2) == {"Baumwolle": cotton}
        with pytest.raises(InvalidValueError, match='"material" attribute value is not valid: Silk'):
            repo.option_ids(conn, "material", ["Silk"])
        added = repo.option_ids(conn, "material", ["Silk", "Wool", "silk"], add_missing=True)
        assert added["Wool"] == wool and added["Silk"] == added["silk"] and added["Silk"] not in (wool, cotton)
        # replacing the options keeps ids matched by id or label and deletes the rest
        repo.save(
            conn,
            AttributeInput(
                attribute_code="material",
                frontend_input="select",
                scope="global",
                default_frontend_label="Fabric",
                options=[
                    AttributeOption(label="Cotton (organic)", value=cotton),
                    AttributeOption(label="silk"),
                    AttributeOption(label="Linen"),
                ],
            ),
        )
        updated = repo.get(conn, "material")
    labels = {o.label: o.value for o in updated.options}
    assert labels["Cotton (organic)"] == cotton and labels["silk"] == added["Silk"]
    assert wool not in labels.values() and len(labels) == 3
    assert updated.default_frontend_label == "Fabric" and updated.frontend_labels == {2: "Stoff"}


def test_attribute_errors_and_deletion(engine: Engine) -> None:
    with engine.begin() as conn:
        with pytest.raises(InvalidValueError, match='Attribute code "1st" is invalid'):
            repo.save(conn, AttributeInput(attribute_code="1st"))
        with pytest.raises(InvalidValueError, match='"scope" attribute value is not valid: galaxy'):
            repo.save(conn, AttributeInput(attribute_code="thing", scope="galaxy"))
        with pytest.raises(DuplicateError, match=r"same code \(name\) already exists"):
            repo.create(conn, AttributeInput(attribute_code="name"))
        with pytest.raises(InvalidValueError, match="system attribute can't be deleted"):
            repo.delete(conn, "name")
        with pytest.raises(NotFoundError, match='"ghost" attributeCode'):
            repo.get(conn, "ghost")
        repo.save(conn, AttributeInput(attribute_code="warranty", frontend_input="text", scope="website"))
        in_default_set(conn, "warranty")  # a product saves only its set's attributes
        ProductRepository().save(
            conn, ProductInput(sku="w", name="W", price=1, custom_attributes={"warranty": "2 years"}), events=NO_EVENTS
        )
        assert ProductRepository().get(conn, "w").custom_attributes["warranty"] == "2 years"
        warranty_id = repo.get(conn, "warranty").attribute_id
        repo.delete(conn, "warranty")
        varchar = product_values["varchar"]
        assert table_count(conn, varchar, varchar.c.attribute_id == warranty_id) == 0
        assert "warranty" not in ProductRepository().get(conn, "w").custom_attributes
        assert [a.attribute_code for a in repo.get_list(conn, "catalog_category")][:1] == ["name"]


def test_an_update_merges_into_the_stored_attribute(engine: Engine) -> None:
    with engine.begin() as conn:
        repo.save(
            conn, AttributeInput(attribute_code="name", default_frontend_label="Title", properties={"position": 9})
        )
        name = repo.get(conn, "name")
        assert (name.default_frontend_label, name.properties["position"]) == ("Title", 9)
        # untouched: the system flag, requiredness, scope, input and backend
        assert (name.is_user_defined, name.is_required, name.scope, name.frontend_input, name.backend_type) == (
            False,
            True,
            "store",
            "text",
            "varchar",
        )
        with pytest.raises(InvalidValueError, match="system attribute can't be deleted"):
            repo.delete(conn, "name")
        with pytest.raises(InvalidValueError, match='"backend_type" attribute value is not valid: int'):
            repo.save(conn, AttributeInput(attribute_code="name", backend_type="int"))
        repo.save(conn, AttributeInput(attribute_code="gift_note", frontend_input="textarea", apply_to=["simple"]))
        repo.save(conn, AttributeInput(attribute_code="gift_note", apply_to=[]))
        created = repo.get(conn, "gift_note")
    assert (created.backend_type, created.scope, created.is_user_defined, created.apply_to) == (
        "text",
        "store",
        True,
        [],
    )


def test_attribute_sets_groups_and_assignments(engine: Engine) -> None:
    with engine.begin() as conn:
        set_id = repo.create_set(conn, "Bags")
        with pytest.raises(DuplicateError, match='A "Bags" attribute set name already exists'):
            repo.create_set(conn, "Bags")
        group_id = repo.add_group(conn, set_id, "Bag Details")
        repo.save(conn, AttributeInput(attribute_code="strap_length", frontend_input="text"))
        repo.assign(conn, set_id, group_id, "strap_length", sort_order=5)
        repo.unassign(conn, set_id, "meta_title")
        bags, default = repo.get_set(conn, set_id), repo.get_set(conn, 4)
        with pytest.raises(NotFoundError):
            repo.get_set(conn, 999)
        names = [s.attribute_set_name for s in repo.list_sets(conn)]
    assert names == ["Default", "Bags"]
    groups = {g.attribute_group_name: g.attribute_codes for g in bags.groups}
    assert groups["Bag Details"] == ["strap_length"]
    assert [g.attribute_group_name for g in bags.groups][:-1] == [g.attribute_group_name for g in default.groups]
    assert "meta_title" not in groups["Search Engine Optimization"]
    assert "meta_title" in {c for g in default.groups for c in g.attribute_codes}  # the skeleton is unchanged
    with engine.begin() as conn:  # a product in the new set
        ProductRepository().save(
            conn, ProductInput(sku="bag", name="Bag", price=1, attribute_set_id=set_id), events=NO_EVENTS
        )
        assert ProductRepository().get(conn, "bag").attribute_set_id == set_id


def test_required_user_attributes_of_the_set_are_enforced_on_create(engine: Engine) -> None:
    with engine.begin() as conn:
        repo.save(conn, AttributeInput(attribute_code="ean", frontend_input="text", is_required=True))
        set_id = repo.create_set(conn, "Retail")
        group = repo.get_set(conn, set_id).groups[0].attribute_group_id
        repo.assign(conn, set_id, group, "ean")
    with pytest.raises(InvalidValueError, match='The "ean" attribute value is empty'), engine.begin() as conn:
        ProductRepository().save(
            conn, ProductInput(sku="r", name="R", price=1, attribute_set_id=set_id), events=NO_EVENTS
        )
    with engine.begin() as conn:
        ProductRepository().save(
            conn, ProductInput(sku="r4", name="R", price=1), events=NO_EVENTS
        )  # the Default set lacks "ean"
        ProductRepository().save(
            conn,
            ProductInput(sku="r", name="R", price=1, attribute_set_id=set_id, custom_attributes={"ean": "400"}),
            events=NO_EVENTS,
        )
        assert ProductRepository().get(conn, "r").custom_attributes["ean"] == "400"


# -- parsers ------------------------------------------------------------------------------------------------

_seconds = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)


@given(_seconds)
def test_datetime_round_trips_through_magento_text(moment: datetime) -> None:
    text = format_datetime(moment)
    assert text is not None and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", text)
    assert parse_datetime(text) == moment
    assert parse_datetime(moment.isoformat()) == moment
    assert parse_datetime(moment.date().isoformat()) == moment.replace(hour=0, minute=0, second=0)


@given(_seconds.filter(lambda d: d.year > 1900), st.integers(min_value=-12 * 60, max_value=14 * 60))
def test_aware_timestamps_are_stored_as_utc(moment: datetime, offset_minutes: int) -> None:
    aware = moment.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    assert parse_datetime(aware.isoformat()) == aware.astimezone(UTC).replace(tzinfo=None)


@given(st.text(max_size=30))
def test_datetime_parser_accepts_or_names_the_field(text: str) -> None:
    try:
        parsed = parse_datetime(text, "news_from_date")
    except InvalidValueError as error:
        assert '"news_from_date"' in str(error)
    else:
        assert parsed.tzinfo is None and parsed.microsecond == 0


@given(st.text(max_size=60))
def test_url_keys_are_lowercase_dashed_and_stable(name: str) -> None:
    key = format_url_key(name)
    assert re.fullmatch(r"([a-z0-9]+(-[a-z0-9]+)*)?", key)
    assert format_url_key(key) == key


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**13), max_value=10**13, places=6))
def test_decimals_parse_from_text_and_numbers(number: Decimal) -> None:
    assert parse_decimal(str(number), "price") == number
    assert parse_decimal(f"  {number}  ", "price") == number


@given(st.text(max_size=12))
def test_decimal_parser_rejects_garbage_by_field(text: str) -> None:
    try:
        parsed = parse_decimal(text, "price")
    except InvalidValueError as error:
        assert '"price"' in str(error)
    else:
        assert parsed.is_finite() and parsed == parsed.quantize(Decimal("0.000001"))


@given(st.lists(st.integers(min_value=1, max_value=10**9), max_size=8))
def test_multiselect_ids_from_list_or_comma_text(ids: list[int]) -> None:
    unique = list(dict.fromkeys(ids))
    assert parse_id_list(ids, "features") == unique
    assert parse_id_list(",".join(map(str, ids)), "features") == unique
    assert all(parse_int(str(i), "features") == i for i in ids)


@given(st.text(max_size=70))
def test_attribute_codes_follow_magentos_rule(code: str) -> None:
    valid = re.fullmatch(r"[a-zA-Z][a-zA-Z0-9_]{0,59}", code) is not None
    try:
        assert validate_code(code) == code
        assert valid
    except InvalidValueError:
        assert not valid
