"""Customer and address attribute metadata as Magento answers it: shapes key by key, forms, custom attributes."""

from __future__ import annotations

from tests.integration.api.harness import Harness

BASE = "/rest/V1/attributeMetadata"
KEYS = {
    "frontend_input",
    "input_filter",
    "store_label",
    "validation_rules",
    "multiline_count",
    "visible",
    "required",
    "data_model",
    "options",
    "frontend_class",
    "user_defined",
    "sort_order",
    "frontend_label",
    "note",
    "system",
    "backend_type",
    "is_used_in_grid",
    "is_visible_in_grid",
    "is_filterable_in_grid",
    "is_searchable_in_grid",
    "attribute_code",
}
NOT_FOUND = "No such entity with %fieldName = %fieldValue, %field2Name = %field2Value"


def codes(items: list[dict[str, object]]) -> list[object]:
    return [item["attribute_code"] for item in items]


def test_customer_metadata_attributes_forms_and_custom_ones(api: Harness) -> None:
    everything = api.get(f"{BASE}/customer").json()
    assert all(set(item) == KEYS for item in everything)
    assert {"email", "firstname", "lastname", "group_id", "website_id", "dob", "gender"} <= set(codes(everything))
    firstname = api.get(f"{BASE}/customer/attribute/firstname").json()
    assert firstname == next(item for item in everything if item["attribute_code"] == "firstname")
    assert (firstname["frontend_input"], firstname["required"], firstname["frontend_label"]) == (
        "text",
        True,
        "First Name",
    )
    assert firstname["validation_rules"] == [
        {"name": "max_text_length", "value": "255"},
        {"name": "min_text_length", "value": "1"},
    ]
    group = api.get(f"{BASE}/customer/attribute/group_id").json()
    assert {"label": "General", "value": "1"} in group["options"]
    assert {"label": "NOT LOGGED IN", "value": "0"} not in group["options"]
    assert api.get(f"{BASE}/customer/attribute/gender").json()["options"][:2] == [
        {"label": "Male", "value": "1"},
        {"label": "Female", "value": "2"},
    ]

    admin_form = codes(api.get(f"{BASE}/customer/form/adminhtml_customer").json())
    signup_form = codes(api.get(f"{BASE}/customer/form/customer_account_create").json())
    assert {"website_id", "group_id", "firstname", "email"} <= set(admin_form)
    assert "firstname" in signup_form and "group_id" not in signup_form and "website_id" not in signup_form
    assert "default_billing" not in admin_form  # hidden system attributes are on no form

    assert api.get(f"{BASE}/customer/custom").json() == []
    customer = {"email": "j@example.com", "firstname": "J", "lastname": "D"}
    customer["custom_attributes"] = [{"attribute_code": "loyalty_tier", "value": "gold"}]  # type: ignore[assignment]
    assert api.send("POST", "/rest/V1/customers", {"customer": customer}).status_code == 200
    custom = api.get(f"{BASE}/customer/custom").json()
    assert codes(custom) == ["loyalty_tier"] and custom[0]["user_defined"] is True and set(custom[0]) == KEYS
    assert api.get(f"{BASE}/customer/attribute/loyalty_tier").json() == custom[0]
    assert "loyalty_tier" in codes(api.get(f"{BASE}/customer").json())

    missing = api.get(f"{BASE}/customer/attribute/shoe_size")
    assert (missing.status_code, missing.json()) == (
        404,
        {
            "message": NOT_FOUND,
            "parameters": {
                "fieldName": "entityType",
                "fieldValue": "customer",
                "field2Name": "attributeCode",
                "field2Value": "shoe_size",
            },
        },
    )
    no_form = api.get(f"{BASE}/customer/form/nowhere").json()
    assert no_form["parameters"]["field2Name"] == "formCode" and no_form["parameters"]["field2Value"] == "nowhere"
    assert api.get(f"{BASE}/customer", headers={}).status_code == 401


def test_address_metadata(api: Harness) -> None:
    everything = api.get(f"{BASE}/customerAddress").json()
    assert all(set(item) == KEYS for item in everything)
    assert {"street", "city", "country_id", "postcode", "telephone", "region_id"} <= set(codes(everything))
    street = api.get(f"{BASE}/customerAddress/attribute/street").json()
    assert (street["frontend_input"], street["multiline_count"], street["required"]) == ("multiline", 2, True)
    assert api.get(f"{BASE}/customerAddress/custom").json() == []
    form = codes(api.get(f"{BASE}/customerAddress/form/customer_address_edit").json())
    assert "city" in form and form == codes(api.get(f"{BASE}/customerAddress/form/adminhtml_customer_address").json())
    missing = api.get(f"{BASE}/customerAddress/attribute/email").json()
    assert missing["parameters"]["fieldValue"] == "customer_address"
