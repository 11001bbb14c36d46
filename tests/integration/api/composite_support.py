"""What the configurable and bundle API tests share: a small app (product-side routes only) on SQLite and
PostgreSQL, product creation, and Magento's route table of a module."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest

from conveyor.api.operations import Registry, default_registry
from tests.integration.api.harness import Harness, harness
from tests.support.testdata import TESTDATA

WEBAPI = TESTDATA / "magento-webapi"
MODULES = ("products", "configurable", "bundle", "bulk", "integration")


def composite_side() -> Registry:
    """The operations these tests use: an app with a fraction of the routes builds much faster."""
    registry = Registry()
    for operation in default_registry():
        if operation.handler.__module__.rsplit(".", 1)[-1] in MODULES:
            registry.add(operation)
    return registry


@pytest.fixture(params=["sqlite", "postgresql"])
def api(request: pytest.FixtureRequest) -> Iterator[Harness]:
    """The app on SQLite and PostgreSQL."""
    url = str(request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "pg_url"}[request.param]))
    with harness(url, registry=composite_side()) as running:
        yield running


def create(api: Harness, sku: str, **fields: Any) -> dict[str, Any]:
    """A product through POST /V1/products (named by its sku, price 10, unless given)."""
    answer = api.send("POST", "/rest/V1/products", {"product": {"sku": sku, "name": sku, "price": 10, **fields}})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def magento_routes(module: str) -> list[tuple[str, str, str]]:
    """(method, path with ``{param}``, ACL resource) of every route of the module's webapi.xml."""
    routes = []
    for route in ET.parse(WEBAPI / module / "webapi.xml").getroot():
        path = "/".join(f"{{{part[1:]}}}" if part.startswith(":") else part for part in route.attrib["url"].split("/"))
        (resource,) = [item.attrib["ref"] for item in route.iter("resource")]
        routes.append((route.attrib["method"], path, resource))
    return routes
