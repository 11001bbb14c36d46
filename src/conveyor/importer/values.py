"""Parsers (and their inverse formatters) for the structured cells of Magento's import format.

Each parser takes the cell's text and returns plain Python values or raises ``ParseError`` with a message
that names what is wrong; the entity importer turns that into a RowError with the file, line and column.
They never touch the database. Formatters exist so that files can be generated (benchmarks, exports) and so
that every parser is tested as a round trip.

Formats (Magento 2 / TechDivision):
- additional_attributes: ``code=value,code="value, with comma"`` (``|`` between the values of a multiselect;
  a fragment without ``=`` continues the previous value, as Magento reads it);
- configurable_variations: ``sku=A,size=XS,color=Red|sku=B,size=S,color=Red``;
- configurable_variation_labels / configurable_variations_position / bundle_values_position: ``code=value,…``;
- associated_skus: ``SKU=qty,SKU`` (qty optional);
- bundle_values: ``name=…,type=radio,required=1,sku=…,price=…,default=1,default_qty=1,price_type=fixed|…``;
- categories: comma-separated paths, each ``Default Category/Gear/Bags``, with CSV quoting for names that hold
  the separators (``"Deine/Meine"``);
- tier_prices: ``qty=10,price=20,value_type=fixed,website=All Websites,customer_group=ALL GROUPS|…``;
- inventory_source_items: ``source_code=default,quantity=10,status=1|…``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence

_CODE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ParseError(ValueError):
    """A cell's text does not follow its format; the message says how (``column``: which cell, when the
    parser reads several)."""

    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.column = column


# -- simple lists -------------------------------------------------------------------------------------------


def parse_text(text: str, delimiter: str = ",", enclosure: str = '"') -> list[str]:
    """One CSV-like line (a categories cell, a path, a list of option labels): the csv module's rules."""
    if not text:
        return []
    try:
        return next(csv.reader([text], delimiter=delimiter, quotechar=enclosure, strict=False), [])
    except csv.Error as error:
        raise ParseError(f"The value cannot be read as a list: {error}.") from None


def split_list(text: str, separator: str = ",") -> list[str]:
    """``a, b,,c`` → ['a', 'b', 'c']: trimmed, empty items dropped."""
    if not text:
        return []
    return [item.strip() for item in text.split(separator) if item.strip()]


def split_positional(text: str, separator: str = ",") -> list[str]:
    """``a,,c`` → ['a', '', 'c']: items kept in place (labels and positions pair with images and skus by index)."""
    if not text:
        return []
    return [item.strip() for item in text.split(separator)]


def parse_positions(text: str, separator: str = ",") -> list[int | None]:
    """``2,,1`` → [2, None, 1]."""
    positions: list[int | None] = []
    for item in split_positional(text, separator):
        if not item:
            positions.append(None)
            continue
        try:
            positions.append(int(item))
        except ValueError:
            raise ParseError(f'"{item}" is not a whole number.') from None
    return positions


# -- code=value lists ---------------------------------------------------------------------------------------


def parse_pairs(text: str, separator: str = ",") -> dict[str, str]:
    """``color=Color,size=Size`` → {'color': 'Color', 'size': 'Size'} (keys as written)."""
    pairs: dict[str, str] = {}
    for item in split_list(text, separator):
        key, equals, value = item.partition("=")
        key = key.strip()
        if not equals or not key:
            raise ParseError(f'"{item}" is not of the form code=value.')
        pairs[key] = value.strip()
    return pairs


def format_pairs(pairs: Mapping[str, object], separator: str = ",") -> str:
    return separator.join(f"{key}={value}" for key, value in pairs.items())


def parse_additional_attributes(text: str, separator: str = ",") -> dict[str, str]:
    """``code=value,code="quoted, value"`` → {code: raw value}; multi-values stay joined (split by the type)."""
    values: dict[str, str] = {}
    if not text or not text.strip():
        return values
    position = 0
    size = len(text)
    last: str | None = None
    while position < size:
        end_of_code = text.find("=", position)
        next_separator = text.find(separator, position)
        if end_of_code < 0 or (0 <= next_separator < end_of_code):
            # a fragment without '=': Magento reads it as the rest of the previous value
            end = size if next_separator < 0 else next_separator
            fragment = text[position:end]
            if last is None:
                if fragment.strip():
                    raise ParseError(f'"{fragment.strip()}" is not of the form code=value.')
            else:
                values[last] = values[last] + separator + fragment
            position = end + len(separator)
            continue
        code = text[position:end_of_code].strip()
        if not _CODE.fullmatch(code):
            raise ParseError(f'"{code}" is not an attribute code.')
        position = end_of_code + 1
        if text.startswith('"', position):
            value, position = _quoted(text, position)
            if position < size and not text.startswith(separator, position):
                raise ParseError(f'The quoted value of "{code}" is followed by text.')
            position += len(separator)
        else:
            end = text.find(separator, position)
            if end < 0:
                end = size
            value = text[position:end]
            position = end + len(separator)
        if code in values:
            raise ParseError(f'"{code}" is given twice.')
        values[code] = value
        last = code
    return values


def _quoted(text: str, start: int) -> tuple[str, int]:
    """The value of a quoted field starting at ``start`` (``""`` is a quote) and the position after it."""
    parts: list[str] = []
    position = start + 1
    while True:
        end = text.find('"', position)
        if end < 0:
            raise ParseError("A quoted value is not closed.")
        parts.append(text[position:end])
        if text.startswith('"', end + 1):
            parts.append('"')
            position = end + 2
            continue
        return "".join(parts), end + 1


def format_additional_attributes(values: Mapping[str, str], separator: str = ",") -> str:
    """The inverse of ``parse_additional_attributes``: values holding a separator, '=' or '"' are quoted."""
    items = []
    for code, value in values.items():
        text = value
        if separator in value or '"' in value or "=" in value or value != value.strip():
            text = '"' + value.replace('"', '""') + '"'
        items.append(f"{code}={text}")
    return separator.join(items)


# -- configurable ---------------------------------------------------------------------------------------------


def parse_variations(text: str, separator: str = "|", field_separator: str = ",") -> list[tuple[str, dict[str, str]]]:
    """``sku=A,size=XS|sku=B,size=S`` → [('A', {'size': 'XS'}), ('B', {'size': 'S'})]."""
    variations: list[tuple[str, dict[str, str]]] = []
    for item in text.split(separator):
        if not item.strip():
            continue
        pairs = parse_pairs(item, field_separator)
        sku = pairs.pop("sku", "").strip()
        if not sku:
            raise ParseError(f'The variation "{item.strip()}" has no sku.')
        variations.append((sku, pairs))
    return variations


def format_variations(
    variations: Sequence[tuple[str, Mapping[str, str]]], separator: str = "|", field_separator: str = ","
) -> str:
    return separator.join(
        field_separator.join([f"sku={sku}", *(f"{k}={v}" for k, v in values.items())]) for sku, values in variations
    )


# -- grouped --------------------------------------------------------------------------------------------------


def parse_associated(text: str, separator: str = ",") -> list[tuple[str, str | None]]:
    """``A=1.0000,B`` → [('A', '1.0000'), ('B', None)]: children with their default quantity."""
    children: list[tuple[str, str | None]] = []
    for item in split_list(text, separator):
        sku, equals, qty = item.rpartition("=") if "=" in item else (item, "", "")
        sku = sku.strip()
        if not sku:
            raise ParseError(f'"{item}" names no sku.')
        children.append((sku, qty.strip() if equals else None))
    return children


def format_associated(children: Sequence[tuple[str, object | None]], separator: str = ",") -> str:
    return separator.join(sku if qty is None else f"{sku}={qty}" for sku, qty in children)


# -- bundle ---------------------------------------------------------------------------------------------------

BUNDLE_KEYS = frozenset(
    {"name", "type", "required", "sku", "price", "default", "default_qty", "price_type", "can_change_qty"}
    | {"selection_position", "position"}
)


def parse_bundle_values(text: str, separator: str = "|", field_separator: str = ",") -> list[dict[str, str]]:
    """Bundle selections, each a dict of the keys Magento writes (name and sku required)."""
    selections: list[dict[str, str]] = []
    for item in text.split(separator):
        if not item.strip():
            continue
        pairs = parse_pairs(item, field_separator)
        unknown = sorted(set(pairs) - BUNDLE_KEYS)
        if unknown:
            raise ParseError(f'"{unknown[0]}" is not a bundle selection field.')
        if not pairs.get("name"):
            raise ParseError(f'The bundle selection "{item.strip()}" has no option name.')
        if not pairs.get("sku"):
            raise ParseError(f'The bundle selection "{item.strip()}" has no sku.')
        selections.append(pairs)
    return selections


def format_bundle_values(selections: Sequence[Mapping[str, object]], separator: str = "|") -> str:
    return separator.join(",".join(f"{k}={v}" for k, v in selection.items()) for selection in selections)


# -- categories -------------------------------------------------------------------------------------------------


def parse_category_paths(text: str, separator: str = ",", path_separator: str = "/") -> list[tuple[str, ...]]:
    """Comma-separated category paths → segment tuples; CSV quoting protects separators inside names."""
    paths: list[tuple[str, ...]] = []
    for path in parse_text(text, separator):
        if not path.strip():
            continue
        segments = tuple(segment.strip() for segment in parse_text(path, path_separator))
        if not segments or any(not segment for segment in segments):
            raise ParseError(f'The category path "{path}" has an empty name.')
        if segments not in paths:
            paths.append(segments)
    return paths


def format_category_paths(paths: Iterable[Sequence[str]], separator: str = ",", path_separator: str = "/") -> str:
    """The inverse of ``parse_category_paths``: names holding a separator or quote are quoted."""

    def quote(text: str, special: str) -> str:
        if special in text or '"' in text or text != text.strip():
            return '"' + text.replace('"', '""') + '"'
        return text

    return separator.join(
        quote(path_separator.join(quote(segment, path_separator) for segment in path), separator) for path in paths
    )


# -- tier prices and source items ------------------------------------------------------------------------------

TIER_PRICE_KEYS = frozenset({"qty", "price", "value_type", "website", "customer_group"})
SOURCE_ITEM_KEYS = frozenset({"source_code", "quantity", "status"})


def parse_records(
    text: str, keys: frozenset[str], required: Sequence[str], separator: str = "|"
) -> list[dict[str, str]]:
    """``k=v,k=v|k=v,…`` records whose keys must be among ``keys`` and include ``required``."""
    records: list[dict[str, str]] = []
    for item in text.split(separator):
        if not item.strip():
            continue
        pairs = parse_pairs(item)
        unknown = sorted(set(pairs) - keys)
        if unknown:
            raise ParseError(f'"{unknown[0]}" is not one of {", ".join(sorted(keys))}.')
        missing = [key for key in required if not pairs.get(key)]
        if missing:
            raise ParseError(f'"{item.strip()}" has no {missing[0]}.')
        records.append(pairs)
    return records


def parse_tier_prices(text: str) -> list[dict[str, str]]:
    return parse_records(text, TIER_PRICE_KEYS, ("qty", "price"))


def parse_source_items(text: str) -> list[dict[str, str]]:
    return parse_records(text, SOURCE_ITEM_KEYS, ("source_code",))


def format_records(records: Sequence[Mapping[str, object]], separator: str = "|") -> str:
    return separator.join(format_pairs(record) for record in records)


__all__ = [
    "ParseError",
    "format_additional_attributes",
    "format_associated",
    "format_bundle_values",
    "format_category_paths",
    "format_pairs",
    "format_records",
    "format_variations",
    "parse_additional_attributes",
    "parse_associated",
    "parse_bundle_values",
    "parse_category_paths",
    "parse_pairs",
    "parse_positions",
    "parse_source_items",
    "parse_text",
    "parse_tier_prices",
    "parse_variations",
    "split_list",
    "split_positional",
]
