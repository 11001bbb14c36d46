"""The JSON Schema of a decimal column's values, for the API document and for any model that validates them.

It lives with the database layer because it describes what a column (``Numeric(p, s)``) can hold; the API
document and the order documents below the API both declare their amounts with it.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any


def bounded_decimal(largest: Decimal, places: int, minimum: Decimal | None = None) -> dict[str, Any]:
    """A ``Decimal`` field's schema for a column holding up to ``largest`` at ``places``: a number within
    ±``largest`` (from ``minimum`` when given), or decimal text with fewer integer digits than ``largest`` and no
    exponent (JSON Schema does not compare text as a number)."""
    positive = minimum is not None and minimum > 0
    whole = "[0-9]{0," + str(len(str(int(largest))) - 1) + "}"
    if positive:  # a digit other than zero among those a column keeps
        text = "^(?=0*(?:[1-9]|\\.0{0," + str(places - 1) + "}[1-9]))0*" + whole + "(?:\\.[0-9]*)?(?![\\s\\S])"
    elif minimum is not None and minimum == 0:  # not negative: a minus sign only before a zero ("-0.0")
        text = "^(?:[+]?(?=\\.?[0-9])0*" + whole + "(?:\\.[0-9]*)?|-(?=\\.?0)0*(?:\\.0*)?)(?![\\s\\S])"
    else:
        text = "^[+-]?(?=\\.?[0-9])0*" + whole + "(?:\\.[0-9]*)?(?![\\s\\S])"
    return {
        "anyOf": [
            {
                "type": "number",
                "minimum": _within(-largest if minimum is None else minimum, lower=True),
                "maximum": _within(largest, lower=False),
            },
            {"type": "string", "pattern": text},
        ]
    }


def _within(bound: Decimal, lower: bool) -> float:
    """The float nearest ``bound`` inside the range it bounds (``float()`` rounds 99999999999999.9999 up to 10^14)."""
    near = float(bound)
    if lower and Decimal(near) < bound:
        return math.nextafter(near, math.inf)
    if not lower and Decimal(near) > bound:
        return math.nextafter(near, -math.inf)
    return near
