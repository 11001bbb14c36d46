"""Query and path values of the inventory read routes: numbers in ASCII only (``Decimal`` alone would read
``١٢`` as 12), finite and within the quantity columns' range."""

from __future__ import annotations

import re
from decimal import Decimal

from conveyor.api.errors import INVALID, ApiError

_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
LIMIT = Decimal(10) ** 8  # NUMERIC(12, 4)


def parse_number(text: str, field: str) -> Decimal:
    """A decimal from ``text`` (PHP's is_numeric, in ASCII), else Magento's 400 naming the field."""
    if not _NUMBER.fullmatch(text):
        raise ApiError(400, INVALID, [text, field])
    value = Decimal(text)
    if abs(value) >= LIMIT:
        raise ApiError(400, INVALID, [text, field])
    return value
