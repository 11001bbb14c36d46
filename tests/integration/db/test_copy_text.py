"""``copy_text``: rows formatted without a connection (by an import's reading worker) are read by PostgreSQL's
``COPY`` as exactly the values they were, whatever the text holds (tabs, newlines, backslashes, NULL's spelling)."""

from __future__ import annotations

import string
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from conveyor.db import make_engine
from conveyor.db.bulk_insert import copy_text, insert_copied

_meta = sa.MetaData()
_typed = sa.Table(
    "copy_text_probe",
    _meta,
    sa.Column("n", sa.Integer, primary_key=True),
    sa.Column("text", sa.Text, nullable=True),
    sa.Column("number", sa.Numeric(20, 6), nullable=True),
    sa.Column("flag", sa.Boolean, nullable=True),
    sa.Column("at", sa.DateTime, nullable=True),
    sa.Column("day", sa.Date, nullable=True),
)
COLUMNS = ("n", "text", "number", "flag", "at", "day")

texts = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40)
plain = st.text(string.ascii_letters + string.digits + " -.", max_size=40)
rows = st.lists(
    st.tuples(
        # plain strings (written as they are) beside ones COPY must escape, in one batch: either way is checked
        st.none()
        | texts
        | plain
        | st.sampled_from(["\\N", "\\", "a\tb\nc\rd", "a\tb", "a\nb", "a\rb", "a\\b", "\\\\N", " "]),
        st.none() | st.decimals(min_value=-(10**13), max_value=10**13, places=6, allow_nan=False),
        st.none() | st.booleans(),
        st.none() | st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)),
        st.none() | st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)),
    ),
    max_size=20,
)


@pytest.fixture(scope="module")
def store(request: pytest.FixtureRequest) -> Iterator[Engine]:
    engine = make_engine(str(request.getfixturevalue("_pg_database")))
    _meta.drop_all(engine)
    _meta.create_all(engine)
    yield engine
    _meta.drop_all(engine)
    engine.dispose()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows)
def test_copied_text_reads_back_as_the_values(store: Engine, given_rows: list[tuple[object, ...]]) -> None:
    numbered = [(n, *row) for n, row in enumerate(given_rows)]
    with store.begin() as conn:
        conn.execute(_typed.delete())
        insert_copied(conn, _typed, COLUMNS, copy_text(numbered))
        stored = [tuple(r) for r in conn.execute(sa.select(_typed).order_by(_typed.c.n))]
    assert stored == [tuple(Decimal(v) if isinstance(v, Decimal) else v for v in row) for row in numbered]


def test_a_type_without_copy_text_is_refused() -> None:
    with pytest.raises(TypeError, match="no COPY text"):
        copy_text([(1, object())])


@pytest.mark.parametrize("special", ["\t", "\n", "\r", "\\", "\\N", "\\\\N"])
def test_one_string_to_escape_among_plain_ones_is_escaped(store: Engine, special: str) -> None:
    """``copy_text`` escapes only the strings that need it: one character COPY escapes, alone in an
    otherwise plain batch (the case a mixed property batch rarely holds), must still make the escaped text."""
    numbered = [(0, "plain", None, True, None, None), (1, f"x{special}y", Decimal("1.5"), None, None, None)]
    with store.begin() as conn:
        conn.execute(_typed.delete())
        insert_copied(conn, _typed, COLUMNS, copy_text(numbered))
        stored = [tuple(r) for r in conn.execute(sa.select(_typed).order_by(_typed.c.n))]
    assert stored == numbered
