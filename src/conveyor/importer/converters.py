"""Value converters: how the text of a cell becomes a date, a number, a flag — and the registry of column
converters a profile names, which users extend through the ``conveyor.import_converters`` entry point.

Two layers, both configured by the profile:
- ``ValueParsers`` reads typed values the way the source writes them (``10/21/16, 9:11 AM``, ``3.600,22``,
  ``Yes``); the entity importers use it for every cell by the attribute's type.
- column converters rewrite one column's text before the importer sees it (a mapping of codes, a
  different multi-value separator, a custom function): ``converters: {color: {type: map, values: {rot: Red}}}``.
  A converter is ``factory(options) -> (text -> text)``; it raises ``ParseError`` for text it cannot convert.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from conveyor.importer.values import ParseError
from conveyor.plugins import default_plugins

Converter = Callable[[str], str]
ConverterFactory = Callable[[Mapping[str, Any]], Converter]

DEFAULT_DATE_FORMATS = (
    "%m/%d/%y, %I:%M %p",  # Magento's export: 10/21/16, 9:11 AM
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
    "%m/%d/%y",
    "%m/%d/%Y",
)
DEFAULT_TRUE = ("1", "yes", "true", "y", "on", "enabled")
DEFAULT_FALSE = ("0", "no", "false", "n", "off", "disabled")
# Beyond 14 integer digits a value does not fit the catalog's decimal columns (20 digits, 6 decimals).
_MAX_DECIMAL = Decimal(10) ** 14
_SIX = Decimal("0.000001")
_ZERO_HOUR = re.compile(r"(^|\D)0:(?=\d\d\s*[AaPp][Mm])")


class ValueParsers:
    """Typed readings of cell text, configured once per import (results of dates are cached: files repeat them)."""

    def __init__(
        self,
        *,
        date_formats: Sequence[str] = DEFAULT_DATE_FORMATS,
        decimal_separator: str = ".",
        thousands_separator: str = ",",
        true_values: Sequence[str] = DEFAULT_TRUE,
        false_values: Sequence[str] = DEFAULT_FALSE,
        timezone: str | None = None,
    ) -> None:
        if decimal_separator == thousands_separator:
            raise ValueError("the decimal and thousands separators must differ")
        self.date_formats = tuple(date_formats)
        self.decimal_separator = decimal_separator
        self.thousands_separator = thousands_separator
        self.true_values = frozenset(v.lower() for v in true_values)
        self.false_values = frozenset(v.lower() for v in false_values)
        try:
            self.zone = ZoneInfo(timezone) if timezone else None
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {timezone!r}") from None
        self._dates: dict[str, datetime] = {}
        grouping = re.escape(thousands_separator)
        point = re.escape(decimal_separator)
        self._number = re.compile(
            rf"[+-]?(?:\d{{1,3}}(?:{grouping}\d{{3}})+|\d+)(?:{point}\d*)?|[+-]?{point}\d+"
            if thousands_separator
            else rf"[+-]?\d+(?:{point}\d*)?|[+-]?{point}\d+"
        )

    def decimal(self, text: str) -> Decimal:
        """``3,600.22`` (or ``3.600,22`` with the separators swapped) → Decimal, at most six decimals."""
        value = text.strip()
        if not self._number.fullmatch(value):
            raise ParseError(f'"{text}" is not a number.')
        if self.thousands_separator:
            value = value.replace(self.thousands_separator, "")
        if self.decimal_separator != ".":
            value = value.replace(self.decimal_separator, ".")
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ParseError(f'"{text}" is not a number.') from None
        if abs(number) >= _MAX_DECIMAL:
            raise ParseError(f'"{text}" is too large.')
        return number.quantize(_SIX)

    def integer(self, text: str) -> int:
        value = text.strip()
        try:
            return int(value)
        except ValueError:
            number = self.decimal(value)
            if number != number.to_integral_value():
                raise ParseError(f'"{text}" is not a whole number.') from None
            return int(number)

    def boolean(self, text: str) -> bool:
        value = text.strip().lower()
        if value in self.true_values:
            return True
        if value in self.false_values:
            return False
        raise ParseError(f'"{text}" is not a yes/no value.')

    def datetime(self, text: str) -> datetime:
        """A date or timestamp in one of the profile's formats; naive UTC (converted from ``timezone``)."""
        cached = self._dates.get(text)
        if cached is not None:
            return cached
        value = text.strip()
        parsed: datetime | None = None
        for date_format in self.date_formats:
            try:
                parsed = datetime.strptime(value, date_format)
                break
            except ValueError:
                continue
        if parsed is None and _ZERO_HOUR.search(value):  # Magento writes midnight as "0:00 AM"
            return self.datetime(_ZERO_HOUR.sub(r"\g<1>12:", value))
        if parsed is None:
            raise ParseError(f'"{text}" is not a date in a known format.')
        if self.zone is not None:
            parsed = parsed.replace(tzinfo=self.zone).astimezone(UTC).replace(tzinfo=None)
        if len(self._dates) < 100_000:
            self._dates[text] = parsed
        return parsed


# -- column converters ----------------------------------------------------------------------------------------


def map_converter(options: Mapping[str, Any]) -> Converter:
    """``{type: map, values: {J: Yes, N: No}, strict: false}``: replace whole values (unmapped kept unless strict)."""
    values = {str(k): str(v) for k, v in dict(options.get("values") or {}).items()}
    strict = bool(options.get("strict", False))

    def convert(text: str) -> str:
        if text in values:
            return values[text]
        if strict and text:
            raise ParseError(f'"{text}" is not one of {", ".join(sorted(values))}.')
        return text

    return convert


def date_converter(options: Mapping[str, Any]) -> Converter:
    """``{type: date, formats: ["%d.%m.%Y"]}`` → Magento's ``YYYY-MM-DD HH:MM:SS``."""
    parsers = ValueParsers(date_formats=list(options.get("formats") or DEFAULT_DATE_FORMATS))
    return lambda text: parsers.datetime(text).strftime("%Y-%m-%d %H:%M:%S") if text.strip() else text


def decimal_converter(options: Mapping[str, Any]) -> Converter:
    """``{type: decimal, separator: ",", thousands: "."}`` → ``1234.5``."""
    parsers = ValueParsers(
        decimal_separator=str(options.get("separator", ".")), thousands_separator=str(options.get("thousands", ""))
    )

    def convert(text: str) -> str:
        if not text.strip():
            return text
        return format(parsers.decimal(text).normalize(), "f")

    return convert


def boolean_converter(options: Mapping[str, Any]) -> Converter:
    """``{type: boolean, true: [J], false: [N]}`` → ``1`` / ``0``."""
    parsers = ValueParsers(
        true_values=[str(v) for v in options.get("true", DEFAULT_TRUE)],
        false_values=[str(v) for v in options.get("false", DEFAULT_FALSE)],
    )
    return lambda text: ("1" if parsers.boolean(text) else "0") if text.strip() else text


def separator_converter(options: Mapping[str, Any]) -> Converter:
    """``{type: separator, from: ";", to: "|"}``: rewrite a multi-value separator."""
    old, new = str(options.get("from", ";")), str(options.get("to", "|"))
    return lambda text: text.replace(old, new)


def replace_converter(options: Mapping[str, Any]) -> Converter:
    """``{type: replace, pattern: "\\s+", with: " "}``: a regular-expression substitution."""
    pattern = re.compile(str(options.get("pattern", "")))
    replacement = str(options.get("with", ""))
    return lambda text: pattern.sub(replacement, text)


def trim_converter(_options: Mapping[str, Any]) -> Converter:
    """``{type: trim}``: surrounding white space removed."""
    return str.strip


def lower_converter(_options: Mapping[str, Any]) -> Converter:
    """``{type: lower}``: lower case."""
    return str.lower


def upper_converter(_options: Mapping[str, Any]) -> Converter:
    """``{type: upper}``: upper case."""
    return str.upper


def converter_factories() -> dict[str, ConverterFactory]:
    """Every ``conveyor.import_converters`` plug-in by name (the built-ins are entry points too)."""
    return default_plugins().converters.load_all()


def build_converter(spec: Mapping[str, Any]) -> Converter:
    """A converter from its profile spec (``{type: name, …options}``); PluginError (a ValueError) if unknown."""
    return default_plugins().converters.load(str(spec.get("type", "")))(spec)


__all__ = [
    "Converter",
    "ConverterFactory",
    "ValueParsers",
    "boolean_converter",
    "build_converter",
    "converter_factories",
    "date_converter",
    "decimal_converter",
    "lower_converter",
    "map_converter",
    "replace_converter",
    "separator_converter",
    "trim_converter",
    "upper_converter",
]
