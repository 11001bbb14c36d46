"""The ``fields=`` parser and filter, against Magento's FieldsFilter rules."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from conveyor.api.fields import Filter, apply, parse, render

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCXYZ0123456789_", min_size=1, max_size=8)
filters: st.SearchStrategy[Filter] = st.recursive(
    st.dictionaries(names, st.none(), min_size=1, max_size=4),
    lambda children: st.dictionaries(names, st.none() | children, min_size=1, max_size=4),
    max_leaves=12,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(names, children, max_size=4),
    max_leaves=15,
)


def test_magentos_examples() -> None:
    assert parse("items[sku,name],total_count") == {"items": {"sku": None, "name": None}, "total_count": None}
    assert parse("sku,extension_attributes[stock_item[qty]]") == {
        "sku": None,
        "extension_attributes": {"stock_item": {"qty": None}},
    }
    response = {
        "sku": "a",
        "name": "A",
        "extension_attributes": {"stock_item": {"qty": 5, "item_id": 1}, "website_ids": [1]},
    }
    assert apply(response, parse("sku,extension_attributes[stock_item[qty]]") or {}) == {
        "sku": "a",
        "extension_attributes": {"stock_item": {"qty": 5}},
    }
    page = {"items": [{"sku": "a", "name": "A", "price": 1}, {"sku": "b", "price": 2}], "total_count": 2}
    assert apply(page, parse("items[sku,name],total_count") or {}) == {
        "items": [{"sku": "a", "name": "A"}, {"sku": "b"}],
        "total_count": 2,
    }
    assert apply([{"id": 1, "code": "x"}], {"id": None}) == [{"id": 1}]  # a list response: each item


def test_malformed_filters_are_refused() -> None:
    for text in ("", "a b", "a[b", "a]", "a[b]]", "[[a]", "a;b", "a.b", "sku,\u0661", "é"):
        assert parse(text) is None, text


@given(filters)
def test_render_then_parse_gives_the_filter_back(wanted: Filter) -> None:
    assert parse(render(wanted)) == wanted


@given(json_values, filters)
def test_the_filter_keeps_only_listed_keys_and_never_invents_any(data: Any, wanted: Filter) -> None:
    kept = apply(data, wanted)

    def check(original: Any, result: Any, rules: Filter) -> None:
        if isinstance(original, list):
            assert isinstance(result, list) and len(result) == len(original)
            for before, after in zip(original, result, strict=True):
                check(before, after, rules)
        elif isinstance(original, dict):
            assert set(result) == set(original) & set(rules)
            for key, value in result.items():
                nested = rules[key]
                if nested is None:
                    assert value == original[key]
                else:
                    check(original[key], value, nested)
        else:
            assert result == original

    check(data, kept, wanted)


@given(st.text(max_size=30))
def test_any_text_parses_or_is_refused_without_an_error(text: str) -> None:
    result = parse(text)
    assert result is None or isinstance(result, dict)
