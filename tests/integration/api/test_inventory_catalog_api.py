"""CatalogInventory's stock items, MSI's bulk source operations, low-quantity thresholds and sales checks, as a
Magento client calls them, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from conveyor.catalog.inventory import add_reservations
from tests.integration.api.harness import Harness
from tests.integration.api.inventory_support import STOCK_ITEM_KEYS, msi, ok, stock_item

__all__ = ["msi"]

ITEMS = "/rest/V1/inventory/source-items"


def product(api: Harness, sku: str, qty: float | None = None, type_id: str = "simple") -> int:
    body: dict[str, Any] = {"sku": sku, "name": sku, "price": 1, "type_id": type_id}
    if qty is not None:
        body["extension_attributes"] = {"stock_item": {"qty": qty, "is_in_stock": True}}
    return int(ok(api.send("POST", "/rest/V1/products", {"product": body}))["id"])


def source(api: Harness, code: str) -> None:
    body = {"source": {"source_code": code, "name": code, "country_id": "DE", "postcode": "1"}}
    ok(api.send("POST", "/rest/V1/inventory/sources", body))


def items(api: Harness) -> list[tuple[str, str, float, int]]:
    found = ok(api.get(f"{ITEMS}?searchCriteria[sortOrders][0][field]=sku"))["items"]
    return sorted((i["sku"], i["source_code"], i["quantity"], i["status"]) for i in found)


def test_stock_items_read_update_low_stock_and_status(msi: Harness) -> None:
    product_id = product(msi, "A", qty=10)
    product(msi, "B", qty=2)
    embedded = ok(msi.get("/rest/V1/products/A"))["extension_attributes"]["stock_item"]
    assert embedded["item_id"] == product_id  # fails on main: the product's stock_item had no item_id

    item = ok(msi.get("/rest/V1/stockItems/A"))
    assert list(item) == STOCK_ITEM_KEYS
    assert item == stock_item(product_id, 10)
    change = {"stockItem": {"qty": 3, "use_config_min_qty": False, "min_qty": 1, "notify_stock_qty": 5}}
    assert ok(msi.send("PUT", f"/rest/V1/products/A/stockItems/{product_id}", change)) == product_id
    item = ok(msi.get("/rest/V1/stockItems/A"))
    assert (item["qty"], item["is_in_stock"], item["min_qty"], item["use_config_min_qty"]) == (3, True, 1, False)
    assert (item["notify_stock_qty"], item["use_config_notify_stock_qty"]) == (5, False)
    assert ok(msi.get("/rest/V1/inventory/low-quantity-notification/default/A"))["notify_stock_qty"] == 5
    back = {"stockItem": {"use_config_min_qty": True, "qty": 0.5}}
    ok(msi.send("PUT", f"/rest/V1/products/A/stockItems/{product_id}", back))
    item = ok(msi.get("/rest/V1/stockItems/A"))
    assert (item["min_qty"], item["use_config_min_qty"], item["qty"], item["is_in_stock"]) == (0, True, 0.5, True)

    low = ok(msi.get("/rest/V1/stockItems/lowStock?scopeId=0&qty=5&pageSize=1&currentPage=2"))
    assert low["total_count"] == 2
    assert [i["product_id"] for i in low["items"]] == [ok(msi.get("/rest/V1/products/B"))["id"]]
    assert list(low) == ["items", "search_criteria", "total_count"]
    missing_qty = msi.get("/rest/V1/stockItems/lowStock?scopeId=0")
    assert (missing_qty.status_code, missing_qty.json()["parameters"]) == (400, ["qty"])

    status = ok(msi.get("/rest/V1/stockStatuses/A"))
    assert {k: status[k] for k in ("product_id", "stock_id", "qty", "stock_status")} == {
        "product_id": product_id,
        "stock_id": 1,
        "qty": 0.5,
        "stock_status": 1,
    }
    assert status["stock_item"]["item_id"] == product_id
    unknown = msi.get("/rest/V1/stockItems/nope")
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"message": 'The Product with the "%1" SKU doesn\'t exist.', "parameters": ["nope"]},
    )
    wrong_stock = msi.send("PUT", f"/rest/V1/products/A/stockItems/{product_id}", {"stockItem": {"stock_id": 2}})
    assert wrong_stock.status_code == 400 and wrong_stock.json()["parameters"] == ["2", "1"]


def test_bulk_assign_unassign_and_transfers(msi: Harness) -> None:
    source(msi, "eu")
    source(msi, "us")
    product(msi, "A", qty=10)
    product(msi, "B")
    product(msi, "C", type_id="configurable")
    assign = {"skus": ["A", "B", "C"], "sourceCodes": ["eu", "us"]}
    assert ok(msi.send("POST", "/rest/V1/inventory/bulk-product-source-assign", assign)) == 4  # not the configurable
    assert ok(msi.send("POST", "/rest/V1/inventory/bulk-product-source-assign", assign)) == 0
    assert items(msi) == [
        ("A", "default", 10, 1),
        ("A", "eu", 0, 0),
        ("A", "us", 0, 0),
        ("B", "eu", 0, 0),
        ("B", "us", 0, 0),
    ]
    unknown = msi.send("POST", "/rest/V1/inventory/bulk-product-source-assign", {"skus": ["A"], "sourceCodes": ["xx"]})
    assert unknown.status_code == 404  # Magento's messages; what the request names does not exist
    assert unknown.json() == {
        "message": "Validation Failed",
        "parameters": [],
        "errors": [{"message": "Source %sourceCode does not exist", "parameters": {"sourceCode": "xx"}}],
    }
    no_product = msi.send(
        "POST", "/rest/V1/inventory/bulk-product-source-assign", {"skus": ["Z"], "sourceCodes": ["eu"]}
    )
    assert no_product.status_code == 404
    assert no_product.json() == {
        "message": "Following products with requested skus were not found: %1",
        "parameters": ["Z"],
    }

    transfer = {"skus": ["A"], "originSource": "default", "destinationSource": "eu", "unassignFromOrigin": False}
    assert ok(msi.send("POST", "/rest/V1/inventory/bulk-product-source-transfer", transfer)) is True
    assert ("A", "default", 0, 0) in items(msi) and ("A", "eu", 10, 1) in items(msi)
    itself = msi.send(
        "POST", "/rest/V1/inventory/bulk-product-source-transfer", {**transfer, "destinationSource": "default"}
    )
    assert itself.json()["message"] == "Validation Error: Select different sources for origin and destination."
    assert itself.json()["errors"] == [{"message": "Cannot transfer a source on itself", "parameters": []}]

    partial = {"originSourceCode": "eu", "destinationSourceCode": "us", "items": [{"sku": "A", "qty": 4}]}
    assert ok(msi.send("POST", "/rest/V1/inventory/bulk-partial-source-transfer", partial)) == []
    assert ("A", "eu", 6, 1) in items(msi) and ("A", "us", 4, 1) in items(msi)
    too_much = msi.send(
        "POST", "/rest/V1/inventory/bulk-partial-source-transfer", {**partial, "items": [{"sku": "A", "qty": 7}]}
    )
    assert too_much.json()["message"] == "Transfer validation failed"
    assert too_much.json()["errors"] == [
        {"message": "Requested transfer amount for sku %sku is not available", "parameters": {"sku": "A"}}
    ]
    assert ("A", "eu", 6, 1) in items(msi)  # nothing moved

    unassign = {"skus": ["A", "B"], "sourceCodes": ["us"]}
    assert ok(msi.send("POST", "/rest/V1/inventory/bulk-product-source-unassign", unassign)) == 2
    assert [i for i in items(msi) if i[1] == "us"] == []
    move_all = {**transfer, "originSource": "eu", "destinationSource": "default", "unassignFromOrigin": True}
    ok(msi.send("POST", "/rest/V1/inventory/bulk-product-source-transfer", move_all))
    assert items(msi) == [("A", "default", 6, 1), ("B", "eu", 0, 0)]


def test_low_quantity_notifications_and_salable_quantity(msi: Harness) -> None:
    product(msi, "A", qty=10)
    product(msi, "K", type_id="configurable")
    source(msi, "eu")
    threshold = msi.get("/rest/V1/inventory/low-quantity-notification/eu/A")
    assert ok(threshold) == {"source_code": "eu", "sku": "A", "notify_stock_qty": 1}
    save = {"sourceItemConfigurations": [{"source_code": "eu", "sku": "A", "notify_stock_qty": 3.5}]}
    assert ok(msi.send("POST", "/rest/V1/inventory/low-quantity-notification", save)) == []
    assert ok(msi.get("/rest/V1/inventory/low-quantity-notification/eu/A"))["notify_stock_qty"] == 3.5
    bad = {"sourceItemConfigurations": [{"source_code": "xx", "sku": "A", "notify_stock_qty": 1}]}
    refused = msi.send("POST", "/rest/V1/inventory/low-quantity-notification", bad)
    assert (refused.status_code, refused.json()) == (  # Magento's message; 404: the source does not exist
        404,
        {"message": "Could not save Source Item Configuration", "parameters": []},
    )
    for path in ("xx/A", "eu/nope"):  # a source or product that does not exist: 404
        wrong = msi.get(f"/rest/V1/inventory/low-quantity-notification/{path}")
        assert (wrong.status_code, wrong.json()) == (404, {"message": "Wrong input data", "parameters": []})
    flagged = {"sourceItems": [{"source_code": "eu", "sku": "A", "quantity": True}]}  # lax float took it as 1
    answer = msi.send("POST", "/rest/V1/inventory/low-quantity-notifications-delete", flagged)
    assert (answer.status_code, answer.json()["parameters"][-1]) == (400, "sourceItems.0.quantity"), answer.text
    delete = {"sourceItems": [{"source_code": "eu", "sku": "A"}]}
    assert ok(msi.send("POST", "/rest/V1/inventory/low-quantity-notifications-delete", delete)) == []
    assert ok(msi.get("/rest/V1/inventory/low-quantity-notification/eu/A"))["notify_stock_qty"] == 1
    empty = msi.send("POST", "/rest/V1/inventory/low-quantity-notification", {"sourceItemConfigurations": []})
    assert (empty.status_code, empty.json()["message"]) == (400, "Input data is empty")
    with msi.engine.begin() as conn:
        add_reservations(conn, 1, [("A", -4, '{"event_type":"order_placed","object_type":"order","object_id":"1"}')])
    assert ok(msi.get("/rest/V1/inventory/get-product-salable-quantity/A/1")) == 6
    assert ok(msi.get("/rest/V1/inventory/is-product-salable/A/1")) is True
    assert ok(msi.get("/rest/V1/inventory/is-product-salable-for-requested-qty/A/1/6")) == {
        "salable": True,
        "errors": [],
    }
    assert ok(msi.get("/rest/V1/inventory/is-product-salable-for-requested-qty/A/1/7")) == {
        "salable": False,
        "errors": [
            {"code": "is_salable_with_reservations-not_enough_qty", "message": "The requested qty is not available"}
        ],
    }
    assert ok(msi.get("/rest/V1/inventory/are-products-salable?skus[0]=A&skus[1]=nope&stockId=1")) == [
        {"sku": "A", "stock_id": 1, "salable": True},
        {"sku": "nope", "stock_id": 1, "salable": False},
    ]
    query = "skuRequests[0][sku]=A&skuRequests[0][qty]=2&skuRequests[1][sku]=A&skuRequests[1][qty]=0.5&stockId=1"
    assert ok(msi.get(f"/rest/V1/inventory/are-product-salable-for-requested-qty?{query}")) == [
        {"sku": "A", "stock_id": 1, "salable": True, "errors": []},
        {
            "sku": "A",
            "stock_id": 1,
            "salable": False,
            "errors": [
                {
                    "code": "is_correct_qty-is_qty_decimal",
                    "message": "You cannot use decimal quantity for this product.",
                },
                {"code": "is_correct_qty-min_sale_qty", "message": "The fewest you may purchase is 1"},
            ],
        },
    ]
    composite = msi.get("/rest/V1/inventory/get-product-salable-quantity/K/1")
    assert (composite.status_code, composite.json()["message"]) == (
        400,
        "Can't check requested quantity for products without Source Items support.",
    )
    no_stock = msi.get("/rest/V1/inventory/get-product-salable-quantity/A/9")
    assert (no_stock.status_code, no_stock.json()["parameters"]) == (404, {"value": "9"})
    no_product = msi.get("/rest/V1/inventory/get-product-salable-quantity/nope/1")
    assert no_product.status_code == 404
