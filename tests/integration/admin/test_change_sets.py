"""The sync page's change sets: every one by status on its own page, and a processed one acknowledged again."""

from __future__ import annotations

from pathlib import Path

import httpx
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from conveyor.mq import stats
from conveyor.sync.schema import change_set_table
from tests.integration.admin.conftest import Seeded, shot, sign_in


def test_a_processed_change_set_is_acknowledged_through_the_bus(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    with seeded.engine.begin() as conn:  # cs-42 processed, its acknowledgement failed once (the ERP was down)
        conn.execute(
            change_set_table.update()
            .where(change_set_table.c.change_set_id == "cs-42")
            .values(status="processed", done_count=2, ack_attempts=1, last_error="acknowledge: ERP is down")
        )
    sign_in(page, seeded)
    page.goto(seeded.url + "/admin/sync")
    page.get_by_role("link", name="Every change set, by status →").click()
    page.get_by_label("Status").select_option("processed")
    page.get_by_role("button", name="Filter").click()
    row = page.locator("tbody tr").filter(has_text="cs-42")
    expect(row).to_contain_text("acknowledge: ERP is down")
    shot(page, tmp_path, "change-sets")
    row.get_by_role("button", name="Acknowledge change set cs-42").click()
    expect(page.locator(".flash")).to_contain_text("The acknowledgement of change set cs-42 is queued")
    [queued] = stats.browse(seeded.app.mq, "commands.change-sets", [2]) or []
    assert queued.envelope.json()["data"]["change_set_id"] == "cs-42"

    page.goto(seeded.url + "/admin/sync/change-sets?status=open")
    expect(page.locator(".empty")).to_have_text("No change set matches.")


def test_only_a_processed_change_set_is_acknowledged(page: Page, seeded: Seeded) -> None:
    sign_in(page, seeded)
    page.goto(seeded.url + "/admin/sync/change-sets")
    row = page.locator("tbody tr").filter(has_text="cs-42")
    expect(row).to_contain_text("open")
    expect(row.get_by_role("button")).to_have_count(0)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    page.goto(seeded.url + "/admin/sync")  # a page with a form: its security token
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    answer = httpx.post(
        seeded.url + "/admin/sync/change-sets/cs-42/acknowledge", cookies=cookies, data={"csrf": csrf or ""}
    )
    assert answer.status_code == 303
    assert stats.browse(seeded.app.mq, "commands.change-sets", [2]) == []
    with seeded.engine.connect() as conn:
        assert conn.execute(sa.select(change_set_table.c.status)).scalar_one() == "open"
