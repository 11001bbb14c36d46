"""The cell parsers, property-tested: every formatter's output parses back to what was formatted, and no text
— however broken — makes a parser raise anything but ParseError (which the importer reports as a RowError)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conveyor.importer.converters import ValueParsers, build_converter
from conveyor.importer.values import (
    ParseError,
    format_additional_attributes,
    format_associated,
    format_bundle_values,
    format_category_paths,
    format_records,
    format_variations,
    parse_additional_attributes,
    parse_associated,
    parse_bundle_values,
    parse_category_paths,
    parse_pairs,
    parse_positions,
    parse_source_items,
    parse_tier_prices,
    parse_variations,
)

codes = st.from_regex(r"[a-z_][a-z0-9_]{0,20}", fullmatch=True)
# Text as files hold it: any printable character except NUL (which no CSV carries).
text = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=40)
# Values without the separators of a code=value list (skus, labels in variations and bundles).
plain = (
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters=",|=\x00"),
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(bool)
)
names = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=20)
    .map(str.strip)
    .filter(bool)
)
PARSERS: list[Callable[[str], Any]] = [
    parse_additional_attributes,
    parse_variations,
    parse_associated,
    parse_bundle_values,
    parse_category_paths,
    parse_pairs,
    parse_positions,
    parse_tier_prices,
    parse_source_items,
]


@given(st.dictionaries(codes, text, max_size=6))
def test_additional_attributes_round_trip(values: dict[str, str]) -> None:
    assert parse_additional_attributes(format_additional_attributes(values)) == values


def test_additional_attributes_as_magento_writes_them() -> None:
    text = 'activity=Gym|Hiking,material=Lycra&reg;|EverCool&trade;,color="Black, matte",size="55 ""cm"""'
    assert parse_additional_attributes(text) == {
        "activity": "Gym|Hiking",
        "material": "Lycra&reg;|EverCool&trade;",
        "color": "Black, matte",
        "size": '55 "cm"',
    }
    # a fragment without '=' continues the previous value (Magento's reading of unquoted commas)
    assert parse_additional_attributes("style=Tee,Tank,sale=Yes") == {"style": "Tee,Tank", "sale": "Yes"}
    with pytest.raises(ParseError, match="given twice"):
        parse_additional_attributes("a=1,a=2")
    with pytest.raises(ParseError, match="not an attribute code"):
        parse_additional_attributes("9lives=1")


@given(st.lists(st.tuples(plain, st.dictionaries(codes.filter(lambda c: c != "sku"), plain, max_size=3)), max_size=5))
def test_variations_round_trip(variations: list[tuple[str, dict[str, str]]]) -> None:
    assert parse_variations(format_variations(variations)) == variations


@given(st.lists(st.tuples(plain, st.one_of(st.none(), st.decimals(0, 1000, places=4).map(str))), max_size=5))
def test_associated_round_trip(children: list[tuple[str, str | None]]) -> None:
    assert parse_associated(format_associated(children)) == children


selection = st.fixed_dictionaries(
    {"name": plain, "sku": plain},
    optional={"type": st.sampled_from(["radio", "select"]), "price": plain, "default": st.sampled_from(["0", "1"])},
)


@given(st.lists(selection, max_size=5))
def test_bundle_values_round_trip(selections: list[dict[str, str]]) -> None:
    assert parse_bundle_values(format_bundle_values(selections)) == selections


@given(st.lists(st.lists(names, min_size=1, max_size=4).map(tuple), max_size=4, unique=True))
def test_category_paths_round_trip(paths: list[tuple[str, ...]]) -> None:
    assert parse_category_paths(format_category_paths(paths)) == paths


def test_category_paths_with_quoted_names() -> None:
    text = 'Default Category/Gear,"Default Category/""Deine/Meine""/Produkte","Default Category/Test-Cat,1"'
    assert parse_category_paths(text) == [
        ("Default Category", "Gear"),
        ("Default Category", "Deine/Meine", "Produkte"),
        ("Default Category", "Test-Cat,1"),
    ]
    with pytest.raises(ParseError, match="empty name"):
        parse_category_paths("Default Category//Bags")


record = st.fixed_dictionaries({"qty": plain, "price": plain}, optional={"website": plain, "customer_group": plain})


@given(st.lists(record, max_size=4))
def test_tier_prices_round_trip(records: list[dict[str, str]]) -> None:
    assert parse_tier_prices(format_records(records)) == records


@given(st.lists(st.one_of(st.none(), st.integers(-1000, 1000)), max_size=6))
def test_positions_round_trip(positions: list[int | None]) -> None:
    text = ",".join("" if p is None else str(p) for p in positions)
    assert parse_positions(text) == (positions if text or positions != [None] else [])


@settings(max_examples=300)
@given(text)
def test_no_parser_crashes_on_garbage(garbage: str) -> None:
    for parse in PARSERS:
        with contextlib.suppress(ParseError):
            parse(garbage)


@given(st.decimals(min_value=Decimal("-99999999999999"), max_value=Decimal("99999999999999"), places=2))
def test_decimals_with_thousands_separators_round_trip(number: Decimal) -> None:
    english = ValueParsers()
    german = ValueParsers(decimal_separator=",", thousands_separator=".")
    assert english.decimal(f"{number:,.2f}") == number
    assert german.decimal(f"{number:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")) == number
    assert english.decimal(str(number)) == number


@given(text)
def test_typed_readings_of_garbage_raise_only_parse_errors(garbage: str) -> None:
    parsers = ValueParsers()
    for read in (parsers.decimal, parsers.integer, parsers.boolean, parsers.datetime):
        with contextlib.suppress(ParseError):
            read(garbage)


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2068, 12, 31)))
def test_magento_dates_round_trip(moment: datetime) -> None:
    parsers = ValueParsers()
    minute = moment.replace(second=0, microsecond=0)
    assert parsers.datetime(minute.strftime("%m/%d/%y, %I:%M %p").lstrip("0")) == minute
    assert parsers.datetime(moment.strftime("%Y-%m-%d %H:%M:%S")) == moment.replace(microsecond=0)


def test_dates_in_a_time_zone_are_stored_as_utc() -> None:
    berlin = ValueParsers(date_formats=["%d.%m.%Y %H:%M"], timezone="Europe/Berlin")
    assert berlin.datetime("21.10.2016 11:10") == datetime(2016, 10, 21, 9, 10)
    assert ValueParsers().datetime("10/21/16, 0:00 AM") == datetime(2016, 10, 21, 0, 0)


def test_column_converters() -> None:
    mapped = build_converter({"type": "map", "values": {"rot": "Red"}, "strict": True})
    assert mapped("rot") == "Red"
    with pytest.raises(ParseError):
        mapped("grün")
    assert build_converter({"type": "decimal", "separator": ",", "thousands": "."})("1.234,50") == "1234.5"
    assert build_converter({"type": "date", "formats": ["%d.%m.%Y"]})("21.10.2016") == "2016-10-21 00:00:00"
    assert build_converter({"type": "boolean", "true": ["J"], "false": ["N"]})("J") == "1"
    assert build_converter({"type": "separator", "from": ";", "to": "|"})("a;b") == "a|b"
    assert build_converter({"type": "replace", "pattern": r"\s+", "with": " "})("a \n b") == "a b"
    with pytest.raises(ValueError, match="unknown converter"):
        build_converter({"type": "teleport"})
