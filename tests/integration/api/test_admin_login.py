"""The admin login: lockout per username (also unknown ones), throttle per client address, wording that says
"disabled temporarily" only when it is, unknown names as slow as known ones, and hashing that leaves the rest of
the API responsive during a login flood."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from conveyor.api import ApiError, authenticate_admin
from conveyor.api.app import create_app
from conveyor.api.auth import create_integration_token, create_user
from conveyor.api.errors import ACCOUNT_LOCKED, INVALID_LOGIN, TOO_MANY_ATTEMPTS
from conveyor.cli import main
from conveyor.serving import BackgroundServer
from conveyor.settings import Settings, get_settings
from tests.integration.api.harness import ADMIN, PASSWORD

ROUTE = "/rest/V1/integration/admin/token"
NO_BROKER = "amqp://guest:guest@127.0.0.1:1/%2F"
LoginApp = Callable[..., Any]


def _login(client: Any, username: str, password: str) -> tuple[int, Any]:
    answer = client.post(ROUTE, json={"username": username, "password": password})
    return answer.status_code, answer.json()


@contextmanager
def _app(url: str, **overrides: Any) -> Iterator[TestClient]:
    settings = Settings(database_url=url, amqp_url=NO_BROKER, **overrides)
    app = create_app(settings)
    with TestClient(app) as client:
        with app.state.services.engine.begin() as conn:
            create_user(conn, ADMIN, PASSWORD)
        yield client


def test_failures_lock_the_name_then_unlock_ends_it(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Six failures in a row lock the name (Magento's default); only the lock says "disabled temporarily"."""
    with _app(db_url, admin_login_rate="none") as client:
        for attempt in range(1, 7):
            status, body = _login(client, ADMIN, "wrong")
            assert status == 401
            assert body["message"] == (ACCOUNT_LOCKED if attempt == 6 else INVALID_LOGIN), attempt
        assert _login(client, ADMIN, PASSWORD) == (401, {"message": ACCOUNT_LOCKED, "parameters": []})
        monkeypatch.setenv("CONVEYOR_DATABASE_URL", db_url)
        get_settings.cache_clear()
        try:
            unlocked = CliRunner().invoke(main, ["user", "unlock", ADMIN])
            assert unlocked.exit_code == 0, unlocked.output
            assert CliRunner().invoke(main, ["user", "unlock", "nobody-at-all"]).exit_code == 2
        finally:
            get_settings.cache_clear()
        status, token = _login(client, ADMIN, PASSWORD)
        assert status == 200 and len(token) == 32
        # a success resets the count: five more failures do not lock
        for _ in range(5):
            assert _login(client, ADMIN, "wrong")[1]["message"] == INVALID_LOGIN
        assert _login(client, ADMIN, PASSWORD)[0] == 200


def test_unknown_names_lock_alike_and_disabled_users_are_not_told(sqlite_url: str) -> None:
    with _app(sqlite_url, admin_login_rate="none") as client:
        answers = [_login(client, "nobody", "guess")[1]["message"] for _ in range(7)]
        assert answers == [INVALID_LOGIN] * 5 + [ACCOUNT_LOCKED] * 2
        engine = client.app.state.services.engine  # type: ignore[attr-defined]
        with engine.begin() as conn:
            create_user(conn, "frozen", "right", active=False)
        assert _login(client, "frozen", "right") == (401, {"message": INVALID_LOGIN, "parameters": []})


def test_a_lock_ends_by_itself(sqlite_url: str) -> None:
    with _app(sqlite_url, admin_login_rate="none", admin_lockout_failures=2, admin_lockout_seconds=0.5) as client:
        assert [_login(client, ADMIN, "wrong")[1]["message"] for _ in range(2)] == [INVALID_LOGIN, ACCOUNT_LOCKED]
        assert _login(client, ADMIN, PASSWORD)[1]["message"] == ACCOUNT_LOCKED
        time.sleep(0.6)
        assert _login(client, ADMIN, PASSWORD)[0] == 200


def test_each_client_address_is_throttled_on_its_own(sqlite_url: str) -> None:
    with _app(sqlite_url, admin_login_rate="3/h") as client:  # an hour: a slow run never slides the window
        for _ in range(3):
            assert _login(client, ADMIN, "wrong")[0] == 401
        status, body = _login(client, ADMIN, PASSWORD)  # even the right password: refused before it is checked
        assert status == 429 and body["message"] == TOO_MANY_ATTEMPTS and int(body["parameters"][0]) >= 1
        services = client.app.state.services  # type: ignore[attr-defined]

        async def from_elsewhere() -> Any:
            return await authenticate_admin(services.engine, ADMIN, PASSWORD, "192.0.2.7", services.settings)

        assert asyncio.run(from_elsewhere()).username == ADMIN  # another address has its own window
        with pytest.raises(ApiError) as refused:
            asyncio.run(authenticate_admin(services.engine, ADMIN, PASSWORD, "testclient", services.settings))
        assert refused.value.status == 429


def test_unknown_names_take_as_long_as_known_ones(sqlite_url: str) -> None:
    """Coarse on purpose: before, an unknown name answered 13 times faster (no hash at all)."""
    with _app(sqlite_url, admin_login_rate="none", admin_lockout_failures=100) as client:

        def median(username: Callable[[int], str]) -> float:
            took = []
            for n in range(5):
                started = time.perf_counter()
                assert _login(client, username(n), "wrong")[0] == 401
                took.append(time.perf_counter() - started)
            return statistics.median(took)

        median(lambda n: f"warm-{n}")
        known, unknown = median(lambda n: ADMIN), median(lambda n: f"ghost-{n}")
        assert unknown > known * 0.4, (known, unknown)


def test_an_ordinary_get_is_answered_during_a_login_flood(sqlite_url: str) -> None:
    """40 connections log in at once; a GET sent meanwhile comes back while most of them are still waiting for
    their hash (before, they held every worker thread and the GET waited behind them)."""
    settings = Settings(
        database_url=sqlite_url, amqp_url=NO_BROKER, admin_login_rate="none", admin_lockout_failures=1000
    )
    app = create_app(settings)
    with app.state.services.engine.begin() as conn:
        token = create_integration_token(conn, "flood")
    answered: list[float] = []
    lock = threading.Lock()
    with BackgroundServer(app, name="login-flood") as server:
        start = threading.Barrier(41)

        def log_in(n: int) -> None:
            with httpx.Client(base_url=server.url, timeout=120) as client:
                start.wait()
                client.post(ROUTE, json={"username": f"flood-{n}", "password": "wrong"})
            with lock:
                answered.append(time.monotonic())

        threads = [threading.Thread(target=log_in, args=(n,)) for n in range(40)]
        for thread in threads:
            thread.start()
        with httpx.Client(base_url=server.url, timeout=120) as client:
            start.wait()
            time.sleep(0.2)  # every login is in flight
            got = client.get("/rest/V1/customerGroups/1", headers={"Authorization": f"Bearer {token}"})
        with lock:
            done_before_get = len(answered)
        for thread in threads:
            thread.join(120)
    assert got.status_code == 200
    assert done_before_get < 20, f"{done_before_get} of 40 logins were answered before the GET"
    assert len(answered) == 40
