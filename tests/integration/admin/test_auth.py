"""Signing in and out, the lockout shared with the admin token endpoint, and CSRF refusal."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from conveyor.pipelines import maintenance
from tests.integration.admin.conftest import PASSWORD, Seeded, shot, sign_in


def test_a_page_without_a_session_leads_to_the_login(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    page.goto(seeded.url + "/admin/pipelines")
    expect(page).to_have_url(seeded.url + "/admin/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    shot(page, tmp_path, "login")


def test_sign_in_and_out(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    sign_in(page, seeded)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "conveyor_admin")
    assert cookie["httpOnly"] and cookie["path"] == "/admin"
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(seeded.url + "/admin/login")
    page.goto(seeded.url + "/admin/")  # the session's token is revoked, not only the cookie dropped
    expect(page).to_have_url(seeded.url + "/admin/login")
    page.context.add_cookies([{"name": cookie["name"], "value": cookie["value"], "url": seeded.url + "/admin/"}])
    page.goto(seeded.url + "/admin/")
    expect(page).to_have_url(seeded.url + "/admin/login")


def test_a_wrong_password_is_refused_without_claiming_a_lock(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    sign_in(page, seeded, password="wrong")
    expect(page.get_by_role("alert")).to_contain_text("Invalid login or password.")
    expect(page.get_by_label("User name")).to_have_value("operator")
    assert not any(c["name"] == "conveyor_admin" for c in page.context.cookies())
    shot(page, tmp_path, "login-refused")


def test_repeated_wrong_passwords_lock_the_account_for_the_ui_too(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    for _ in range(6):  # Magento's default: 6 failures lock an admin account
        sign_in(page, seeded, password="wrong")
        expect(page.get_by_role("alert")).to_be_visible()
    sign_in(page, seeded, password=PASSWORD)  # the right password, too late
    page.wait_for_load_state()
    shot(page, tmp_path, "locked")
    assert not any(c["name"] == "conveyor_admin" for c in page.context.cookies())
    expect(page.get_by_role("alert")).to_contain_text("disabled temporarily")  # the API's lockout, not a form error


def test_a_form_without_its_csrf_token_is_refused(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    sign_in(page, seeded)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    # the session cookie goes along (as it would from another site's form); the token does not
    forms: list[dict[str, str | float | bool]] = [{"on": "1"}, {"on": "1", "csrf": "0" * 64}]
    for form in forms:
        answer = page.request.post(seeded.url + "/admin/maintenance", form=form, max_redirects=0)
        assert answer.status == 403
        assert "security token" in answer.text()
    assert not maintenance.is_on(seeded.engine)
    page.goto(seeded.url + "/admin/pipelines")  # the page's own form carries the token and works
    page.get_by_role("button", name="Turn maintenance on").click()
    expect(page.get_by_role("status").first).to_contain_text("Maintenance mode is on")
    assert maintenance.is_on(seeded.engine)


def test_the_login_form_needs_its_csrf_token_too(page: Page, seeded: Seeded) -> None:
    page.goto(seeded.url + "/admin/login")
    answer = page.request.post(
        seeded.url + "/admin/login", form={"username": "operator", "password": PASSWORD}, max_redirects=0
    )
    assert answer.status == 403
    assert not any(c["name"] == "conveyor_admin" for c in page.context.cookies())


def test_a_link_cannot_put_a_message_on_a_page(page: Page, seeded: Seeded) -> None:
    sign_in(page, seeded)
    page.goto(seeded.url + "/admin/?flash=Your+session+expired%2C+call+555-0100")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("call 555-0100")).to_have_count(0)
