"""The token is checked before the body is read, bodies are bounded (413) while they stream, bulk arrays are bounded
(Magento's input array limit)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from conveyor.api.app import create_app
from conveyor.api.auth import create_integration_token
from conveyor.api.errors import BODY_TOO_LARGE, NOT_AUTHORIZED, TOO_MANY_ITEMS
from conveyor.settings import Settings

LIMIT = 64 * 1024
GROUPS = "/rest/V1/customerGroups"


@dataclass
class Limited:
    client: TestClient
    app: FastAPI
    headers: dict[str, str]


@pytest.fixture
def limited(sqlite_url: str) -> Iterator[Limited]:
    settings = Settings(
        database_url=sqlite_url,
        amqp_url="amqp://guest:guest@127.0.0.1:1/%2F",
        api_max_body_bytes=LIMIT,
        api_bulk_max_items=3,
    )
    app = create_app(settings)
    with TestClient(app) as client:
        with app.state.services.engine.begin() as conn:
            token = create_integration_token(conn, "limits")
        yield Limited(client, app, {"Authorization": f"Bearer {token}"})


def _drive(app: FastAPI, method: str, path: str, headers: dict[str, str], chunks: Iterator[bytes]) -> tuple[int, int]:
    """Run one request through the ASGI app with a body that streams from ``chunks``; (status, bytes the app took)."""
    taken = 0
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal taken
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        taken += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "app": app,
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    return status, taken


def _endless() -> Iterator[bytes]:
    while True:
        yield b"x" * 16384


def test_without_a_token_the_body_is_never_read(limited: Limited) -> None:
    for path in (
        GROUPS,
        "/rest/async/V1/customerGroups",
        "/rest/async/bulk/V1/customerGroups",
        "/rest/default/V1/customerGroups",
    ):
        status, taken = _drive(limited.app, "POST", path, {"Content-Type": "application/json"}, _endless())
        assert (status, taken) == (401, 0), path
        forged = {"Content-Type": "application/json", "Authorization": "Bearer nope"}
        assert _drive(limited.app, "POST", path, forged, _endless()) == (401, 0)


def test_malformed_json_without_a_token_is_401(limited: Limited) -> None:
    for path in (GROUPS, "/rest/async/bulk/V1/customerGroups"):
        answer = limited.client.post(path, content=b"{not json", headers={"Content-Type": "application/json"})
        assert answer.status_code == 401
        assert answer.json()["message"] == NOT_AUTHORIZED
    with_token = limited.client.post(GROUPS, content=b"{not json", headers=limited.headers)
    assert with_token.status_code == 400  # with a token, the body is read and refused as before


def test_bodies_past_the_limit_are_413_while_streaming(limited: Limited) -> None:
    expected = {"message": BODY_TOO_LARGE, "parameters": [str(LIMIT)]}
    declared = limited.client.post(GROUPS, content=b"x" * (LIMIT + 1), headers=limited.headers)
    assert declared.status_code == 413 and declared.json() == expected
    # chunked, no Content-Length: refused once the count passes the limit, the rest never read
    headers = {**limited.headers, "Content-Type": "application/json"}
    status, taken = _drive(limited.app, "POST", GROUPS, headers, _endless())
    assert status == 413 and LIMIT < taken <= LIMIT + 16384
    # the EDS webhook (no token, a signature) and the login are bounded too
    for path in ("/rest/V1/eds/change-sets", "/rest/V1/integration/admin/token"):
        assert _drive(limited.app, "POST", path, {}, _endless())[0] == 413
    group = {"group": {"code": "Within", "tax_class_id": 3}}
    assert limited.client.post(GROUPS, json=group, headers=limited.headers).status_code == 200


def test_bulk_arrays_past_the_item_limit_are_400_naming_it(limited: Limited) -> None:
    items = [{"group": {"code": f"G{i}", "tax_class_id": 3}} for i in range(4)]
    answer = limited.client.post("/rest/async/bulk/V1/customerGroups", json=items, headers=limited.headers)
    assert answer.status_code == 400
    assert answer.json()["message"] == TOO_MANY_ITEMS and answer.json()["parameters"]["max"] == "3"
    accepted = limited.client.post("/rest/async/bulk/V1/customerGroups", json=items[:3], headers=limited.headers)
    assert accepted.status_code == 202
