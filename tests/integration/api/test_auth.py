"""Authentication: admin login and tokens, integration tokens, 401s in Magento's shape, and the CLI."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from conveyor.api.auth import hash_password, token_hash, verify_password
from conveyor.api.errors import INVALID_LOGIN, NOT_AUTHORIZED
from conveyor.api.schema import admin_user_table, api_token_table
from conveyor.cli import main
from conveyor.settings import get_settings
from tests.integration.api.harness import ADMIN, PASSWORD, Harness, harness

GROUP = "/rest/V1/customerGroups/1"
UNAUTHORIZED = {"message": NOT_AUTHORIZED, "parameters": {"resources": "Magento_Customer::group"}}


def test_admin_and_integration_tokens_work_and_nothing_else_does(api: Harness) -> None:
    assert api.get(GROUP).json()["code"] == "General"
    assert api.get(GROUP, headers=api.admin).json()["code"] == "General"
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {api.token}"}):
        refused = api.get(GROUP, headers=headers)
        assert refused.status_code == 401
        assert refused.json() == UNAUTHORIZED


def test_only_a_hash_of_each_token_is_stored(api: Harness) -> None:
    with api.engine.connect() as conn:
        stored = set(conn.execute(sa.select(api_token_table.c.token_hash)).scalars())
    assert token_hash(api.token) in stored and token_hash(api.admin_token) in stored
    assert api.token not in stored and api.admin_token not in stored


def test_wrong_credentials_and_disabled_users_cannot_log_in(api: Harness) -> None:
    route = "/rest/V1/integration/admin/token"
    for body in ({"username": ADMIN, "password": "wrong"}, {"username": "nobody", "password": PASSWORD}):
        refused = api.client.post(route, json=body)
        assert refused.status_code == 401
        assert refused.json() == {"message": INVALID_LOGIN, "parameters": []}  # never "disabled" unless locked
    missing = api.client.post(route, json={"username": ADMIN})
    assert missing.status_code == 400
    assert missing.json() == {"message": '"%1" is required. Enter and try again.', "parameters": ["password"]}
    with api.engine.begin() as conn:
        conn.execute(admin_user_table.update().values(is_active=False))
    assert api.client.post(route, json={"username": ADMIN, "password": PASSWORD}).status_code == 401
    # and the token the user already had stops working at once
    assert api.get(GROUP, headers=api.admin).status_code == 401


def test_an_expired_admin_token_is_refused(api: Harness) -> None:
    with api.engine.begin() as conn:
        conn.execute(
            api_token_table.update()
            .where(api_token_table.c.token_hash == token_hash(api.admin_token))
            .values(expires_at=sa.func.coalesce(api_token_table.c.created_at, 0) - 1)
        )
    assert api.get(GROUP, headers=api.admin).status_code == 401
    assert api.get(GROUP).status_code == 200  # integration tokens do not expire


def test_admin_tokens_last_the_configured_lifetime(api: Harness) -> None:
    with api.engine.connect() as conn:
        row = conn.execute(
            sa.select(api_token_table.c.created_at, api_token_table.c.expires_at).where(
                api_token_table.c.token_hash == token_hash(api.admin_token)
            )
        ).one()
    assert abs(row.expires_at - row.created_at - 4 * 3600) < 1


def test_passwords_are_salted_scrypt_hashes() -> None:
    first, second = hash_password("secret"), hash_password("secret")
    assert first != second and first.startswith("scrypt$")
    assert verify_password("secret", first) and verify_password("secret", second)
    assert not verify_password("Secret", first)
    assert not verify_password("secret", "md5$whatever")


def test_cli_creates_users_and_integration_tokens(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVEYOR_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        created = runner.invoke(main, ["user", "create", "alice", "--password", "pw1"])
        assert created.exit_code == 0, created.output
        assert runner.invoke(main, ["user", "create", "alice", "--password", "pw2"]).exit_code == 2
        made = runner.invoke(main, ["token", "create", "erp"])
        assert made.exit_code == 0, made.output
        token = made.output.strip()
        assert len(token) == 32
        assert runner.invoke(main, ["token", "create", "erp"]).exit_code == 2  # one token per integration
        listed = runner.invoke(main, ["token", "list"], env={"COLUMNS": "200"})
        assert "erp" in listed.output and token not in listed.output
        with harness(sqlite_url) as api:
            assert api.get(GROUP, headers={"Authorization": f"Bearer {token}"}).status_code == 200
            login = api.client.post("/rest/V1/integration/admin/token", json={"username": "alice", "password": "pw1"})
            assert login.status_code == 200 and len(login.json()) == 32
            assert runner.invoke(main, ["user", "disable", "alice"]).exit_code == 0
            assert api.get(GROUP, headers={"Authorization": f"Bearer {login.json()}"}).status_code == 401
            assert runner.invoke(main, ["token", "revoke", "erp"]).exit_code == 0
            assert api.get(GROUP, headers={"Authorization": f"Bearer {token}"}).status_code == 401
        assert runner.invoke(main, ["token", "revoke", "erp"]).exit_code == 2
    finally:
        get_settings.cache_clear()
        get_settings.cache_clear()
