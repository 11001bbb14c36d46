"""A correlation id shown where a bulk, a queue message or a sync log entry carries it, and the lists by it."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from conveyor import logs
from tests.integration.admin.conftest import BULK_UUID, Seeded, shot, sign_in


def test_following_a_correlation_id_from_a_message_to_its_bulk_and_sync_log(
    page: Page, seeded: Seeded, tmp_path: Path
) -> None:
    with logs.correlated("cid-1"):
        seeded.app.mq.publish("catalog.product.saved", {"sku": "MH09"})
    sign_in(page, seeded)
    page.goto(seeded.url + "/admin/queues/products?show=waiting")
    row = page.locator("tbody tr").filter(has_text="MH09")
    expect(row).to_contain_text("cid-1")
    shot(page, tmp_path, "queue-correlation")

    row.get_by_role("link", name="Bulks of correlation id cid-1").click()
    expect(page.get_by_label("Correlation id")).to_have_value("cid-1")
    expect(page.locator("tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Import 2 customer groups").click()
    expect(page).to_have_url(f"{seeded.url}/admin/bulks/{BULK_UUID}")
    expect(page.locator("dl.facts")).to_contain_text("cid-1")

    page.get_by_role("link", name="Sync log of correlation id cid-1").click()
    entries = page.locator("table.grid").last.locator("tbody tr")
    expect(entries).to_have_count(1)
    expect(entries).to_contain_text("MH01")  # the failed one of the two seeded entries (cid-0, cid-1)
    shot(page, tmp_path, "sync-correlation")


def test_a_correlation_id_no_bulk_carries_lists_none(page: Page, seeded: Seeded) -> None:
    sign_in(page, seeded)
    page.goto(seeded.url + "/admin/bulks")
    page.get_by_label("Correlation id").fill("cid-unknown")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".empty")).to_have_text("No bulk matches.")
    page.goto(seeded.url + "/admin/sync?correlation_id=cid-0")
    entries = page.locator("table.grid").last.locator("tbody tr")
    expect(entries).to_have_count(1)
    expect(entries).to_contain_text("MH00")
