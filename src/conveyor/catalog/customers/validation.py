"""Field checks shared by customers and orders, raising Magento's messages with the field's name.

They run in Python before anything is written, so a batch fails before its first statement.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from conveyor.catalog.customers.tables import parse_timestamp, utc_now
from conveyor.catalog.errors import InvalidValueError

REQUIRED = '"%1" is required. Enter and try again.'
INVALID = 'Invalid value of "%1" provided for the %2 field.'
NOT_AN_EMAIL = '"%1" is not a valid email address.'
TOO_LONG = '"%1" cannot be longer than %2 characters.'

# One '@', no spaces, a dot in the domain: what Magento's validator rejects in practice, without RFC parsing.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


def invalid(field: str, value: object) -> InvalidValueError:
    """Magento's 'Invalid value of "%1" provided for the %2 field.'."""
    return InvalidValueError(INVALID, [str(value), field])


def required_text(field: str, value: str | None) -> str:
    """``value`` stripped; missing or blank is Magento's '"%1" is required.'."""
    text = (value or "").strip()
    if not text:
        raise InvalidValueError(REQUIRED, [field])
    return text


def optional_text(value: str | None) -> str | None:
    """``value`` stripped, blank as None."""
    text = (value or "").strip()
    return text or None


def email_address(field: str, value: str | None, length: int = 191) -> str:
    """A lower-cased, stripped email address; the message names ``field``."""
    text = required_text(field, value).lower()
    if not _EMAIL.fullmatch(text):
        raise InvalidValueError(NOT_AN_EMAIL, [field])
    if len(text) > length:
        raise InvalidValueError(TOO_LONG, [field, str(length)])
    return text


def date_of_birth(field: str, value: str | date | None) -> date | None:
    """A date in the past from 'YYYY-MM-DD' (a time part is ignored, as Magento ignores it)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        try:
            day = datetime.fromisoformat(value.strip()).date()  # the written day, whatever a time zone says
        except ValueError:
            raise invalid(field, value) from None
    if day > utc_now().date() or day.year < 1900:
        raise invalid(field, value)
    return day


def timestamp(field: str, value: str | datetime | None) -> datetime | None:
    """A stored timestamp from Magento's text (or a datetime); None when absent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        raise invalid(field, value) from None


def check_lengths(table: sa.Table, row: Mapping[str, Any], names: Mapping[str, str] | None = None) -> None:
    """Refuse text longer than its column (PostgreSQL and strict MariaDB would fail the whole statement).

    ``names`` maps a column to the payload field to name in the message, when they differ.
    """
    for column, value in row.items():
        if not isinstance(value, str):
            continue
        length = getattr(table.c[column].type, "length", None)
        if length is not None and len(value) > length:
            field = (names or {}).get(column, column)
            raise InvalidValueError(TOO_LONG, [field, str(length)])
