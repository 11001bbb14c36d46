"""Every admin page renders the seeded store in a real chromium; each test keeps a screenshot in its tmp dir."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.integration.admin.conftest import Seeded, shot, sign_in


def test_dashboard_shows_every_queue_and_the_seeded_work(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    sign_in(page, seeded)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="products", exact=True))
    expect(row.locator("[data-count=waiting]")).to_have_text("2")
    expect(page.locator("#total-dead")).to_have_text("1")
    expect(page.get_by_role("link", name="Import 2 customer groups")).to_have_count(0)  # not in progress
    shot(page, tmp_path, "dashboard")
