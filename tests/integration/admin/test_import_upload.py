"""Uploading a bunch of CSV files to the watched import directory from the imports page, and seeing it run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import FilePayload, Page, expect

from conveyor.importer.watch import Directories, Watcher
from tests.integration.admin.conftest import Seeded, shot, sign_in

CUSTOMERS = b"email,_website,firstname,lastname\njane@example.com,base,Jane,Doe\njon@example.com,base,Jon,Doe\n"
MORE = b"email,_website,firstname,lastname\nana@example.com,base,Ana,Lima\n"


def csv(name: str, content: bytes) -> FilePayload:
    return {"name": name, "mimeType": "text/csv", "buffer": content}


@pytest.fixture
def upload(page: Page, watched: Seeded) -> Callable[[str, str], None]:
    """Signed in on the imports page; uploads CUSTOMERS and MORE, under the two names given, in one go."""
    sign_in(page, watched)
    page.goto(watched.url + "/admin/imports")

    def send(first: str, second: str) -> None:
        page.get_by_label("CSV files").set_input_files([csv(first, CUSTOMERS), csv(second, MORE)])
        page.get_by_role("button", name="Upload").click()

    return send


def test_uploaded_files_land_with_their_ok_file_and_the_watch_imports_them(
    page: Page, watched: Seeded, upload: Callable[[str, str], None], tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    upload("customer-import_20261207_01.csv", "customer-import_20261207_02.csv")
    expect(page.locator(".flash")).to_contain_text("2 file(s) uploaded with customer-import_20261207.ok")
    shot(page, tmp_path, "imports-uploaded")
    assert (inbox / "customer-import_20261207_01.csv").read_bytes() == CUSTOMERS
    assert (inbox / "customer-import_20261207.ok").read_text().split() == [
        "customer-import_20261207_01.csv",
        "customer-import_20261207_02.csv",
    ]

    [result] = Watcher(watched.engine, Directories.of(inbox)).run_once()  # what `conveyor up`'s watch does
    assert result.entity == "customers" and result.report is not None and result.report.created == 3
    page.goto(watched.url + "/admin/imports")
    row = page.locator("tbody tr").filter(has_text="customer-import_20261207_02.csv")
    expect(row).to_contain_text("success")
    shot(page, tmp_path, "imports-ran")


def test_a_bad_name_is_refused_whole_and_the_upload_needs_its_security_token(
    page: Page, watched: Seeded, upload: Callable[[str, str], None], tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    upload("customer-import_x_01.csv", "holiday-photos_01.csv")
    expect(page.locator(".flash")).to_contain_text("Nothing uploaded: holiday-photos_01.csv: its kind")
    assert list(inbox.iterdir()) == []  # nothing half-written

    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    forged = httpx.post(
        watched.url + "/admin/imports/upload",
        cookies=cookies,
        data={"csrf": "forged"},
        files={"files": ("customer-import_y_01.csv", CUSTOMERS, "text/csv")},
    )
    assert forged.status_code == 403
    assert list(inbox.iterdir()) == []
