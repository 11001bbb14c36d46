"""Store scopes from the path, Magento's error shapes, the generated routes and their OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from pydantic import BaseModel

from conveyor.api.errors import NO_ROUTE, STORE_NOT_FOUND
from conveyor.api.operations import OperationContext, Registry, default_registry, topic_for
from conveyor.catalog.stores import store_table
from tests.integration.api.harness import Harness, harness


class Note(BaseModel):
    text: str


probe = Registry()


@probe.read("/V1/probe/scope")
def read_scope(ctx: OperationContext, params: dict[str, str]) -> dict[str, Any]:
    """Where the request landed."""
    return {"store_id": ctx.store.store_id, "code": ctx.store.code, "website_id": ctx.store.website_id}


@probe.write("POST", "/V1/probe/{name}/notes")
def write_scope(ctx: OperationContext, params: dict[str, str], body: Note) -> dict[str, Any]:
    """Echoes the scope, the path parameter and the body (sync and async alike)."""
    return {"code": ctx.store.code, "name": params["name"], "text": body.text, "user_type": ctx.caller.user_type}


@pytest.fixture
def scoped(db_url: str) -> Iterator[Harness]:
    registry = Registry().include(default_registry()).include(probe)
    with harness(db_url, registry=registry) as api:
        with api.engine.begin() as conn:
            conn.execute(
                store_table.insert().values(
                    store_id=2, code="fr", website_id=1, group_id=1, name="French", sort_order=1
                )
            )
        yield api


def test_the_store_comes_from_the_path(scoped: Harness) -> None:
    assert scoped.get("/rest/V1/probe/scope").json() == {"store_id": 1, "code": "default", "website_id": 1}
    assert scoped.get("/rest/fr/V1/probe/scope").json() == {"store_id": 2, "code": "fr", "website_id": 1}
    assert scoped.get("/rest/all/V1/probe/scope").json() == {"store_id": 0, "code": "admin", "website_id": 0}
    assert scoped.get("/rest/default/V1/probe/scope").json()["store_id"] == 1
    unknown = scoped.get("/rest/nowhere/V1/probe/scope")
    assert unknown.status_code == 404
    assert unknown.json() == {"message": STORE_NOT_FOUND, "parameters": []}


def test_async_operations_run_in_the_store_and_as_the_user_that_sent_them(scoped: Harness) -> None:
    sent = scoped.send("POST", "/rest/fr/async/V1/probe/shelf/notes", {"text": "bonjour"}, headers=scoped.admin)
    assert sent.status_code == 202
    bulk_uuid = sent.json()["bulk_uuid"]
    scoped.drain()
    details = scoped.get(f"/rest/V1/bulk/{bulk_uuid}/detailed-status", headers=scoped.admin).json()
    (operation,) = details["operations_list"]
    assert operation["status"] == 1
    assert operation["topic_name"] == "async.V1.probe.byName.notes.POST"
    assert orjson.loads(operation["result_serialized_data"]) == {
        "code": "fr",
        "name": "shelf",
        "text": "bonjour",
        "user_type": 2,
    }


def test_topics_follow_the_documented_rule() -> None:
    assert topic_for("POST", "/V1/customerGroups") == "async.V1.customerGroups.POST"
    assert topic_for("put", "/V1/products/{sku}") == "async.V1.products.bySku.PUT"
    assert topic_for("DELETE", "/V1/products/{sku}/media/{entryId}") == "async.V1.products.bySku.media.byEntryId.DELETE"


def test_declaring_a_route_twice_or_a_clashing_parameter_fails_at_once() -> None:
    registry = Registry()

    @registry.write("POST", "/V1/things/{code}")
    def first(ctx: OperationContext, params: dict[str, str], body: Note) -> None: ...

    with pytest.raises(ValueError, match="twice"):
        registry.write("POST", "/V1/things/{code}")(first)

    with pytest.raises(ValueError, match="clash"):

        @registry.write("PUT", "/V1/notes/{text}")
        def clash(ctx: OperationContext, params: dict[str, str], body: Note) -> None: ...

    with pytest.raises(ValueError, match="read"):
        registry.write("GET", "/V1/things")(first)


def test_errors_have_magentos_shape(api: Harness) -> None:
    missing = api.get("/rest/V1/customerGroups/999")
    assert missing.status_code == 404
    assert missing.json() == {"message": "No such entity with %1 = %2", "parameters": ["id", "999"]}
    assert api.get("/rest/V1/customerGroups/abc").json() == {
        "message": 'Invalid value of "%1" provided for the %2 field.',
        "parameters": ["abc", "id"],
    }
    for path in ("/rest/V1/nothing", "/elsewhere", "/rest/V2/customerGroups/1"):
        nowhere = api.get(path)
        assert nowhere.status_code == 404
        assert nowhere.json() == {"message": NO_ROUTE, "parameters": []}
    no_body = api.send("POST", "/rest/V1/customerGroups")
    assert no_body.status_code == 400
    assert no_body.json()["parameters"] == ["group"]
    wrong_type = api.send("POST", "/rest/V1/customerGroups", {"group": {"code": "X", "tax_class_id": "three"}})
    assert wrong_type.status_code == 400
    assert wrong_type.json() == {
        "message": 'Invalid value of "%1" provided for the %2 field.',
        "parameters": ["three", "group.tax_class_id"],
    }
    not_json = api.client.post(
        "/rest/V1/customerGroups", content=b"{nope", headers={**api.headers, "Content-Type": "application/json"}
    )
    assert not_json.status_code == 400 and not_json.json()["message"].startswith("Decoding error")
    nul = api.send("POST", "/rest/V1/customerGroups", {"group": {"code": "a\x00b"}})
    assert nul.status_code == 400 and nul.json()["parameters"][1] == "group.code"


def test_get_on_an_async_route_is_refused(api: Harness) -> None:
    for path in (
        "/rest/async/V1/customerGroups",
        "/rest/async/bulk/V1/customerGroups/byId",
        "/rest/default/async/V1/x",
    ):
        refused = api.get(path)
        assert refused.status_code == 405, path
        assert "asynchronous" in refused.json()["message"]


def test_the_openapi_document_shows_typed_bodies_responses_and_bulk_items(api: Harness) -> None:
    document = api.client.get("/openapi.json").json()
    paths = document["paths"]
    create = paths["/rest/V1/customerGroups"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/GroupSaveRequest"
    }
    assert create["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CustomerGroup"
    }
    assert "422" not in create["responses"] and "400" in create["responses"]
    bulk = paths["/rest/async/bulk/V1/customerGroups/byId"]["put"]
    # an item of the model, or anything else (answered "rejected" item by item, as Magento's bulk does)
    items = bulk["requestBody"]["content"]["application/json"]["schema"]["items"]["anyOf"][0]["$ref"].rsplit("/", 1)[1]
    item_schema = document["components"]["schemas"][items]
    assert {"id", "group"} <= set(item_schema["properties"]) and "id" in item_schema["required"]
    assert "202" in paths["/rest/async/V1/customerGroups/{id}"]["delete"]["responses"]
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert api.client.get("/docs").status_code == 200


def test_a_handler_bug_is_a_500_with_a_report_id_not_a_traceback(sqlite_url: str) -> None:
    broken = Registry()

    @broken.read("/V1/broken")
    def explode(ctx: OperationContext, params: dict[str, str]) -> int:
        raise ZeroDivisionError("oops")

    with harness(sqlite_url, registry=Registry().include(default_registry()).include(broken)) as api:
        from fastapi.testclient import TestClient

        with TestClient(api.app, raise_server_exceptions=False) as client:
            answer = client.get("/rest/V1/broken", headers=api.headers)
    assert answer.status_code == 500
    body = answer.json()
    assert body["message"].startswith("Internal Error") and len(body["parameters"][0]) == 12
    assert "oops" not in answer.text


def test_the_scope_middleware_leaves_other_paths_alone(scoped: Harness) -> None:
    with scoped.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store_table)).scalar_one() == 3
    assert scoped.client.get("/openapi.json").status_code == 200
    assert scoped.get("/rest/V1/customerGroups/default").json()["id"] == 1
