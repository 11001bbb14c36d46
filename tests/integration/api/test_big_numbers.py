"""JSON integers past 64 bits (found by schemathesis): a 400 naming the problem, never a 500."""

from __future__ import annotations

from tests.integration.api.harness import Harness

HUGE = 2**70


def test_an_async_request_with_a_huge_number_is_a_400(sqlite_api: Harness) -> None:
    body = {"group": {"code": "Huge", "extension_attributes": {"n": HUGE}}}
    answer = sqlite_api.send("POST", "/rest/async/V1/customerGroups", body)
    assert answer.status_code == 400, answer.text
    assert "out of range" in answer.json()["message"]


def test_a_bulk_with_a_huge_number_is_still_answered(sqlite_api: Harness) -> None:
    """The bulk route parses with orjson, which reads such a number as a float: accepted, never a 500."""
    items = [{"group": {"code": "Fine"}}, {"group": {"code": "Huge", "extension_attributes": {"n": HUGE}}}]
    answer = sqlite_api.send("POST", "/rest/async/bulk/V1/customerGroups", items)
    assert answer.status_code == 202, answer.text
    assert [item["status"] for item in answer.json()["request_items"]] == ["accepted", "accepted"]
