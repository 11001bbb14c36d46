"""Every admin page renders the seeded store in a real chromium; each test keeps a screenshot in its tmp dir."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from conveyor.bulk.schema import operation_table
from tests.integration.admin.conftest import BULK_UUID, Seeded, shot, sign_in


def test_dashboard_shows_every_queue_and_the_seeded_work(page: Page, seeded_api: Seeded, tmp_path: Path) -> None:
    """Served by the whole API, as ``conveyor api serve`` mounts the UI."""
    seeded = seeded_api
    sign_in(page, seeded)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="products", exact=True))
    expect(row.locator("[data-count=waiting]")).to_have_text("2")
    expect(page.locator("#total-dead")).to_have_text("1")
    expect(page.locator("#imports-today")).to_have_text("1")
    expect(page.locator("#exports-today")).to_have_text("0")
    expect(page.get_by_role("link", name="Import 2 customer groups")).to_have_count(0)  # not in progress
    shot(page, tmp_path, "dashboard")


def test_queues_list_and_a_queues_dead_letters_with_error_and_body(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    sign_in(page, seeded)
    page.get_by_role("link", name="Queues", exact=True).click()
    expect(page.get_by_role("heading", name="Queues")).to_be_visible()
    page.get_by_role("link", name="products", exact=True).click()
    expect(page.get_by_role("heading", name="products")).to_be_visible()
    expect(page.get_by_text("attribute set 'Top' does not exist")).to_be_visible()
    page.get_by_text("body", exact=True).first.click()
    expect(page.get_by_text('"sku": "MH01-0"')).to_be_visible()
    shot(page, tmp_path, "queue-dead-letters")
    page.get_by_label("Show").select_option("waiting")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("cell", name="catalog.product.saved")).to_have_count(2)


def test_bulk_action_log_and_a_bulks_operations(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    sign_in(page, seeded)
    page.get_by_role("link", name="Bulk actions").click()
    row = page.get_by_role("row").filter(has_text="Import 2 customer groups")
    expect(row).to_contain_text("finished with failure")
    expect(row).to_contain_text("2/2")
    shot(page, tmp_path, "bulks")
    page.get_by_role("link", name="Import 2 customer groups").click()
    expect(page.get_by_text("Could not save customer group: code exists")).to_be_visible()
    page.get_by_label("Operations").select_option(label="complete")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("Could not save customer group")).to_have_count(0)
    expect(page.get_by_role("cell", name="complete", exact=True)).to_be_visible()
    shot(page, tmp_path, "bulk")


def test_a_bulk_waiting_for_a_consumer_that_does_not_run_says_so(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    with seeded.engine.begin() as conn:
        conn.execute(operation_table.update().where(operation_table.c.operation_key == 1).values(status=4))
    sign_in(page, seeded)
    page.goto(f"{seeded.url}/admin/bulks/{BULK_UUID}")
    expect(page.get_by_role("alert")).to_contain_text("No consumer reads async.operations.all")
    shot(page, tmp_path, "bulk-no-consumer")


def test_pipeline_grid_filters_and_a_pipelines_steps(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    sign_in(page, seeded)
    page.get_by_role("link", name="Pipelines").click()
    expect(page.get_by_role("row")).to_have_count(3)  # the header and two pipelines
    page.get_by_label("Status").select_option("error")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("row")).to_have_count(2)
    shot(page, tmp_path, "pipelines")
    page.get_by_role("link", name=str(seeded.failed_pipeline), exact=True).click()
    expect(page.get_by_text("OperationalError: database is locked")).to_be_visible()
    step = page.get_by_role("row").filter(has_text="delete_old_pipelines")
    expect(step).to_contain_text("1/1")
    expect(step).to_contain_text("1 s")
    shot(page, tmp_path, "pipeline")
    page.goto(seeded.url + "/admin/pipelines/definitions")
    expect(page.get_by_role("heading", name="clean_up")).to_be_visible()


def test_settings_are_shown_with_secrets_masked(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    sign_in(page, seeded)
    page.get_by_role("link", name="Settings").click()
    secret = page.get_by_role("row").filter(has_text="CONVEYOR_ADMIN_SESSION_SECRET")
    expect(secret).to_contain_text("••••••••")
    assert "test-secret" not in page.content()
    database = page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="CONVEYOR_DATABASE_URL", exact=True)
    )
    expect(database).to_contain_text("sqlite:///")
    shot(page, tmp_path, "settings")


def test_import_history_with_its_reports_row_errors(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    sign_in(page, seeded)
    page.get_by_role("link", name="Imports").click()
    row = page.get_by_role("row").filter(has_text="products.csv")
    expect(row).to_contain_text("success")  # a run with rejected rows still imports the valid ones
    expect(row.locator("td.bad")).to_have_text("1")
    page.get_by_role("link", name="products", exact=True).click()
    expect(page.get_by_role("cell", name="Value for 'price' attribute contains incorrect value")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="incorrect value")).to_contain_text("price")
    shot(page, tmp_path, "import")


def test_sync_log_change_sets_and_waiting_commands(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    sign_in(page, seeded)
    page.get_by_role("link", name="Sync", exact=True).click()
    expect(page.get_by_role("rowheader", name="cs-42")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="cs-42")).to_contain_text("0/2")
    expect(page.locator("summary", has_text="SourceUnavailableError: ERP is down")).to_be_visible()
    page.get_by_label("Outcome").select_option("success")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("summary", has_text="SourceUnavailableError")).to_have_count(0)
    expect(page.get_by_role("cell", name="MH00")).to_be_visible()
    shot(page, tmp_path, "sync")


def test_order_exports_with_their_document_and_error(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    sign_in(page, seeded)
    page.get_by_role("link", name="Orders").click()
    expect(page.get_by_role("row").filter(has_text="000000042")).to_contain_text("HTTP 503 from the ERP")
    page.get_by_role("link", name="000000042").click()
    page.get_by_text("what was sent").click()
    expect(page.get_by_text('"order": "000000042"')).to_be_visible()
    expect(page.get_by_role("button", name="Retry export")).to_be_visible()
    shot(page, tmp_path, "order")
