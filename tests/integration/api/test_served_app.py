"""``conveyor api serve`` runs ``conveyor.app:create_api``: one App of the process settings serves the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from conveyor.api.auth import create_integration_token
from conveyor.app import create_api
from conveyor.db import make_engine
from conveyor.settings import get_settings


def test_the_served_api_is_one_apps_store_queue_and_operations(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVEYOR_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    try:
        app = create_api()
    finally:
        get_settings.cache_clear()
    with make_engine(sqlite_url).begin() as conn:
        token = create_integration_token(conn, "served")
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {token}"}
        group = client.post("/rest/async/V1/customerGroups", json={"group": {"code": "Served"}}, headers=headers)
        assert group.status_code == 202, group.text  # the async topic has its publisher: the App publishes operations
        assert client.get("/rest/V1/products", headers=headers).json()["total_count"] == 0
    mq = app.state.services.mq
    assert mq.database_url == sqlite_url
    assert mq.transport_for_queue("async.operations.all").counts("async.operations.all").waiting == 1
