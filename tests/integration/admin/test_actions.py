"""What an operator does from the UI: replay a dead letter, retry a failed bulk operation and a failed pipeline,
create a pipeline, toggle maintenance, purge; each confirmed by the store, not only by the page."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from conveyor.bulk import QUEUE
from conveyor.bulk.schema import OperationStatus, operation_table
from conveyor.mq import count_messages, stats
from conveyor.pipelines import maintenance
from conveyor.pipelines.schema import pipeline_table, step_table
from tests.integration.admin.conftest import BULK_UUID, Seeded, shot, sign_in


def _counts(seeded: Seeded, queue: str) -> stats.QueueCounts:
    return count_messages(seeded.app.mq, [queue])[0]


def test_replaying_a_dead_letter_after_its_confirmation(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    sign_in(page, seeded)
    page.goto(seeded.url + "/admin/queues/products")
    page.get_by_role("link", name="Replay…").click()
    expect(page.get_by_role("heading", name="Replay dead letter 1?")).to_be_visible()
    assert _counts(seeded, "products").dead == 1  # nothing happens before the confirmation
    shot(page, tmp_path, "replay-confirm")
    page.get_by_role("button", name="Replay").click()
    expect(page.get_by_role("status")).to_contain_text("1 dead letter(s) of products replayed")
    counts = _counts(seeded, "products")
    assert (counts.dead, counts.waiting) == (0, 3)
    shot(page, tmp_path, "replayed")


def test_purging_waiting_messages_after_its_confirmation(page: Page, seeded: Seeded) -> None:
    sign_in(page, seeded)
    page.goto(seeded.url + "/admin/queues/audit")
    page.get_by_role("link", name="Purge waiting messages…").click()
    expect(page.get_by_role("heading", name="Purge 3 waiting messages?")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    assert _counts(seeded, "audit").waiting == 3
    page.get_by_role("link", name="Purge waiting messages…").click()
    page.get_by_role("button", name="Purge").click()
    expect(page.get_by_role("status")).to_contain_text("3 waiting message(s) of audit purged")
    assert _counts(seeded, "audit").waiting == 0


def test_retrying_a_failed_bulk_operation(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    sign_in(page, seeded)
    page.goto(f"{seeded.url}/admin/bulks/{BULK_UUID}")
    failed = page.get_by_role("row").filter(has_text="Could not save customer group")
    failed.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("status").first).to_contain_text("1 failed operation(s) sent again")
    with seeded.engine.connect() as conn:
        rows = conn.execute(sa.select(operation_table.c.operation_key, operation_table.c.status))
        statuses = {row.operation_key: row.status for row in rows}
    assert statuses == {0: OperationStatus.COMPLETE, 1: OperationStatus.OPEN}
    assert _counts(seeded, QUEUE).waiting == 1  # republished for the consumer
    expect(page.get_by_role("alert")).to_contain_text("No consumer reads")  # and none runs here
    shot(page, tmp_path, "bulk-retried")


def test_dismissing_a_finished_bulk(page: Page, seeded: Seeded) -> None:
    sign_in(page, seeded)
    page.goto(f"{seeded.url}/admin/bulks/{BULK_UUID}")
    page.get_by_role("button", name="Dismiss").click()
    expect(page.get_by_role("status")).to_contain_text("The bulk is dismissed")
    expect(page.get_by_role("row").filter(has_text="Import 2 customer groups")).to_contain_text("dismissed")


def test_retrying_a_failed_pipeline_enqueues_its_step(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    sign_in(page, seeded)
    page.goto(f"{seeded.url}/admin/pipelines/{seeded.failed_pipeline}")
    page.get_by_role("button", name="Retry failed steps").click()
    expect(page.get_by_role("status").first).to_contain_text("1 step(s) to run again, 1 enqueued now")
    with seeded.engine.connect() as conn:
        step = conn.execute(sa.select(step_table).where(step_table.c.id == seeded.failed_step)).one()
        status = conn.execute(
            sa.select(pipeline_table.c.status).where(pipeline_table.c.id == seeded.failed_pipeline)
        ).scalar_one()
    assert (step.status, step.attempts, status) == ("enqueued", 0, "running")
    assert _counts(seeded, "pipeline_process_steps").waiting == 1
    expect(page.get_by_role("row").filter(has_text="delete_old_pipelines")).to_contain_text("enqueued")
    shot(page, tmp_path, "pipeline-retried")


def test_cancelling_and_creating_pipelines(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    sign_in(page, seeded)
    page.goto(f"{seeded.url}/admin/pipelines/new")
    page.get_by_label("Definition", exact=True).select_option("clean_up")
    page.get_by_label("Arguments").fill("days: [not a number")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("alert")).to_contain_text("The arguments are not YAML")
    page.get_by_label("Arguments").fill("days: 3")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("status").first).to_contain_text("(clean_up) created")
    expect(page.get_by_text('"days": 3')).to_be_visible()
    shot(page, tmp_path, "pipeline-created")
    page.get_by_role("button", name="Cancel pipeline").click()
    expect(page.get_by_role("status").first).to_contain_text("Pipeline cancelled")
    expect(page.get_by_role("heading", level=1)).to_contain_text("cancelled")


def test_maintenance_is_shown_on_every_page_while_on(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    sign_in(page, seeded)
    page.goto(seeded.url + "/admin/pipelines")
    page.get_by_role("button", name="Turn maintenance on").click()
    assert maintenance.is_on(seeded.engine)
    for path in ("/", "/queues", "/bulks", "/pipelines", "/settings"):
        page.goto(seeded.url + "/admin" + path)
        expect(page.get_by_text("Maintenance mode is on: the heartbeat spawns and enqueues nothing.")).to_be_visible()
    shot(page, tmp_path, "maintenance")
    page.goto(seeded.url + "/admin/pipelines")
    page.get_by_role("button", name="Turn maintenance off").click()
    assert not maintenance.is_on(seeded.engine)
    expect(page.get_by_text("Maintenance mode is on: the heartbeat")).to_have_count(0)


def test_sync_now_queues_the_command(page: Page, seeded: Seeded) -> None:
    sign_in(page, seeded)
    page.goto(seeded.url + "/admin/sync")
    page.get_by_label("Sync command").select_option("sync.product")
    page.get_by_label("Id to sync").fill("MH07")
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_role("status").first).to_contain_text("sync.product MH07 queued")
    [queued] = stats.browse(seeded.app.mq, "commands.products", [2]) or []
    assert queued.envelope.json()["data"]["product_no"] == "MH07"
    expect(page.get_by_role("row").filter(has_text="commands.products")).to_contain_text("1")


def test_retrying_an_order_export(page: Page, seeded: Seeded) -> None:
    sign_in(page, seeded)
    page.goto(seeded.url + "/admin/orders")
    page.get_by_role("link", name="000000042").click()
    page.get_by_role("button", name="Retry export").click()
    expect(page.get_by_role("status").first).to_contain_text("1 step(s) of the export to run again, 1 enqueued now")
    assert _counts(seeded, "pipeline_process_steps").waiting == 1
