"""The one check of a sku the API is given, in a path (``/V1/products/{sku}``, ``{productSku}``, ``{childSku}`` …)
or in a body (``sku``, ``…_sku``, ``skus``).

Magento's rules: at most 64 characters (``Sku::SKU_MAX_LENGTH``, "SKU length should be %1 characters maximum."),
not empty. Magento trims a product's sku when it saves it; Conveyor refuses surrounding whitespace instead, so that
a sku in a path and the stored sku are never two different strings (``/V1/products/%20A`` is not product ``A``).
Also refused, with a 400 naming the field: control characters (a newline), NUL, lone surrogates, and U+FFFD, which
is what a path's invalid UTF-8 (``%ED%A0%80``) decodes to: no shop has such a sku, and storing one loses the bytes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from conveyor.api.errors import INVALID, REQUIRED, ApiError

SKU_MAX_LENGTH = 64
SKU_TOO_LONG = "SKU length should be %1 characters maximum."
# C0 and C1 controls, DEL, U+FFFD (undecodable bytes), lone surrogates, line and paragraph separators
_REFUSED = re.compile("[\x00-\x1f\x7f-\x9f\ufffd\ud800-\udfff\u2028\u2029]")


def is_sku_param(name: str) -> bool:
    """Whether a path parameter holds a sku, by Magento's naming: ``sku``, ``productSku``, ``childSku`` …"""
    return name == "sku" or name.endswith("Sku")


def is_sku_key(name: str) -> bool:
    """Whether a body field holds a sku: ``sku`` and ``…_sku`` (``skus`` holds a list of them)."""
    return name == "sku" or name.endswith("_sku")


def check_sku(value: str, field: str = "sku") -> str:
    """``value`` if it is a sku Magento could store and look up; otherwise a 400 naming ``field``."""
    if not value:
        raise ApiError(400, REQUIRED, [field])
    if _REFUSED.search(value) or value != value.strip():
        shown = _REFUSED.sub("\ufffd", value)
        raise ApiError(400, INVALID, [shown if len(shown) <= 80 else shown[:77] + "...", field])
    if len(value) > SKU_MAX_LENGTH:
        raise ApiError(400, SKU_TOO_LONG, [str(SKU_MAX_LENGTH)])
    return value


def check_skus(data: Any, field: str = "") -> None:
    """Check every sku in a request body (any depth): ``sku`` and ``…_sku`` values, and the items of ``skus``.

    An empty one is left to the handler: a custom option's ``sku`` may be empty, a product's may not (the catalog
    says which, naming the attribute)."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            name = f"{field}.{key}" if field else str(key)
            if isinstance(value, str) and is_sku_key(str(key)):
                if value:
                    check_sku(value, name)
            elif key == "skus" and isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, str) and item:
                        check_sku(item, f"{name}.{index}")
            else:
                check_skus(value, name)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            check_skus(item, f"{field}.{index}" if field else str(index))
