"""Every route of Magento's Customer ``webapi.xml`` an admin or integration can call is served, with its ACL ref."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from conveyor.api.operations import default_registry
from tests.support.testdata import TESTDATA

WEBAPI = TESTDATA / "magento-webapi" / "Customer" / "webapi.xml"


def shape(method: str, path: str) -> tuple[str, str]:
    """A route's key whatever its parameters are called (``/V1/customers/{}``)."""
    return method, re.sub(r"\{\w+\}", "{}", re.sub(r":(\w+)", "{}", path))


def declared() -> dict[tuple[str, str], str]:
    """Route key → resource ref, for every route not reserved to a logged-in customer (``self``)."""
    routes = {}
    for route in ET.parse(WEBAPI).getroot():
        ref = route.find("resources/resource")
        assert ref is not None
        if ref.attrib["ref"] != "self":
            routes[shape(route.attrib["method"], route.attrib["url"])] = ref.attrib["ref"]
    return routes


def test_every_admin_and_anonymous_customer_route_is_served_with_magentos_resource() -> None:
    served = {shape(op.method, op.path): op for op in default_registry()}
    routes = declared()
    assert len(routes) == 35  # 30 admin routes and 5 anonymous ones
    assert [key for key in routes if key not in served] == []
    assert {key: (served[key].resource, ref) for key, ref in routes.items() if served[key].resource != ref} == {}
    anonymous = sorted(key for key, ref in routes.items() if ref == "anonymous")
    assert sorted(key for key in anonymous if served[key].public) == anonymous  # no token needed, as in Magento
