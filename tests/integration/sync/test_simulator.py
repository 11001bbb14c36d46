"""The ERP simulator over real HTTP: a deterministic catalogue, quotas, request counts, faults, changes and
signed change-set posts to a webhook."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx

from conveyor.sync.models import Customer, EntityType, Product
from conveyor.sync.signing import verify
from conveyor.sync.simulator import Catalogue
from tests.integration.sync.conftest import Receiver, StartSimulator, admin


def _export(catalogue: Catalogue) -> dict[str, list[object]]:
    return {
        "customers": [c.model_dump() for c in catalogue.customers.values()],
        "products": [p.model_dump() for p in catalogue.products.values()],
        "attributes": [a.model_dump() for a in catalogue.attributes.values()],
        "orders": [(o.order_no, o.lines, o.fulfillments) for o in catalogue.orders.values()],
    }


def test_the_same_seed_gives_the_same_catalogue_and_changes() -> None:
    first, second = Catalogue(seed=11, customers=40, products=25, orders=8), Catalogue(11, 40, 25, 8)
    assert _export(first) == _export(second)
    assert _export(Catalogue(12, 40, 25, 8)) != _export(first)
    now = datetime(2025, 1, 1, tzinfo=UTC)
    for catalogue in (first, second):
        for entity in (EntityType.CUSTOMER, EntityType.PRODUCT, EntityType.ATTRIBUTE, EntityType.FULFILLMENT):
            catalogue.change(entity, now, count=3)
    assert _export(first) == _export(second)


def test_the_catalogue_is_a_retail_one() -> None:
    catalogue = Catalogue(seed=3, customers=60, products=60, orders=20)
    products = list(catalogue.products.values())
    configurable = [p for p in products if p.axes]
    assert configurable and len(configurable) < len(products)  # some simple products too
    assert all(len(p.variants) >= 2 for p in configurable)
    assert any(p.axes == ["colour", "size"] for p in products)
    skus = [v.sku for p in products for v in p.variants]
    assert len(skus) == len(set(skus))
    values = {a.code: {v.code for v in a.values} for a in catalogue.attributes.values()}
    for product in products:
        for variant in product.variants:
            assert set(variant.options) == set(product.axes)
            assert all(value in values[axis] for axis, value in variant.options.items())
            assert {level.outlet for level in variant.stock} == {o.code for o in catalogue.outlets}
            assert all(g.price_group in catalogue.price_groups for g in variant.group_prices)
    customers = list(catalogue.customers.values())
    assert len({c.email for c in customers}) == len(customers)
    assert any(c.price_group for c in customers) and any(c.price_group is None for c in customers)
    assert all(
        sum(a.billing for a in c.addresses) == 1 and sum(a.delivery for a in c.addresses) == 1 for c in customers
    )
    orders = list(catalogue.orders.values())
    assert any(o.fulfillments and not o.remaining() for o in orders)  # fully shipped
    assert any(o.fulfillments and o.remaining() for o in orders)  # partly
    assert any(not o.fulfillments for o in orders)


def test_the_api_serves_the_catalogue_by_id_and_in_pages(start_simulator: StartSimulator) -> None:
    server = start_simulator(seed=5, customers=23, products=4)
    catalogue = server.simulator.catalogue
    with httpx.Client(base_url=server.api_url) as client:
        first = client.get("customers", params={"limit": 10}).json()
        assert first == {"ids": [f"C{n:06d}" for n in range(1, 11)], "next_cursor": "C000010", "total": 23}
        last = client.get("customers", params={"limit": 10, "cursor": "C000020"}).json()
        assert last == {"ids": ["C000021", "C000022", "C000023"], "next_cursor": None, "total": 23}
        customer = Customer.model_validate_json(client.get("customers/C000007").content)
        assert customer == catalogue.customers["C000007"]
        product = Product.model_validate_json(client.get("products/P00002").content)
        assert product == catalogue.products["P00002"]
        missing = client.get("customers/C999999")
        assert missing.status_code == 404 and "C999999" in missing.json()["detail"]
        assert client.get("customers", params={"limit": 5000}).status_code == 422


def test_the_quota_answers_429_with_retry_after_and_counts_per_window(start_simulator: StartSimulator) -> None:
    server = start_simulator(seed=1, customers=3, products=1, quota="4/min")
    while time.time() % 60 > 50:  # the four requests must fall in one minute window
        time.sleep(1)
    with httpx.Client(base_url=server.api_url) as client:
        answers = [client.get("customers/C000001") for _ in range(6)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429, 429]
    refused = answers[4]
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 60 and 0 < refused.json()["retry_after"] <= 60
    stats = admin(server, "GET", "stats?history=true")
    assert stats["quota"] == "4/min" and stats["admitted"] == 4 and stats["refused"] == 2
    minute = next(w for w in stats["windows"] if w["seconds"] == 60)
    assert minute["limit"] == 4 and minute["max"] == 4 and minute["refused"] == 2
    assert sum(count for _start, count in minute["counts"]) == 4
    second = next(w for w in stats["windows"] if w["seconds"] == 1)
    assert second["limit"] is None and sum(count for _start, count in second["counts"]) == 4
    admin(server, "GET", "stats")  # /admin is never limited
    assert admin(server, "PUT", "quota", {"quota": "none"})["quota"] == "none"
    assert httpx.get(f"{server.api_url}/customers/C000001").status_code == 200


def test_api_key_and_injected_faults(start_simulator: StartSimulator) -> None:
    server = start_simulator(seed=1, customers=2, products=1, api_key="k3y")
    url = f"{server.api_url}/customers/C000001"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"X-Api-Key": "wrong"}).status_code == 401
    key = {"X-Api-Key": "k3y"}
    admin(server, "POST", "faults", {"fail": 2, "status": 503})
    assert [httpx.get(url, headers=key).status_code for _ in range(3)] == [503, 503, 200]
    admin(server, "POST", "faults", {"delay": 1, "seconds": 0.6})
    started = time.monotonic()
    assert httpx.get(url, headers=key).status_code == 200
    assert time.monotonic() - started >= 0.6
    started = time.monotonic()
    httpx.get(url, headers=key)
    assert time.monotonic() - started < 0.6


def test_a_change_is_posted_signed_to_the_webhook_and_acknowledged(
    start_simulator: StartSimulator, receiver: Receiver
) -> None:
    server = start_simulator(seed=2, customers=10, products=5, webhook_url=receiver.url, webhook_secret="shared secret")
    before = server.simulator.catalogue.customers["C000004"]
    changed_at = datetime.now(UTC)
    answer = admin(server, "POST", "change", {"entity_type": "customer", "ids": ["C000004", "C000009"]})
    assert answer["changed"] == ["C000004", "C000009"] and answer["change_set"]["delivered"] is True
    (post,) = receiver.wait_for(1)
    assert verify("shared secret", post.headers["X-Signature-Timestamp"], post.headers["X-Signature"], post.body)
    assert not verify("another secret", post.headers["X-Signature-Timestamp"], post.headers["X-Signature"], post.body)
    change_set = post.json()
    assert change_set["entity_type"] == "customer" and change_set["entity_ids"] == ["C000004", "C000009"]
    assert change_set["id"] == answer["change_set"]["id"]
    after = server.simulator.catalogue.customers["C000004"]
    assert after != before and after.updated_at >= changed_at.replace(microsecond=0)
    since = httpx.get(f"{server.api_url}/customers", params={"updated_since": changed_at.isoformat()}).json()
    assert since["ids"] == ["C000004", "C000009"]
    listed = admin(server, "GET", "change-sets")
    assert [c["acknowledged"] for c in listed] == [False]
    ack = httpx.post(f"{server.api_url}/change-sets/{change_set['id']}/acknowledge")
    assert ack.status_code == 200 and ack.json()["acknowledged"] is True
    assert httpx.post(f"{server.api_url}/change-sets/CS-nope/acknowledge").status_code == 404
    assert admin(server, "GET", "change-sets")[0]["acknowledged"] is True


def test_a_failed_webhook_post_is_retried(start_simulator: StartSimulator, receiver: Receiver) -> None:
    receiver.status = 503
    server = start_simulator(seed=2, customers=3, products=5, webhook_url=receiver.url)
    answer = admin(server, "POST", "change", {"entity_type": "product", "count": 2})
    assert answer["change_set"]["delivered"] is False and len(answer["changed"]) == 2
    receiver.status = 200
    posts = receiver.wait_for(2)
    assert posts[0].body == posts[1].body and "X-Signature" not in posts[0].headers  # no secret: unsigned
    deadline = time.monotonic() + 10
    while not admin(server, "GET", "change-sets")[0]["delivered"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_changes_on_a_schedule(start_simulator: StartSimulator, receiver: Receiver) -> None:
    server = start_simulator(
        seed=4, customers=20, products=20, orders=5, webhook_url=receiver.url, change_every=0.2, change_count=2
    )
    posts = receiver.wait_for(3)
    for post in posts[:3]:
        body = post.json()
        assert body["entity_type"] in ("customer", "product", "fulfillment") and 1 <= len(body["entity_ids"]) <= 2
    assert len(admin(server, "GET", "change-sets")) >= 3


def test_orders_are_registered_and_fulfilled_on_demand(start_simulator: StartSimulator) -> None:
    server = start_simulator(seed=6, customers=1, products=3)
    sku = server.simulator.catalogue.all_skus()[0]
    admin(server, "POST", "orders", {"order_no": "100000001", "lines": [{"sku": sku, "quantity": 2}]})
    url = f"{server.api_url}/orders/100000001/fulfillments"
    assert httpx.get(url).json() == {"order_no": "100000001", "fulfillments": []}
    refused = httpx.post(
        f"{server.url}/admin/orders", json={"order_no": "X", "lines": [{"sku": "NOPE", "quantity": 1}]}
    )
    assert refused.status_code == 400 and "NOPE" in refused.text
    assert admin(server, "POST", "change", {"entity_type": "fulfillment", "ids": ["100000001"]})["changed"] == [
        "100000001"
    ]
    (fulfillment,) = httpx.get(url).json()["fulfillments"]
    assert fulfillment["lines"] == [{"sku": sku, "quantity": "2"}] and fulfillment["tracking_numbers"]
    # everything shipped: another change has nothing to do
    assert admin(server, "POST", "change", {"entity_type": "fulfillment", "ids": ["100000001"]})["changed"] == []
    assert httpx.get(f"{server.api_url}/orders").json()["ids"] == ["100000001"]
