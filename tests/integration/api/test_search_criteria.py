"""searchCriteria: the parser round-trips and refuses garbage with a 400; SQL agrees with a Python reference."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conveyor.api.errors import ApiError
from conveyor.api.search import (
    CONDITIONS,
    VALUELESS,
    Filter,
    FilterGroup,
    SearchCriteria,
    SortOrder,
    apply,
    like_pattern,
    parse,
    search_rows,
)
from conveyor.db import make_engine

# --- the parser ----------------------------------------------------------------------------------------------
text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12)
filters = st.builds(
    lambda field, condition, value: Filter(
        field, None if condition in VALUELESS and value is None else value, condition
    ),
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), min_size=1, max_size=10),
    st.sampled_from(CONDITIONS),
    text,
).filter(lambda f: f.value is not None or f.condition_type in VALUELESS) | st.builds(
    Filter, st.sampled_from(["id", "code"]), st.none(), st.sampled_from(VALUELESS)
)
criteria_strategy = st.builds(
    SearchCriteria,
    filter_groups=st.lists(
        st.builds(FilterGroup, st.lists(filters, min_size=1, max_size=3).map(tuple)), max_size=3
    ).map(tuple),
    sort_orders=st.lists(
        st.builds(
            SortOrder,
            st.text(min_size=1, max_size=8).filter(lambda s: "\x00" not in s),
            st.sampled_from(["ASC", "DESC"]),
        ),
        max_size=2,
    ).map(tuple),
    page_size=st.none() | st.integers(0, 2**31 - 1),
    current_page=st.none() | st.integers(1, 2**31 - 1),
)


@given(criteria_strategy)
def test_any_valid_criteria_round_trip_through_the_query_string(criteria: SearchCriteria) -> None:
    assert parse(criteria.to_query()) == criteria
    # and through real URL encoding, as a client sends them
    assert parse(parse_qsl(urlencode(criteria.to_query()), keep_blank_values=True)) == criteria


def test_camel_case_spellings_mean_the_same_and_the_echo_is_snake_case() -> None:
    camel = parse(
        [
            ("searchCriteria[filterGroups][0][filters][0][field]", "code"),
            ("searchCriteria[filterGroups][0][filters][0][value]", "a%"),
            ("searchCriteria[filterGroups][0][filters][0][conditionType]", "LIKE"),
            ("searchCriteria[sort_orders][0][field]", "id"),
            ("searchCriteria[sort_orders][0][direction]", "desc"),
            ("searchCriteria[page_size]", "5"),
            ("searchCriteria[current_page]", "2"),
            ("fields", "items[id]"),  # not ours: ignored
        ]
    )
    assert camel == SearchCriteria(
        (FilterGroup((Filter("code", "a%", "like"),)),), (SortOrder("id", "DESC"),), page_size=5, current_page=2
    )
    assert camel.echo() == {
        "filter_groups": [{"filters": [{"field": "code", "value": "a%", "condition_type": "like"}]}],
        "sort_orders": [{"field": "id", "direction": "DESC"}],
        "page_size": 5,
        "current_page": 2,
    }


def test_sparse_indexes_keep_their_order_and_groups_stay_apart() -> None:
    parsed = parse(
        [
            ("searchCriteria[filter_groups][7][filters][0][field]", "b"),
            ("searchCriteria[filter_groups][7][filters][0][value]", "2"),
            ("searchCriteria[filter_groups][2][filters][5][field]", "a"),
            ("searchCriteria[filter_groups][2][filters][5][value]", "1"),
            ("searchCriteria[filter_groups][2][filters][1][field]", "c"),
            ("searchCriteria[filter_groups][2][filters][1][condition_type]", "null"),
        ]
    )
    assert [[f.field for f in g.filters] for g in parsed.filter_groups] == [["c", "a"], ["b"]]
    assert parsed.filter_groups[0].filters[0] == Filter("c", None, "null")


@pytest.mark.parametrize(
    ("pairs", "named"),
    [
        ([("searchCriteria[pageSize]", "ten")], "searchCriteria[pageSize]"),
        ([("searchCriteria[pageSize]", "-1")], "searchCriteria[pageSize]"),
        ([("searchCriteria[currentPage]", "0")], "searchCriteria[currentPage]"),
        ([("searchCriteria[currentPage]", "99999999999")], "searchCriteria[currentPage]"),
        ([("searchCriteria[foo]", "1")], "searchCriteria[foo]"),
        (
            [("searchCriteria[filter_groups][x][filters][0][field]", "id")],
            "searchCriteria[filter_groups][x][filters][0][field]",
        ),
        ([("searchCriteriaX", "1")], "searchCriteriaX"),
        (
            [("searchCriteria[filter_groups][0][filters][0][value]", "1")],
            "searchCriteria[filter_groups][0][filters][0][field]",
        ),
        (
            [("searchCriteria[filter_groups][0][filters][0][field]", "id")],
            "searchCriteria[filter_groups][0][filters][0][value]",
        ),
        (
            [
                ("searchCriteria[filter_groups][0][filters][0][field]", "id"),
                ("searchCriteria[filter_groups][0][filters][0][value]", "1"),
                ("searchCriteria[filter_groups][0][filters][0][condition_type]", "similar"),
            ],
            "searchCriteria[filter_groups][0][filters][0][condition_type]",
        ),
        (
            [("searchCriteria[sortOrders][0][field]", "id"), ("searchCriteria[sortOrders][0][direction]", "UP")],
            "searchCriteria[sortOrders][0][direction]",
        ),
        ([("searchCriteria[sortOrders][0][direction]", "ASC")], "searchCriteria[sort_orders][0][field]"),
    ],
)
def test_garbage_is_a_400_naming_the_parameter(pairs: list[tuple[str, str]], named: str) -> None:
    with pytest.raises(ApiError) as raised:
        parse(pairs)
    assert raised.value.status == 400
    assert named in raised.value.parameters


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["searchCriteria", "searchCriteria[", "searchCriteria[filter_groups]"]).flatmap(
                lambda head: st.text("[]0123456789abcdefilrstuvgopnzSC_", max_size=40).map(lambda tail: head + tail)
            ),
            st.text(max_size=10),
        ),
        max_size=6,
    )
)
def test_random_keys_parse_or_fail_with_a_400_naming_a_given_key(pairs: list[tuple[str, str]]) -> None:
    try:
        parse(pairs)
    except ApiError as exc:
        assert exc.status == 400
        given_keys = {k for k, _ in pairs}
        named = " ".join(str(p) for p in exc.parameters)
        assert any(k in named for k in given_keys) or "searchCriteria[" in named


def test_unknown_fields_and_unconvertible_values_are_400s_naming_them() -> None:
    table = sa.table("t", sa.column("id", sa.Integer), sa.column("code", sa.String))
    fields: Mapping[str, Any] = {"id": table.c.id, "code": table.c.code}
    unknown = parse([("searchCriteria[sortOrders][0][field]", "price")])
    with pytest.raises(ApiError) as raised:
        apply(unknown, fields)
    assert raised.value.parameters == ["price", "searchCriteria[sort_orders][0][field]"]
    for value in ("abc", "1.5", "99999999999999999999", "1,x"):
        bad = SearchCriteria((FilterGroup((Filter("id", value, "in"),)),))
        with pytest.raises(ApiError) as raised:
            apply(bad, fields)
        assert list(raised.value.parameters)[1] == "searchCriteria[filter_groups][0][filters][0][value]"


def test_like_patterns_are_rewritten_with_one_escape_every_database_reads() -> None:
    assert like_pattern("a%b_c") == "a%b_c"
    assert like_pattern(r"50\%") == "50/%"  # a client's escaped wildcard stays literal
    assert like_pattern("a/b") == "a//b"
    assert like_pattern("end\\") == "end\\"  # a trailing backslash is a literal backslash


# --- SQL against a Python reference, on every database ---------------------------------------------------
scratch = sa.Table(
    "zz_search_scratch",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(16), nullable=True),
    sa.Column("qty", sa.Integer, nullable=True),
    sa.Column("price", sa.Numeric(12, 2), nullable=True),
    sa.Column("tags", sa.String(32), nullable=True),
)
FIELDS: Mapping[str, Any] = {c.name: c for c in scratch.c}
TYPES: dict[str, Any] = {"id": int, "name": str, "qty": int, "price": Decimal, "tags": str}

names = st.none() | st.text("abc", max_size=3)
row_strategy = st.fixed_dictionaries(
    {
        "name": names,
        "qty": st.none() | st.integers(-5, 5),
        "price": st.none() | st.decimals(-10, 10, places=2, allow_nan=False, allow_infinity=False),
        "tags": st.none() | st.lists(st.sampled_from(["a", "b", "c", ""]), max_size=3).map(",".join),
    }
)


def _value(field: str, condition: str) -> st.SearchStrategy[str | None]:
    if condition in VALUELESS:
        return st.none()
    if condition in ("like", "nlike"):
        alphabet = "-0123456789%_" if field in ("id", "qty") else "abcABC%_\\"
        return st.text(alphabet, max_size=4)
    if condition in ("finset", "nfinset"):
        return st.sampled_from(["a", "b", "c", "", "x", "a,b", "1", "-1"])
    if condition == "regexp":
        return st.text("aAb1.*^$|", min_size=1, max_size=4).filter(_compiles)
    single: st.SearchStrategy[str] = {
        "id": st.integers(0, 12).map(str),
        "qty": st.integers(-6, 6).map(str),
        "price": st.decimals(-11, 11, places=2, allow_nan=False, allow_infinity=False).map(str),
        "name": st.text("abc", max_size=3),
        "tags": st.text("abc,", max_size=4),
    }[field]
    if condition in ("in", "nin"):
        if field == "tags":  # commas separate the list
            return st.lists(st.text("abc", max_size=2), min_size=1, max_size=3).map(",".join)
        return st.lists(single, min_size=1, max_size=3).map(",".join)
    return single


@st.composite
def filter_for(draw: st.DrawFn) -> Filter:
    field = draw(st.sampled_from(list(FIELDS)))
    conditions = [
        c for c in CONDITIONS if not (field == "price" and c in ("like", "nlike", "finset", "nfinset", "regexp"))
    ]
    condition = draw(st.sampled_from(conditions))
    return Filter(field, draw(_value(field, condition)), condition)


db_criteria = st.builds(
    SearchCriteria,
    filter_groups=st.lists(
        st.builds(FilterGroup, st.lists(filter_for(), min_size=1, max_size=3).map(tuple)), max_size=3
    ).map(tuple),
    sort_orders=st.lists(
        st.builds(SortOrder, st.sampled_from(["name", "qty", "price", "id"]), st.sampled_from(["ASC", "DESC"])),
        max_size=2,
    ).map(tuple),
    page_size=st.none() | st.integers(0, 5),
    current_page=st.none() | st.integers(1, 4),
)


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def _like(pattern: str, value: str) -> bool:
    regex, chars = [], iter(pattern)
    for char in chars:
        if char == "\\":
            regex.append(re.escape(next(chars, "\\")))
        elif char == "%":
            regex.append(".*")
        elif char == "_":
            regex.append(".")
        else:
            regex.append(re.escape(char))
    return re.fullmatch("".join(regex), value, re.IGNORECASE | re.DOTALL) is not None


def reference_match(row: Mapping[str, Any], item: Filter) -> bool:
    value, kind = row[item.field], item.condition_type
    if kind in ("seq", "sneq") and not item.value:  # an empty value means IS NULL / IS NOT NULL
        kind = "null" if kind == "seq" else "notnull"
    if kind == "null":
        return value is None
    if kind == "notnull":
        return value is not None
    if value is None:
        return False  # SQL: a comparison with NULL is never true
    raw = item.value or ""
    convert = TYPES[item.field]
    kind = {"seq": "eq", "sneq": "neq"}.get(kind, kind)
    if kind == "regexp":
        return re.search(raw, str(value), re.IGNORECASE) is not None
    if kind in ("like", "nlike"):
        return _like(raw, str(value)) == (kind == "like")
    if kind in ("finset", "nfinset"):
        found = "," not in raw and raw in str(value).split(",")
        return found == (kind == "finset")
    if kind in ("in", "nin"):
        return (value in [convert(part) for part in raw.split(",")]) == (kind == "in")
    target = convert(raw)
    outcome: bool = {
        "eq": value == target,
        "neq": value != target,
        "gt": value > target,
        "gteq": value >= target,
        "moreq": value >= target,
        "from": value >= target,
        "lt": value < target,
        "lteq": value <= target,
        "to": value <= target,
    }[kind]
    return outcome


def reference(rows: list[dict[str, Any]], criteria: SearchCriteria) -> tuple[list[int], int]:
    selected = [r for r in rows if all(any(reference_match(r, f) for f in g.filters) for g in criteria.filter_groups)]
    selected.sort(key=lambda r: r["id"])
    for order in reversed(criteria.sort_orders):
        selected.sort(
            key=lambda r, f=order.field: (r[f] is not None, r[f] if r[f] is not None else 0),  # type: ignore[misc]
            reverse=order.direction == "DESC",
        )
    ids = [r["id"] for r in selected]
    if criteria.page_size:
        start = ((criteria.current_page or 1) - 1) * criteria.page_size
        ids = ids[start : start + criteria.page_size]
    return ids, len(selected)


def test_sql_matches_the_python_reference_for_random_criteria(db_url: str) -> None:
    engine = make_engine(db_url)
    scratch.drop(engine, checkfirst=True)
    scratch.create(engine)
    try:

        @settings(
            max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
        )
        @given(st.lists(row_strategy, max_size=12), db_criteria)
        def check(rows: list[dict[str, Any]], criteria: SearchCriteria) -> None:
            data = [{"id": i + 1, **row} for i, row in enumerate(rows)]
            with engine.begin() as conn:
                conn.execute(scratch.delete())
                if data:
                    conn.execute(scratch.insert(), data)
                found, total = search_rows(conn, sa.select(scratch.c.id), criteria, FIELDS, tiebreak=scratch.c.id)
            assert ([r.id for r in found], total) == reference(data, criteria)

        check()
    finally:
        scratch.drop(engine, checkfirst=True)
        engine.dispose()


def test_regexp_patterns_outside_the_common_subset_are_400s() -> None:
    for pattern in ("a(", "(?i)a", "\\d+", "a{2}", "*a", ""):
        criteria = parse(
            [
                ("searchCriteria[filter_groups][0][filters][0][field]", "name"),
                ("searchCriteria[filter_groups][0][filters][0][value]", pattern),
                ("searchCriteria[filter_groups][0][filters][0][condition_type]", "regexp"),
            ]
        )
        with pytest.raises(ApiError) as raised:
            apply(criteria, FIELDS)
        assert raised.value.status == 400
        assert raised.value.parameters == [pattern, "searchCriteria[filter_groups][0][filters][0][value]"]
