"""Every route of Magento's inventory modules is served with its method, path and ACL resource, read from
Magento's own webapi.xml files (``../shared/testdata/magento-webapi``)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from conveyor.api.operations import default_registry
from tests.support.testdata import TESTDATA

WEBAPI = TESTDATA / "magento-webapi"
MODULES = (
    "CatalogInventory",
    "InventoryApi",
    "InventorySalesApi",
    "InventoryCatalogApi",
    "InventoryLowQuantityNotificationApi",
)


def declared(module: str) -> list[tuple[str, str, str]]:
    """(method, path in our form, ACL resource) of each route in the module's webapi.xml."""
    routes = []
    for route in ET.parse(WEBAPI / module / "webapi.xml").getroot().iter("route"):
        path = re.sub(r":(\w+)", r"{\1}", route.attrib["url"]).rstrip("/")
        resource = route.find("resources/resource")
        assert resource is not None
        routes.append((route.attrib["method"], path, resource.attrib["ref"]))
    return routes


@pytest.mark.parametrize("module", MODULES)
def test_every_inventory_route_is_served_with_magentos_acl(module: str) -> None:
    if not WEBAPI.exists():
        pytest.skip(f"{WEBAPI} is not on this machine")
    served = {(op.method, op.path): op.resource for op in default_registry()}
    routes = declared(module)
    assert routes
    missing = [(m, p) for m, p, _ in routes if (m, p) not in served]
    assert missing == []
    wrong_acl = [(m, p, r, served[(m, p)]) for m, p, r in routes if served[(m, p)] != r]
    assert wrong_acl == []
