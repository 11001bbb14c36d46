"""Every list pages by key in both orders: all rows once, in order, whatever the page size; the UI's key column
header turns the order around."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.engine import Connection

from conveyor.bulk import status as bulks
from conveyor.bulk.schema import bulk_table
from conveyor.db import KeysetPage
from conveyor.pipelines import operator
from tests.integration.admin.conftest import Seeded, shot, sign_in


def _pages(read, ascending: bool) -> list[int]:  # type: ignore[no-untyped-def]
    seen: list[int] = []
    cursor = None
    while True:
        ids, cursor = read(cursor, ascending)
        seen += ids
        if cursor is None:
            return seen


@pytest.mark.parametrize("ascending", [False, True])
def test_bulks_page_through_every_bulk_once_even_when_a_status_filter_thins_the_pages(
    seeded: Seeded, ascending: bool
) -> None:
    with seeded.engine.begin() as conn:
        conn.execute(
            bulk_table.insert(),
            [
                {
                    "uuid": f"b-{n}",
                    "user_type": 2,
                    "description": f"bulk {n}",
                    "operation_count": 0,
                    "start_time": n,
                    "acknowledged": False,
                }
                for n in range(23)
            ],
        )

    def read(conn: Connection, cursor: int | None, asc: bool, status: int | None) -> tuple[list[int], int | None]:
        order = KeysetPage(cursor=cursor, ascending=asc)
        found, following = bulks.page_bulks(conn, status=status, order=order, limit=5)
        return [int(b["bulk_id"].split("-")[1]) for b in found if b["bulk_id"].startswith("b-")], following.get(
            "cursor"
        )

    with seeded.engine.connect() as conn:
        every = _pages(lambda c, a: read(conn, c, a, None), ascending)
        finished = _pages(lambda c, a: read(conn, c, a, 2), ascending)  # empty bulks count as finished
    assert every == sorted(range(23), reverse=not ascending)
    assert finished == every


def test_the_pipeline_grid_pages_by_key(seeded: Seeded) -> None:
    definition = operator.definitions(seeded.app.settings)["clean_up"]
    for _ in range(5):
        operator.create(seeded.engine, definition, seeded.app.settings, {})
    with seeded.engine.connect() as conn:
        first = [p["id"] for p in operator.page(conn, limit=3)]
        second = [p["id"] for p in operator.page(conn, limit=3, order=KeysetPage(cursor=first[-1]))]
        oldest = [p["id"] for p in operator.page(conn, limit=3, order=KeysetPage(ascending=True))]
    assert first + second == [7, 6, 5, 4, 3, 2]
    assert oldest == [1, 2, 3]


def test_the_key_header_turns_the_order_around(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    sign_in(page, seeded)
    page.goto(seeded.url + "/admin/pipelines")
    ids = page.locator("tbody tr td.num a")
    expect(ids).to_have_text(["2", "1"])
    page.get_by_role("link", name="Id ↓").click()
    expect(ids).to_have_text(["1", "2"])
    expect(page.get_by_role("columnheader", name="Id ↑")).to_have_attribute("aria-sort", "ascending")
    shot(page, tmp_path, "pipelines-oldest-first")
