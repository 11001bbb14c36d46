"""Lists sorted by a column, a keyset page at a time: every row once, in the column's order (ties by id), in both
directions; the headers sort without JavaScript and say so to assistive technology."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conveyor.bus import sync_log
from conveyor.bus.schema import sync_log_table
from conveyor.db import KeysetPage
from conveyor.db.engine import now
from tests.integration.admin.conftest import Seeded, shot, sign_in

COMMANDS = ["sync.stock", "sync.product", "sync.customer", "sync.product", "sync.stock", "sync.product", "sync.a"]


def _seed_log(seeded: Seeded) -> None:
    t = now()
    with seeded.engine.begin() as conn:
        conn.execute(
            sync_log_table.insert(),
            [
                {
                    "command": command,
                    "entity_type": "product",
                    "entity_id": f"E{n}",
                    "outcome": "success" if n % 3 else "failed",
                    "duration": 0.1,
                    "correlation_id": f"sort-{n}",
                    "created_at": t + n,
                }
                for n, command in enumerate(COMMANDS)
            ],
        )


@pytest.mark.parametrize("ascending", [True, False])
def test_paging_the_sync_log_by_command_reads_every_row_once_in_order(seeded: Seeded, ascending: bool) -> None:
    _seed_log(seeded)
    seen: list[Any] = []
    cursor, after = None, None
    with seeded.engine.connect() as conn:
        while True:
            page = sync_log.entries(conn, order=KeysetPage("command", ascending, cursor, after), limit=3)
            seen += page
            if len(page) < 3:
                break
            cursor, after = page[-1].id, page[-1].command
    keys = [(e.command, e.id) for e in seen]
    assert keys == sorted(keys, reverse=not ascending)
    assert len({e.id for e in seen}) == len(seen) == len(COMMANDS) + 2  # and the two seeded entries


def test_a_header_sorts_the_list_and_turns_it_around(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    _seed_log(seeded)
    sign_in(page, seeded)
    page.goto(seeded.url + "/admin/sync")
    log = page.locator("table.grid").last
    commands = log.locator("tbody tr th[scope=row]")
    page.get_by_role("link", name="Command", exact=True).click()
    expect(log.get_by_role("columnheader", name="Command ↑")).to_have_attribute("aria-sort", "ascending")
    expect(log.get_by_role("columnheader", name="When")).to_have_attribute("aria-sort", "none")
    shown = commands.all_inner_texts()
    assert shown == sorted(shown) and shown[0] == "sync.a"
    page.get_by_role("link", name="Command ↑").click()
    expect(log.get_by_role("columnheader", name="Command ↓")).to_have_attribute("aria-sort", "descending")
    shown = commands.all_inner_texts()
    assert shown == sorted(shown, reverse=True) and shown[0] == "sync.stock"
    shot(page, tmp_path, "sync-log-by-command")


def test_the_pipeline_grid_and_the_imports_sort_by_their_columns(page: Page, seeded: Seeded) -> None:
    sign_in(page, seeded)
    page.goto(seeded.url + "/admin/pipelines?sort=status&order=asc")
    expect(page.locator("tbody tr td .badge")).to_have_text(["error", "pending"])
    page.goto(seeded.url + "/admin/pipelines?sort=status")
    expect(page.locator("tbody tr td .badge")).to_have_text(["pending", "error"])
    page.goto(seeded.url + "/admin/imports")
    page.get_by_role("link", name="Entity", exact=True).click()
    expect(page.get_by_role("columnheader", name="Entity ↑")).to_have_attribute("aria-sort", "ascending")


def test_the_bulk_action_log_pages_by_description(seeded: Seeded) -> None:
    from conveyor.bulk import status as bulks
    from conveyor.bulk.schema import bulk_table

    names = ["delta", "alpha", "charlie", "alpha", "bravo", "delta", "alpha"]
    with seeded.engine.begin() as conn:
        conn.execute(
            bulk_table.insert(),
            [
                {"uuid": f"s-{n}", "user_type": 2, "description": d, "operation_count": 0, "start_time": n}
                for n, d in enumerate(names)
            ],
        )
    seen: list[str] = []
    following: dict[str, Any] = {}
    with seeded.engine.connect() as conn:
        while True:
            found, following = bulks.page_bulks(conn, order=KeysetPage("description", True, **following), limit=3)
            seen += [b["description"] for b in found]
            if not following:
                break
    assert seen == sorted([*names, "Import 2 customer groups"])
