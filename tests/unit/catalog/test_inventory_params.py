"""The inventory routes' query parsers: numbers in ASCII only, indexed ``skus[i]`` and ``skuRequests[i][…]`` read
back in index order whatever order the query lists them in."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conveyor.api.errors import ApiError
from conveyor.api.resources.inventory_params import parse_number
from conveyor.api.resources.inventory_sales import parse_sku_requests, parse_skus

skus = st.text(st.characters(codec="utf-8"), min_size=1, max_size=20)
quantities = st.decimals(min_value=-(10**7), max_value=10**7, places=4, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(skus, quantities), min_size=1, max_size=8), st.randoms())
def test_sku_requests_come_back_in_index_order(pairs: list[tuple[str, Decimal]], rng: object) -> None:
    items = [(f"skuRequests[{i}][sku]", sku) for i, (sku, _) in enumerate(pairs)]
    items += [(f"skuRequests[{i}][qty]", str(qty)) for i, (_, qty) in enumerate(pairs)]
    rng.shuffle(items)  # type: ignore[attr-defined]
    assert parse_sku_requests(dict(items)) == pairs


@given(st.lists(skus, min_size=1, max_size=12))
def test_skus_come_back_in_index_order(values: list[str]) -> None:
    query = {f"skus[{i}]": value for i, value in reversed(list(enumerate(values)))}
    assert parse_skus(query) == values


@given(quantities)
def test_numbers_read_back(value: Decimal) -> None:
    assert parse_number(str(value), "qty") == value


@pytest.mark.parametrize("text", ["١٢", "1e999", "nan", "inf", "", "1,5", " 1", "100000000"])
def test_numbers_outside_ascii_or_range_are_refused(text: str) -> None:
    with pytest.raises(ApiError) as refused:
        parse_number(text, "qty")
    assert refused.value.parameters == [text, "qty"]


def test_a_request_without_its_quantity_names_the_field() -> None:
    with pytest.raises(ApiError) as refused:
        parse_sku_requests({"skuRequests[0][sku]": "A", "skuRequests[1][sku]": "B", "skuRequests[1][qty]": "1"})
    assert refused.value.parameters == ["skuRequests[0][qty]"]
    with pytest.raises(ApiError):
        parse_skus({"other": "A"})
