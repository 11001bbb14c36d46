"""The EDS webhook refuses malformed headers and unstorable change sets with 400/401, never 500, on SQLite and
PostgreSQL, and checks them before the database (nothing is recorded)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pydantic import SecretStr

from conveyor.api.app import create_app
from conveyor.api.eds import PATH
from conveyor.settings import Settings
from conveyor.sync.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signed_headers

SECRET = "eds-test-secret"


@pytest.fixture(params=["sqlite_url", "pg_url"])
def client(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    url = str(request.getfixturevalue(request.param))
    settings = Settings(database_url=url, eds_secret=SecretStr(SECRET), amqp_url="amqp://guest:guest@127.0.0.1:1/%2F")
    with TestClient(create_app(settings)) as running:
        yield running


def _post(client: TestClient, body: dict[str, Any], **headers: str | bytes) -> Any:
    """Post ``body`` signed, with ``headers`` over the signed ones; bytes go on the wire as they are."""
    raw = json.dumps(body).encode()
    sent: dict[str, str | bytes] = {"Content-Type": "application/json", **signed_headers(SECRET, raw), **headers}
    wire = [(k.encode(), v if isinstance(v, bytes) else v.encode()) for k, v in sent.items()]
    return client.post(PATH, content=raw, headers=wire)


def _recorded(client: TestClient) -> int:
    engine = client.app.state.services.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return int(conn.execute(sa.text("select count(*) from eds_change_set")).scalar_one())


def _change_set(change_set_id: str = "CS-1", entity_ids: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": change_set_id,
        "entity_type": "customer",
        "entity_ids": ["C1"] if entity_ids is None else entity_ids,
        "created_at": "2026-11-24T10:00:00Z",
    }


def test_malformed_signature_headers_are_400_naming_the_header(client: TestClient) -> None:
    body = _change_set()
    long_timestamp = _post(client, body, **{TIMESTAMP_HEADER: "9" * 5000})
    assert long_timestamp.status_code == 400, long_timestamp.text
    assert long_timestamp.json()["parameters"][1] == TIMESTAMP_HEADER
    other_digits = _post(client, body, **{TIMESTAMP_HEADER: ("\u0661\u0667" + "\u0660" * 8).encode()})
    assert other_digits.status_code == 400, other_digits.text
    non_ascii = _post(client, body, **{SIGNATURE_HEADER: b"sha256=\xff" + b"0" * 63})
    assert non_ascii.status_code == 400, non_ascii.text
    assert non_ascii.json()["parameters"][1] == SIGNATURE_HEADER
    assert _recorded(client) == 0


def test_a_signature_of_the_right_shape_but_wrong_is_401(client: TestClient) -> None:
    answer = _post(client, _change_set(), **{SIGNATURE_HEADER: "sha256=" + "0" * 64})
    assert answer.status_code == 401
    assert _recorded(client) == 0


def test_unstorable_change_sets_are_400_before_the_database(client: TestClient) -> None:
    for body, field in (
        (_change_set("X" * 192), "id"),
        (_change_set("CS\x00NUL"), "id"),
        (_change_set("CS-2", ["C1", "E" * 192]), "entity_ids.1"),
        (_change_set("CS-3", ["C\x001"]), "entity_ids.0"),
    ):
        answer = _post(client, body)
        assert answer.status_code == 400, answer.text
        assert field in answer.json()["parameters"]
    assert _recorded(client) == 0
    answer = _post(client, _change_set("X" * 191, ["E" * 191]))  # the longest storable ids are taken
    assert answer.status_code == 202, answer.text
    assert _recorded(client) == 1
