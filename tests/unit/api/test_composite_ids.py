"""The ids Magento sends as text in configurable and bundle payloads (attribute ids, link ids): ASCII digits only."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conveyor.api.errors import ApiError
from conveyor.api.resources.configurable import text_id


@given(st.integers(min_value=0, max_value=2**31 - 1), st.booleans())
def test_digits_and_numbers_are_read_as_ids(number: int, as_text: bool) -> None:
    assert text_id(str(number) if as_text else number, "option.attribute_id") == number


@given(st.text(min_size=1).filter(lambda text: not (text.isascii() and text.isdigit())))
def test_anything_else_is_a_400_naming_the_field(text: str) -> None:
    with pytest.raises(ApiError) as raised:
        text_id(text, "linkedProduct.id")
    assert (raised.value.status, raised.value.parameters) == (400, [text, "linkedProduct.id"])


def test_unicode_digits_and_absence() -> None:
    with pytest.raises(ApiError):
        text_id("١٢", "option.attribute_id")
    assert text_id(None, "x") is None and text_id("", "x") is None
