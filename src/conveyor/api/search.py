"""Magento's ``searchCriteria``: parsed from the query string, translated to SQL over a repository's field map.

The query string is Magento's, key for key::

    searchCriteria[filter_groups][0][filters][0][field]=code
    searchCriteria[filter_groups][0][filters][0][value]=%25sale%25
    searchCriteria[filter_groups][0][filters][0][condition_type]=like
    searchCriteria[sortOrders][0][field]=id&searchCriteria[sortOrders][0][direction]=DESC
    searchCriteria[pageSize]=20&searchCriteria[currentPage]=2

Filters of one group are OR-ed, groups are AND-ed. snake_case and camelCase spellings are both accepted (Magento
accepts both); the echo in the response uses snake_case as Magento's does. Anything malformed is an ``ApiError``
400 naming the parameter, never a server error.

A repository exposes ``FIELDS: Mapping[str, ColumnElement]`` (API field name to column) and a base select; the
route calls ``search_rows(conn, select, criteria, FIELDS)`` (or ``apply`` for a custom query). Filter values are
converted with the column's Python type (int, Decimal, bool, datetime, str), so ``"5"`` compares as a number on
an integer column and ``"abc"`` there is a 400.

Semantics follow Magento on MySQL on all three databases: ``like`` is case-insensitive (``%`` and ``_`` are the
wildcards, ``\\`` escapes them), ``in``/``nin`` take comma-separated values, NULL never matches a comparison,
ascending sorts put NULL first; ``seq``/``sneq`` are ``eq``/``neq`` but an empty value means ``null``/``notnull``;
``regexp`` is a case-insensitive search in the common subset of the three databases' regular expressions.
Magento's ``ntoa`` (MySQL's INET_NTOA) and ``is`` (not usable through REST) are not served.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, NamedTuple, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.elements import ColumnElement

from conveyor.api.errors import INVALID, REQUIRED, TOO_LONG, TOO_MANY, ApiError

CONDITIONS = (
    "eq",
    "neq",
    "like",
    "nlike",
    "in",
    "nin",
    "gt",
    "gteq",
    "lt",
    "lteq",
    "moreq",
    "null",
    "notnull",
    "from",
    "to",
    "finset",
    "nfinset",
    "seq",
    "sneq",
    "regexp",
)
VALUELESS = ("null", "notnull")
DIRECTIONS = ("ASC", "DESC")
UNKNOWN_PARAMETER = '"%1" is not a search criteria parameter.'
MAX_INDEX = 999
# Bounds that keep every criteria inside what all three databases execute (SQLite refuses LIKE patterns over
# 50,000 bytes, expression trees deeper than 1,000 and more than 32,766 parameters); a request past one is a 400
# naming the parameter, never a 500. The value length is a setting (CONVEYOR_API_SEARCH_MAX_VALUE_LENGTH).
MAX_VALUE_LENGTH = 8192  # characters of one filter value: at most 32 KiB of UTF-8, escaped LIKE patterns included
MAX_FILTERS = 200  # filters over all groups
MAX_LIST_VALUES = 10_000  # comma-separated values of every in / nin filter together
MAX_SORT_ORDERS = 20
MAX_PAGE = 2**31 - 1
LIKE_ESCAPE = "/"  # not a backslash: MariaDB string literals would treat it as an escape of their own

ROOT = "searchCriteria"
_KEY = re.compile(r"searchCriteria((?:\[[^\[\]]*\])*)")
_PART = re.compile(r"\[([^\[\]]*)\]")
_INDEX = re.compile(r"[0-9]{1,6}")
_NUMBER = re.compile(r"[0-9]{1,10}")
_INT = re.compile(r"[+-]?[0-9]{1,19}")  # ASCII only: int() reads other scripts' digits too
_REGEXP = re.compile(r"[A-Za-z0-9 _.,:/@#%&'\"!=<>~*+?^$|()\[\]-]{1,255}")
_ALIASES = {
    "filterGroups": "filter_groups",
    "sortOrders": "sort_orders",
    "pageSize": "page_size",
    "currentPage": "current_page",
    "conditionType": "condition_type",
}


# --- the criteria --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filter:
    field: str
    value: str | None = None  # None only for the null / notnull conditions
    condition_type: str = "eq"


@dataclass(frozen=True)
class FilterGroup:
    filters: tuple[Filter, ...]


@dataclass(frozen=True)
class SortOrder:
    field: str
    direction: str = "ASC"


@dataclass(frozen=True)
class SearchCriteria:
    filter_groups: tuple[FilterGroup, ...] = ()
    sort_orders: tuple[SortOrder, ...] = ()
    page_size: int | None = None
    current_page: int | None = None

    def echo(self) -> dict[str, Any]:
        """The ``search_criteria`` part of a search response, as Magento echoes it."""
        groups = []
        for group in self.filter_groups:
            filters = []
            for f in group.filters:
                item: dict[str, Any] = {"field": f.field}
                if f.value is not None:
                    item["value"] = f.value
                item["condition_type"] = f.condition_type
                filters.append(item)
            groups.append({"filters": filters})
        echo: dict[str, Any] = {"filter_groups": groups}
        if self.sort_orders:
            echo["sort_orders"] = [{"field": s.field, "direction": s.direction} for s in self.sort_orders]
        if self.page_size is not None:
            echo["page_size"] = self.page_size
        if self.current_page is not None:
            echo["current_page"] = self.current_page
        return echo

    def to_query(self) -> list[tuple[str, str]]:
        """The query-string pairs that ``parse`` reads back into these criteria (for clients and tests)."""
        pairs: list[tuple[str, str]] = []
        for g, group in enumerate(self.filter_groups):
            for f, item in enumerate(group.filters):
                key = f"{ROOT}[filter_groups][{g}][filters][{f}]"
                pairs.append((f"{key}[field]", item.field))
                if item.value is not None:
                    pairs.append((f"{key}[value]", item.value))
                pairs.append((f"{key}[condition_type]", item.condition_type))
        for s, order in enumerate(self.sort_orders):
            pairs.append((f"{ROOT}[sortOrders][{s}][field]", order.field))
            pairs.append((f"{ROOT}[sortOrders][{s}][direction]", order.direction))
        if self.page_size is not None:
            pairs.append((f"{ROOT}[pageSize]", str(self.page_size)))
        if self.current_page is not None:
            pairs.append((f"{ROOT}[currentPage]", str(self.current_page)))
        return pairs


# --- parsing -------------------------------------------------------------------------------------------------
@dataclass
class _Slots:
    """Values by index while parsing; indexes may be sparse and in any order."""

    groups: dict[int, dict[int, dict[str, tuple[str, str]]]] = field(default_factory=dict)
    sorts: dict[int, dict[str, tuple[str, str]]] = field(default_factory=dict)
    page_size: tuple[str, str] | None = None
    current_page: tuple[str, str] | None = None


def parse(pairs: Iterable[tuple[str, str]], *, max_value_length: int = MAX_VALUE_LENGTH) -> SearchCriteria:
    """Criteria from query-string pairs; pairs outside ``searchCriteria`` are ignored, a later key wins.

    Every value is bounded (``max_value_length`` characters; ``MAX_FILTERS``, ``MAX_LIST_VALUES`` and
    ``MAX_SORT_ORDERS`` in all): past a bound is a 400 naming the parameter.
    """
    slots = _Slots()
    for key, value in pairs:
        if not key.startswith(ROOT):
            continue
        match = _KEY.fullmatch(key)
        if match is None:
            raise ApiError(400, UNKNOWN_PARAMETER, [key])
        if len(value) > max_value_length:
            raise ApiError(400, TOO_LONG, [key, str(max_value_length)])
        parts = [_ALIASES.get(p, p) for p in _PART.findall(match.group(1))]
        _place(slots, key, parts, value)
    _check_counts(slots)
    return SearchCriteria(
        filter_groups=tuple(
            FilterGroup(tuple(_filter(g, f, slots.groups[g][f]) for f in sorted(slots.groups[g])))
            for g in sorted(slots.groups)
        ),
        sort_orders=tuple(_sort(s, slots.sorts[s]) for s in sorted(slots.sorts)),
        page_size=_number(slots.page_size, minimum=0),
        current_page=_number(slots.current_page, minimum=1),
    )


def _check_counts(slots: _Slots) -> None:
    filters = [given for group in slots.groups.values() for given in group.values()]
    if len(filters) > MAX_FILTERS:
        raise ApiError(400, TOO_MANY, [f"{ROOT}[filter_groups]", str(MAX_FILTERS)])
    listed = sum(
        given["value"][1].count(",") + 1
        for given in filters
        if "value" in given and given.get("condition_type", ("", ""))[1].lower() in ("in", "nin")
    )
    if listed > MAX_LIST_VALUES:
        raise ApiError(400, TOO_MANY, [f"{ROOT}[filter_groups][…][filters][…][value]", str(MAX_LIST_VALUES)])
    if len(slots.sorts) > MAX_SORT_ORDERS:
        raise ApiError(400, TOO_MANY, [f"{ROOT}[sort_orders]", str(MAX_SORT_ORDERS)])


def _place(slots: _Slots, key: str, parts: list[str], value: str) -> None:
    if "\x00" in value:
        raise ApiError(400, INVALID, [value.replace("\x00", "\\0"), key])
    if not parts:
        return  # a bare ``searchCriteria`` (Magento clients send it for "everything")
    head, rest = parts[0], parts[1:]
    if head == "filter_groups" and len(rest) == 4 and rest[1] == "filters":
        if rest[3] in ("field", "value", "condition_type"):
            group = slots.groups.setdefault(_index(rest[0], key), {})
            group.setdefault(_index(rest[2], key), {})[rest[3]] = (key, value)
            return
    elif head == "sort_orders" and len(rest) == 2 and rest[1] in ("field", "direction"):
        slots.sorts.setdefault(_index(rest[0], key), {})[rest[1]] = (key, value)
        return
    elif head == "page_size" and not rest:
        slots.page_size = (key, value)
        return
    elif head == "current_page" and not rest:
        slots.current_page = (key, value)
        return
    raise ApiError(400, UNKNOWN_PARAMETER, [key])


def _index(text: str, key: str) -> int:
    if not _INDEX.fullmatch(text) or int(text) > MAX_INDEX:
        raise ApiError(400, INVALID, [text, key])
    return int(text)


def _filter(g: int, f: int, given: Mapping[str, tuple[str, str]]) -> Filter:
    prefix = f"{ROOT}[filter_groups][{g}][filters][{f}]"
    name = given.get("field", ("", ""))[1]
    if not name:
        raise ApiError(400, REQUIRED, [f"{prefix}[field]"])
    key, condition = given.get("condition_type", ("", "eq"))
    condition = condition.lower() or "eq"
    if condition not in CONDITIONS:
        raise ApiError(400, INVALID, [given["condition_type"][1], key])
    value = given["value"][1] if "value" in given else None
    if value is None and condition not in VALUELESS:
        raise ApiError(400, REQUIRED, [f"{prefix}[value]"])
    return Filter(field=name, value=value, condition_type=condition)


def _sort(s: int, given: Mapping[str, tuple[str, str]]) -> SortOrder:
    name = given.get("field", ("", ""))[1]
    if not name:
        raise ApiError(400, REQUIRED, [f"{ROOT}[sort_orders][{s}][field]"])
    key, direction = given.get("direction", ("", "ASC"))
    direction = direction.upper() or "ASC"
    if direction not in DIRECTIONS:
        raise ApiError(400, INVALID, [given["direction"][1], key])
    return SortOrder(field=name, direction=direction)


def _number(given: tuple[str, str] | None, minimum: int) -> int | None:
    if given is None:
        return None
    key, text = given
    if not _NUMBER.fullmatch(text.strip()) or not minimum <= int(text) <= MAX_PAGE:
        raise ApiError(400, INVALID, [text, key])
    return int(text)


# --- translation to SQL --------------------------------------------------------------------------------------
class Translation(NamedTuple):
    """What a select needs: ``query.where(where).order_by(*order_by).limit(limit).offset(offset)``."""

    where: ColumnElement[bool]
    order_by: list[ColumnElement[Any]]
    limit: int | None
    offset: int | None


def apply(
    criteria: SearchCriteria,
    fields: Mapping[str, ColumnElement[Any]],
    *,
    tiebreak: ColumnElement[Any] | None = None,
) -> Translation:
    """Translate ``criteria`` over ``fields`` (API name to column); an unknown field is a 400 naming it.

    ``tiebreak`` (usually the primary key) is appended to the order so that pages never overlap.
    """
    conditions: list[ColumnElement[bool]] = []
    for g, group in enumerate(criteria.filter_groups):
        alternatives = [
            _condition(item, fields, f"{ROOT}[filter_groups][{g}][filters][{f}]")
            for f, item in enumerate(group.filters)
        ]
        conditions.append(sa.or_(*alternatives) if len(alternatives) > 1 else alternatives[0])
    order_by: list[ColumnElement[Any]] = []
    for s, order in enumerate(criteria.sort_orders):
        column = _column(fields, order.field, f"{ROOT}[sort_orders][{s}][field]")
        descending = order.direction == "DESC"
        if getattr(column, "nullable", True):
            # MySQL's order on every database: NULL first ascending, last descending
            nulls = sa.case((column.is_(None), 0), else_=1)
            order_by.append(nulls.desc() if descending else nulls.asc())
        order_by.append(column.desc() if descending else column.asc())
    if tiebreak is not None:
        order_by.append(tiebreak.asc())
    limit = criteria.page_size or None
    offset = (criteria.current_page - 1) * limit if limit and criteria.current_page else None
    where = sa.and_(*conditions) if conditions else sa.true()
    return Translation(where=where, order_by=order_by, limit=limit, offset=offset or None)


def _column(fields: Mapping[str, ColumnElement[Any]], name: str, key: str) -> ColumnElement[Any]:
    column = fields.get(name)
    if column is None:
        raise ApiError(400, INVALID, [name, key])
    return column


def _condition(item: Filter, fields: Mapping[str, ColumnElement[Any]], prefix: str) -> ColumnElement[bool]:
    column = _column(fields, item.field, f"{prefix}[field]")
    kind = item.condition_type
    if kind == "null":
        return column.is_(None)
    if kind == "notnull":
        return column.is_not(None)
    raw = item.value if item.value is not None else ""
    value_key = f"{prefix}[value]"
    if kind in ("seq", "sneq"):  # Magento's "string" conditions: an empty value means NULL
        if raw == "":
            return column.is_(None) if kind == "seq" else column.is_not(None)
        kind = "eq" if kind == "seq" else "neq"
    if kind == "regexp":
        return _as_text(column).regexp_match(regexp_pattern(raw, value_key), flags="i")
    if kind in ("like", "nlike"):
        matched = _as_text(column).ilike(like_pattern(raw), escape=LIKE_ESCAPE)
        return matched if kind == "like" else sa.not_(matched)
    if kind in ("finset", "nfinset"):
        if "," in raw:  # MySQL's FIND_IN_SET never finds a needle holding the separator
            return sa.false() if kind == "finset" else _as_text(column).is_not(None)
        haystack = sa.literal(",") + _as_text(column) + sa.literal(",")
        found = haystack.like(f"%,{_escape_like(raw)},%", escape=LIKE_ESCAPE)
        return found if kind == "finset" else sa.not_(found)
    if kind in ("in", "nin"):
        values = [convert(column, part, value_key) for part in raw.split(",")]
        return column.in_(values) if kind == "in" else column.not_in(values)
    value = convert(column, raw, value_key)
    return _COMPARISONS[kind](column, value)


_COMPARISONS: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "eq": operator.eq,
    "neq": operator.ne,
    "gt": operator.gt,
    "gteq": operator.ge,
    "moreq": operator.ge,
    "from": operator.ge,
    "lt": operator.lt,
    "lteq": operator.le,
    "to": operator.le,
}


def _as_text(column: ColumnElement[Any]) -> ColumnElement[Any]:
    return column if _python_type(column) is str else sa.cast(column, sa.String)


def _python_type(column: ColumnElement[Any]) -> type:
    kind = column.type
    impl = getattr(kind, "impl_instance", None)
    try:
        return (impl or kind).python_type
    except NotImplementedError:
        return str


def convert(column: ColumnElement[Any], text: str, key: str) -> Any:
    """``text`` as the column's Python type; a value that is not one is a 400 naming ``key``."""
    kind = _python_type(column)
    try:
        if kind is bool:
            lowered = text.strip().lower()
            if lowered not in ("1", "0", "true", "false"):
                raise ValueError(text)
            return lowered in ("1", "true")
        if kind is int:
            if not _INT.fullmatch(text.strip()) or not -(2**63) <= int(text) < 2**63:
                raise ValueError(text)
            return int(text)
        if kind in (float, Decimal):
            if not text.isascii():  # Decimal() reads other scripts' digits too
                raise ValueError(text)
            number = Decimal(text.strip())
            if not number.is_finite() or abs(number) >= Decimal(10) ** 30:
                raise ValueError(text)
            return number if kind is Decimal else float(number)
        if kind is dt.datetime:
            return dt.datetime.fromisoformat(text.strip())
        if kind is dt.date:
            return dt.date.fromisoformat(text.strip()[:10])
    except (ValueError, InvalidOperation) as exc:
        raise ApiError(400, INVALID, [text, key]) from exc
    return text


def regexp_pattern(text: str, key: str) -> str:
    """A ``regexp`` filter's pattern, if every database reads it alike (MySQL's REGEXP, PostgreSQL's ``~*``,
    Python's ``re`` on SQLite): the common subset of characters, no backslash and no ``(?`` or ``{`` extension,
    and a pattern Python compiles; anything else is a 400 naming ``key``."""
    if not _REGEXP.fullmatch(text) or "(?" in text:
        raise ApiError(400, INVALID, [text, key])
    try:
        re.compile(text)
    except re.error as exc:
        raise ApiError(400, INVALID, [text, key]) from exc
    return text


def _escape_like(text: str) -> str:
    return text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")


def like_pattern(text: str) -> str:
    """A client's LIKE pattern (``%``/``_`` wildcards, ``\\`` escapes) in one escaping every database reads alike."""
    out: list[str] = []
    chars = iter(text)
    for char in chars:
        if char == "\\":
            literal = next(chars, "\\")
            out.append(_escape_like(literal))
        elif char in "%_":
            out.append(char)
        else:
            out.append(_escape_like(char))
    return "".join(out)


# --- running a search ----------------------------------------------------------------------------------------
def search_rows(
    conn: Connection,
    query: sa.Select[Any],
    criteria: SearchCriteria,
    fields: Mapping[str, ColumnElement[Any]],
    *,
    tiebreak: ColumnElement[Any] | None = None,
) -> tuple[Sequence[Row[Any]], int]:
    """The page of rows ``criteria`` select from ``query``, and the total count without paging."""
    translation = apply(criteria, fields, tiebreak=tiebreak)
    filtered = query.where(translation.where)
    rows = conn.execute(
        filtered.order_by(*translation.order_by).limit(translation.limit).offset(translation.offset)
    ).all()
    if translation.limit is None and translation.offset is None:
        return rows, len(rows)
    counted = sa.select(sa.func.count()).select_from(filtered.order_by(None).subquery())
    return rows, int(conn.execute(counted).scalar_one())


# --- response models -----------------------------------------------------------------------------------------
class FilterEcho(BaseModel):
    field: str
    value: str | None = None
    condition_type: str = "eq"


class FilterGroupEcho(BaseModel):
    filters: list[FilterEcho] = []


class SortOrderEcho(BaseModel):
    field: str
    direction: str = "ASC"


class SearchCriteriaEcho(BaseModel):
    filter_groups: list[FilterGroupEcho] = []
    sort_orders: list[SortOrderEcho] | None = None
    page_size: int | None = None
    current_page: int | None = None


T = TypeVar("T")


class SearchResults(BaseModel, Generic[T]):
    """Magento's search result: the page of items, the criteria echoed, and the count of all matches."""

    items: list[T]
    search_criteria: SearchCriteriaEcho
    total_count: int


def results(items: Sequence[Any], criteria: SearchCriteria, total: int) -> dict[str, Any]:
    """A search response body (validated by the route's ``SearchResults[...]`` model)."""
    return {"items": list(items), "search_criteria": criteria.echo(), "total_count": total}


R = TypeVar("R", bound=BaseModel)
# A store's search: (connection, where, order by, limit, offset) -> (the page's records, the count of all matches).
Search = Callable[
    [Connection, ColumnElement[bool], list[ColumnElement[Any]], int | None, int | None], tuple[Sequence[BaseModel], int]
]


def search_page(
    conn: Connection,
    criteria: SearchCriteria,
    fields: Mapping[str, ColumnElement[Any]],
    search: Search,
    model: type[R],
) -> R:
    """A search route's answer: ``criteria`` over the searchable ``fields``, run by ``search``, as ``model``."""
    translation = apply(criteria, fields)
    found, total = search(conn, translation.where, translation.order_by, translation.limit, translation.offset)
    return model.model_validate(results([record.model_dump() for record in found], criteria, total))
