"""``POST /rest/V1/commands/{name}``: a command queued (its message id) or run inline (its result), behind the ACL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conveyor.api.auth import create_integration_token
from conveyor.bus import Command, Context, default_registry
from conveyor.mq import count_messages, stats
from tests.integration.api.harness import Harness

PATH = "/rest/V1/commands/"


class Greet(Command):
    name: str


def greet(command: Greet, context: Context) -> dict[str, str]:
    if command.name == "nobody":
        raise RuntimeError("nobody to greet")
    return {"greeting": f"hello {command.name}"}


@pytest.fixture
def greeting() -> Iterator[None]:
    registry = default_registry()
    registry.register(Greet, greet, name="test.greet")
    yield
    registry.unregister(Greet)


def test_a_queued_command_answers_its_message_id_and_waits_in_its_queue(sqlite_api: Harness) -> None:
    answer = sqlite_api.send("POST", PATH + "sync.product", {"arguments": {"product_no": "MH01"}, "mode": "queue"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["command"], body["outcome"]) == ("sync.product", "queued")
    [waiting] = stats.browse(sqlite_api.mq, "commands.products", [2]) or []
    assert waiting.envelope.message_id == body["message_id"]
    assert waiting.envelope.json()["data"]["product_no"] == "MH01"


def test_an_inline_command_answers_its_result(sqlite_api: Harness, greeting: None) -> None:
    answer = sqlite_api.send("POST", PATH + "test.greet", {"arguments": {"name": "Luma"}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "success"
    assert answer.json()["result"] == {"greeting": "hello Luma"}


def test_a_failing_inline_command_answers_its_error(sqlite_api: Harness, greeting: None) -> None:
    answer = sqlite_api.send("POST", PATH + "test.greet", {"arguments": {"name": "nobody"}})
    assert answer.status_code == 400
    assert answer.json()["message"] == "The command %1 failed: %2"
    assert answer.json()["parameters"] == ["test.greet", "nobody to greet"]


def test_unknown_commands_and_wrong_arguments_are_named(sqlite_api: Harness) -> None:
    unknown = sqlite_api.send("POST", PATH + "sync.nothing", {"arguments": {}})
    assert unknown.status_code == 404
    assert unknown.json()["parameters"] == ["sync.nothing"]
    missing = sqlite_api.send("POST", PATH + "sync.product", {"arguments": {"sku": "MH01"}, "mode": "queue"})
    assert missing.status_code == 400
    assert "product_no" in missing.json()["parameters"] or "sku" in missing.json()["parameters"]
    assert count_messages(sqlite_api.mq, ["commands.products"])[0].waiting == 0


def test_the_acl_guards_it(sqlite_api: Harness) -> None:
    with sqlite_api.engine.begin() as conn:
        catalog_only = create_integration_token(conn, "catalog", ["Magento_Catalog::products"])
        commands = create_integration_token(conn, "commands", ["Conveyor_Bus::commands"])
    body = {"arguments": {"product_no": "MH01"}, "mode": "queue"}
    refused = sqlite_api.send("POST", PATH + "sync.product", body, headers={"Authorization": f"Bearer {catalog_only}"})
    assert refused.status_code == 403
    allowed = sqlite_api.send("POST", PATH + "sync.product", body, headers={"Authorization": f"Bearer {commands}"})
    assert allowed.status_code == 200
    assert sqlite_api.send("POST", PATH + "sync.product", body, headers={}).status_code == 401
