"""One sku check on every route that takes a sku (path or body): invalid UTF-8, control characters, surrounding
whitespace and overlong skus are a 400 naming the field, and nothing is written."""

from __future__ import annotations

import sqlalchemy as sa

from conveyor.api.errors import INVALID
from conveyor.api.sku import SKU_TOO_LONG
from conveyor.catalog.products.entity import product_table
from tests.integration.api.harness import Harness

BAD_PATH_SKUS = ["%ED%A0%80", "abc%0A", "%20abc", "abc%20", "a%00b", "a%C2%85b"]


def _product(sku: str) -> dict[str, object]:
    name = f"Widget {len(sku)} {sku.encode(errors='replace').hex()}"  # url keys come from names: one each
    return {"product": {"sku": sku, "name": name, "price": 5, "attribute_set_id": 4, "type_id": "simple"}}


def _skus(api: Harness) -> list[str]:
    with api.engine.connect() as conn:
        return list(conn.execute(sa.select(product_table.c.sku)).scalars())


def test_bad_skus_in_paths_are_400_on_every_kind_of_route(sqlite_api: Harness) -> None:
    api = sqlite_api
    for sku in BAD_PATH_SKUS:
        for method, path in (
            ("PUT", f"/rest/V1/products/{sku}"),
            ("GET", f"/rest/V1/products/{sku}"),
            ("PUT", f"/rest/async/V1/products/{sku}"),
            ("GET", f"/rest/V1/stockItems/{sku}"),  # {productSku}
            ("DELETE", f"/rest/V1/configurable-products/good/children/{sku}"),  # {childSku}
        ):
            body = _product("good") if method == "PUT" else None
            answer = api.send(method, path, body)
            assert answer.status_code == 400, (method, path, answer.text)
            assert answer.json()["message"] == INVALID and answer.json()["parameters"][1].endswith(("sku", "Sku")), (
                answer.json()
            )
    assert _skus(api) == []


def test_bad_skus_in_bodies_are_400_and_bulk_items_rejected(sqlite_api: Harness) -> None:
    api = sqlite_api
    for sku in (" abc", "abc ", "ab\ncd", "a\tb"):
        answer = api.send("POST", "/rest/V1/products", _product(sku))
        assert answer.status_code == 400, answer.text
        assert answer.json()["parameters"][1] == "product.sku"
    too_long = api.send("POST", "/rest/V1/products", _product("x" * 65))
    assert too_long.status_code == 400 and too_long.json() == {"message": SKU_TOO_LONG, "parameters": ["64"]}
    link = {"items": [{"sku": "good", "link_type": "related", "linked_product_sku": "b\nad", "position": 1}]}
    assert api.send("POST", "/rest/V1/products/good/links", link).status_code == 400
    bulk = api.send("POST", "/rest/async/bulk/V1/products", [_product("ok-1"), _product("bad\n"), _product("x" * 65)])
    assert bulk.status_code == 202, bulk.text
    assert [item["status"] for item in bulk.json()["request_items"]] == ["accepted", "rejected", "rejected"]
    assert _skus(api) == []


def test_good_skus_still_work(sqlite_api: Harness) -> None:
    api = sqlite_api
    for sku in ("x" * 64, "24-MB01", "Größe-XL", "a b"):
        saved = api.send("POST", "/rest/V1/products", _product(sku))
        assert saved.status_code == 200, saved.text
        encoded = sku.replace(" ", "%20")
        assert api.get(f"/rest/V1/products/{encoded}").json()["sku"] == sku
    assert sorted(_skus(api)) == sorted(["x" * 64, "24-MB01", "Größe-XL", "a b"])
