"""Magento's ``fields=`` partial responses: ``items[sku,name],total_count`` keeps only the listed keys, nested too.

The same rules as Magento's ``FieldsFilter``: names of letters, digits and underscores, ``[...]`` for a nested
filter, ``,`` between names. A filter on a list applies to each of its items; a listed key that the response
lacks is simply absent; a key listed without brackets is kept whole. Applied to every synchronous response (read,
search and write) that is an object or a list; an empty ``fields=`` is no filter, as in Magento.
"""

from __future__ import annotations

import re
from typing import Any

Filter = dict[str, "Filter | None"]  # a name maps to its nested filter, or None: keep the value whole

_ALLOWED = re.compile(r"[A-Za-z0-9_\[\],]+")


def parse(text: str) -> Filter | None:
    """The filter ``text`` describes; None if it is malformed (another character, unbalanced brackets)."""
    if not _ALLOWED.fullmatch(text):
        return None
    current: Filter = {}
    stack: list[Filter] = []
    start: int | None = None
    for position, char in enumerate(text):
        if char not in "[],":
            if start is None:
                start = position
            continue
        if start is not None:
            current[text[start:position]] = None
            start = None
        if char == "[":
            stack.append(current)
            current = {}
        elif char == "]":
            if not stack:
                return None
            parent = stack.pop()
            last = next(reversed(parent), "")  # Magento: the nested filter belongs to the name just before "["
            parent[last] = current
            current = parent
    if stack:
        return None
    if start is not None:
        current[text[start:]] = None
    return current


def apply(data: Any, fields: Filter) -> Any:
    """``data`` with only the keys ``fields`` lists; a list is filtered item by item."""
    if isinstance(data, list):
        return [apply(item, fields) for item in data]
    if not isinstance(data, dict):
        return data
    kept = {}
    for key, value in data.items():
        if key in fields:
            nested = fields[key]
            kept[key] = value if nested is None else apply(value, nested)
    return kept


def render(fields: Filter) -> str:
    """The text of a filter (``parse(render(f)) == f`` for a filter without empty names)."""
    return ",".join(name if nested is None else f"{name}[{render(nested)}]" for name, nested in fields.items())
