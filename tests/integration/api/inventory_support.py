"""The app on SQLite and PostgreSQL for the MSI route tests, and searchCriteria query helpers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from conveyor.api.search import Filter, FilterGroup, SearchCriteria, SortOrder
from tests.integration.api.harness import Harness, harness


@pytest.fixture(params=["sqlite", "postgresql"])
def msi(request: pytest.FixtureRequest) -> Iterator[Harness]:
    """The app with the default registry on SQLite and PostgreSQL."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    with harness(url) as running:
        yield running


def criteria(*groups: tuple[str, str, str], sort: str | None = None, size: int | None = None, page: int = 1) -> str:
    """A searchCriteria query: each (field, value, condition) its own filter group (AND)."""
    built = SearchCriteria(
        tuple(FilterGroup((Filter(field, value, condition),)) for field, value, condition in groups),
        sort_orders=(SortOrder(sort),) if sort else (),
        page_size=size,
        current_page=page if size else None,
    )
    return urlencode(built.to_query())


def ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()
