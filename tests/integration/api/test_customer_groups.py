"""Customer groups through the API: Magento's routes, payloads and messages, sync and async."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson

from conveyor.api.search import Filter, FilterGroup, SearchCriteria, SortOrder
from tests.integration.api.harness import Harness

BASE = "/rest/V1/customerGroups"
ALREADY = {"message": "Customer Group already exists.", "parameters": []}


def create(api: Harness, code: str, tax_class_id: int | None = None) -> Any:
    group: dict[str, Any] = {"code": code}
    if tax_class_id is not None:
        group["tax_class_id"] = tax_class_id
    return api.send("POST", BASE, {"group": group})


def test_create_read_update_delete(api: Harness) -> None:
    created = create(api, "Wholesale EU", 3)
    assert created.status_code == 200
    assert created.json() == {"id": 4, "code": "Wholesale EU", "tax_class_id": 3, "tax_class_name": "Retail Customer"}
    assert create(api, "Second").json()["id"] == 5  # largest + 1
    assert api.get(f"{BASE}/4").json()["code"] == "Wholesale EU"
    updated = api.send("PUT", f"{BASE}/4", {"group": {"code": "Wholesale Europe", "tax_class_id": 5}})
    assert updated.json() == {"id": 4, "code": "Wholesale Europe", "tax_class_id": 5}
    assert api.get(f"{BASE}/4").json()["tax_class_id"] == 5
    # Magento's save: POST with an id updates that group
    assert api.send("POST", BASE, {"group": {"id": 4, "code": "WE"}}).json()["code"] == "WE"
    assert api.send("DELETE", f"{BASE}/4").json() is True
    assert api.get(f"{BASE}/4").status_code == 404
    assert api.send("DELETE", f"{BASE}/4").status_code == 404
    assert create(api, "Third").json()["id"] == 6  # id 5 is still the largest


def test_duplicates_in_any_letter_case_are_refused(api: Harness) -> None:
    for code in ("General", "general", "WHOLESALE"):
        refused = create(api, code)
        assert (refused.status_code, refused.json()) == (400, ALREADY)
    create(api, "Mine")
    renamed = api.send("PUT", f"{BASE}/2", {"group": {"code": "mine"}})
    assert (renamed.status_code, renamed.json()) == (400, ALREADY)
    assert api.send("PUT", f"{BASE}/2", {"group": {"code": "Wholesale"}}).status_code == 200  # its own code


def test_the_default_groups_cannot_be_deleted(api: Harness) -> None:
    for group_id in (0, 1):
        refused = api.send("DELETE", f"{BASE}/{group_id}")
        assert (refused.status_code, refused.json()) == (400, {"message": "Cannot delete group.", "parameters": []})
    assert api.get(f"{BASE}/0").json()["code"] == "NOT LOGGED IN"


def test_invalid_codes_name_the_field(api: Harness) -> None:
    blank = create(api, "   ")
    assert blank.json() == {"message": '"%1" is required. Enter and try again.', "parameters": ["code"]}
    long = create(api, "x" * 33)
    assert long.status_code == 400 and long.json()["parameters"] == ["x" * 33, "code"]
    untaxed = api.send("POST", BASE, {"group": {"code": "Untaxed", "tax_class_id": 0}})
    assert untaxed.status_code == 400 and untaxed.json()["parameters"] == ["0", "tax_class_id"]
    # the document calls each of them invalid, and the longest code and the lowest tax class valid
    for group in ({"code": "   "}, {"code": "x" * 33}, {"code": "Untaxed", "tax_class_id": 0}):
        assert not api.documented("POST", BASE, {"group": group}), group
        assert not api.documented("PUT", f"{BASE}/{{id}}", {"group": group}), group
    assert api.documented("POST", BASE, {"group": {"code": "x" * 32, "tax_class_id": 1}})
    assert api.send("PUT", f"{BASE}/99", {"group": {"code": "Ghost"}}).status_code == 404


def test_default_group(api: Harness) -> None:
    assert api.get(f"{BASE}/default").json()["id"] == 1
    assert api.get(f"{BASE}/default/1").json()["code"] == "General"
    unknown_store = api.get(f"{BASE}/default/77")
    assert (unknown_store.status_code, unknown_store.json()["parameters"]) == (404, ["storeId", "77"])


def test_setting_the_default_group_and_read_only_groups(api: Harness) -> None:
    wholesale = create(api, "Wholesale EU").json()
    readonly = {group_id: api.get(f"{BASE}/{group_id}/permissions").json() for group_id in (0, 1, wholesale["id"])}
    assert readonly == {0: True, 1: True, wholesale["id"]: False}

    answer = api.send("PUT", f"{BASE}/default/{wholesale['id']}")
    assert (answer.status_code, answer.json()) == (200, wholesale["id"])
    assert api.get(f"{BASE}/default").json() == wholesale
    assert api.get(f"{BASE}/default/0").json() == wholesale  # set at the default scope: every store
    readonly = {group_id: api.get(f"{BASE}/{group_id}/permissions").json() for group_id in (0, 1, wholesale["id"])}
    assert readonly == {0: True, 1: False, wholesale["id"]: True}
    refused = api.send("DELETE", f"{BASE}/{wholesale['id']}")
    assert (refused.status_code, refused.json()["message"]) == (400, "Cannot delete group.")
    customer = {"email": "jane@example.com", "firstname": "Jane", "lastname": "Doe"}
    jane = api.send("POST", "/rest/V1/customers", {"customer": customer}).json()
    assert jane["group_id"] == wholesale["id"]

    assert api.send("PUT", f"{BASE}/default/99").status_code == 404
    assert api.get(f"{BASE}/default").json()["id"] == wholesale["id"]  # unchanged
    assert api.get(f"{BASE}/99/permissions").json()["parameters"] == ["groupId", "99"]
    queued = api.send("PUT", "/rest/async/bulk/V1/customerGroups/default/byId", [{"id": 1}])
    assert queued.status_code == 202, queued.text
    api.drain()
    assert api.get(f"{BASE}/default").json()["id"] == 1
    assert api.send("DELETE", f"{BASE}/{wholesale['id']}").json() is True  # no longer the default
    assert api.get(f"/rest/V1/customers/{jane['id']}").json()["group_id"] == 1  # moved to the default group


def test_search_filters_sorts_and_pages(api: Harness) -> None:
    for code in ("Gold", "Silver", "Bronze", "Golden Age"):
        create(api, code, 7 if code.startswith("G") else 3)
    criteria = SearchCriteria(
        filter_groups=(
            FilterGroup((Filter("code", "gol%", "like"), Filter("code", "Silver", "eq"))),  # OR
            FilterGroup((Filter("id", "3", "gt"),)),  # AND
        ),
        sort_orders=(SortOrder("tax_class_id", "DESC"), SortOrder("code", "ASC")),
        page_size=2,
        current_page=1,
    )
    found = api.get(f"{BASE}/search?{urlencode(criteria.to_query())}").json()
    assert [g["code"] for g in found["items"]] == ["Gold", "Golden Age"]
    assert found["total_count"] == 3
    assert found["search_criteria"] == criteria.echo()
    second = SearchCriteria(criteria.filter_groups, criteria.sort_orders, page_size=2, current_page=2)
    assert [g["code"] for g in api.get(f"{BASE}/search?{urlencode(second.to_query())}").json()["items"]] == ["Silver"]
    everything = api.get(f"{BASE}/search?searchCriteria").json()
    assert everything["total_count"] == 8 and everything["search_criteria"] == {"filter_groups": []}
    bad_field = api.get(f"{BASE}/search?searchCriteria[sortOrders][0][field]=tax_class_name")
    assert bad_field.status_code == 400
    assert bad_field.json()["parameters"] == ["tax_class_name", "searchCriteria[sort_orders][0][field]"]
    bad_value = api.get(
        f"{BASE}/search?searchCriteria[filter_groups][0][filters][0][field]=id"
        "&searchCriteria[filter_groups][0][filters][0][value]=one"
    )
    assert bad_value.status_code == 400 and bad_value.json()["parameters"][0] == "one"


def test_async_single_requests_including_a_path_parameter(api: Harness) -> None:
    created = api.send("POST", "/rest/async/V1/customerGroups", {"group": {"code": "Later"}})
    assert created.status_code == 202
    answer = created.json()
    assert answer["errors"] is False and answer["request_items"][0]["status"] == "accepted"
    assert len(answer["request_items"][0]["data_hash"]) == 64
    assert api.get(f"{BASE}/4").status_code == 404  # nothing happens before the consumer runs
    api.drain()
    assert api.get(f"{BASE}/4").json()["code"] == "Later"
    renamed = api.send("PUT", "/rest/async/V1/customerGroups/4", {"group": {"code": "Later Still"}})
    deleted_default = api.send("DELETE", "/rest/async/V1/customerGroups/1")
    assert renamed.status_code == deleted_default.status_code == 202
    api.drain()
    assert api.get(f"{BASE}/4").json()["code"] == "Later Still"
    status = api.get(f"/rest/V1/bulk/{deleted_default.json()['bulk_uuid']}/status").json()
    assert status["status"] == 3
    assert status["operations_list"][0]["result_message"] == "Cannot delete group."
    invalid = api.send("POST", "/rest/async/V1/customerGroups", {"group": {}})
    assert invalid.status_code == 400 and invalid.json()["parameters"] == ["group.code"]


def test_bulk_put_by_id_moves_the_parameter_into_each_item(api: Harness) -> None:
    for code in ("A", "B"):
        create(api, code)
    sent = api.send(
        "PUT",
        "/rest/async/bulk/V1/customerGroups/byId",
        [{"id": 4, "group": {"code": "A2"}}, {"id": "5", "group": {"code": "B2", "tax_class_id": 9}}],
    )
    assert sent.status_code == 202
    api.drain()
    assert api.get(f"{BASE}/4").json()["code"] == "A2"
    assert api.get(f"{BASE}/5").json() == {"id": 5, "code": "B2", "tax_class_id": 9}
    details = api.get(f"/rest/V1/bulk/{sent.json()['bulk_uuid']}/detailed-status").json()
    assert [op["topic_name"] for op in details["operations_list"]] == ["async.V1.customerGroups.byId.PUT"] * 2
    assert orjson.loads(details["operations_list"][1]["result_serialized_data"])["code"] == "B2"
    deleted = api.send("DELETE", "/rest/async/bulk/V1/customerGroups/byId", [{"id": 4}, {"id": 5}, {"code": 6}])
    answer = deleted.json()
    assert [i["status"] for i in answer["request_items"]] == ["accepted", "accepted", "rejected"]
    assert answer["request_items"][2]["error_message"] == '"id" is required. Enter and try again.'
    api.drain()
    assert api.get(f"{BASE}/4").status_code == api.get(f"{BASE}/5").status_code == 404
