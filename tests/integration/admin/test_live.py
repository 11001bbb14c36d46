"""The dashboard's counters follow the queues live, without a reload."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from conveyor.bulk.schema import operation_table
from conveyor.db.engine import now
from conveyor.mq.schema import status_table, worker_table
from conveyor.sync import shared_limiter
from tests.integration.admin.conftest import Seeded, shot, sign_in

WAVE = [2, 3, 5, 4, 6, 8, 7, 5, 3, 2, 1, 2, 4, 6, 9, 11, 10, 8, 6, 5, 4, 6, 7, 9, 12, 10, 7, 5, 4, 3]
HANDLED = sum(WAVE)
DOCS_SCREENSHOT = Path(__file__).parents[3] / "docs" / "dashboard.png"


def test_a_dashboard_counter_changes_while_messages_are_published(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    sign_in(page, seeded)
    waiting = page.locator("#total-waiting")
    expect(waiting).to_have_text("5")
    page.evaluate("window.notReloaded = true")
    seeded.publish(4, sku="WS12")  # two queues each: products and audit
    expect(waiting).to_have_text("13", timeout=8_000)
    products = page.locator("[data-queue=products][data-count=waiting]")
    expect(products).to_have_text("6")
    assert page.evaluate("window.notReloaded") is True  # the same page, its figures swapped in place
    shot(page, tmp_path, "dashboard-live")


def test_throughput_live_workers_and_bulks_in_progress(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    """Messages handled over the last hour draw the chart; a beating worker and an open bulk show up."""
    mq = seeded.app.mq
    transport = mq.transport_for_queue("products")
    seeded.publish(HANDLED, sku="MJ04")
    for delivery in transport.reserve("products", HANDLED, "seed-worker"):
        transport.ack(delivery)
    t = now()
    with seeded.engine.begin() as conn:  # spread the completions over the hour: busier, then quieter, then busier
        done = conn.execute(sa.select(status_table.c.id).where(status_table.c.status == 4)).scalars().all()
        buckets = [b for b, weight in enumerate(WAVE) for _ in range(weight)]
        for status_id, bucket in zip(done, buckets, strict=True):
            at = t - 3600 + bucket * 120 + 30
            conn.execute(status_table.update().where(status_table.c.id == status_id).values(updated_at=at))
        conn.execute(
            worker_table.insert().values(
                id="web-1:4242",
                consumer="products",
                queues="products",
                hostname="web-1",
                pid=4242,
                started_at=t - 600,
                seen_at=t,
            )
        )
        conn.execute(operation_table.update().where(operation_table.c.operation_key == 1).values(status=4))
    limiter = shared_limiter(seeded.app.settings)
    for _ in range(3):
        limiter.acquire("erp")
    sign_in(page, seeded)
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="products", exact=True))
    expect(row.get_by_role("img")).to_have_attribute("aria-label", f"{HANDLED} handled in the last hour")
    expect(page.get_by_role("row").filter(has_text="web-1")).to_contain_text("products")
    expect(page.get_by_role("row").filter(has_text="Import 2 customer groups")).to_contain_text("1/2")
    expect(page.get_by_role("row").filter(has_text="1200 per 1 min")).to_contain_text("3/1200")
    path = shot(page, tmp_path, "dashboard")
    if not DOCS_SCREENSHOT.exists():  # the README's picture; delete it to take a new one
        shutil.copy(path, DOCS_SCREENSHOT)
