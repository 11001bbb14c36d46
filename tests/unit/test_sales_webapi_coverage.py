"""Every route of Magento's Sales ``webapi.xml`` is served, with the ACL resource Magento names for it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from conveyor.api.operations import default_registry
from tests.support.testdata import TESTDATA

WEBAPI = TESTDATA / "magento-webapi/Sales/webapi.xml"


def magento_routes() -> dict[tuple[str, str], str]:
    """(method, path with ``{param}``) → ACL resource, from Magento's file."""
    routes = {}
    for route in ET.parse(WEBAPI).getroot().iter("route"):
        path = re.sub(r":(\w+)", r"{\1}", route.attrib["url"]).rstrip("/")
        resource = route.find("resources/resource")
        assert resource is not None
        routes[(route.attrib["method"], path)] = resource.attrib["ref"]
    return routes


def test_all_45_sales_routes_are_served_with_magentos_acl_resources() -> None:
    wanted = magento_routes()
    served = {(op.method, op.path): op.resource for op in default_registry()}
    assert len(wanted) == 45
    missing = sorted(key for key in wanted if key not in served)
    assert missing == []
    wrong = {key: (served[key], acl) for key, acl in wanted.items() if served[key] != acl}
    assert wrong == {}
