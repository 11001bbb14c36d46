"""Every route of the attribute, attribute-set, Eav and category families in Magento's webapi.xml is declared,
with Magento's method, path and ACL resource (the families this module's resources serve)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from conveyor.api.operations import default_registry
from tests.support.testdata import TESTDATA

WEBAPI = TESTDATA / "magento-webapi"
FAMILY = re.compile(r"^/V1/(products/attributes|products/attribute-sets|products/media/types|categories|eav/)")


def declared(module: str) -> set[tuple[str, str, str]]:
    """(method, path with {param}s, resource ref) of the module's routes in the families above."""
    routes = set()
    for route in ET.parse(WEBAPI / module / "webapi.xml").getroot():
        url = re.sub(r":(\w+)", r"{\1}", route.attrib["url"])
        if FAMILY.match(url):
            refs = [r.attrib["ref"] for r in route.iter("resource")]
            routes.add((route.attrib["method"], url, refs[0]))
    return routes


def test_the_families_are_served_with_magentos_acl() -> None:
    served = {(op.method, op.path, op.resource) for op in default_registry()}
    wanted = declared("Catalog") | declared("Eav")
    assert len(wanted) == 44
    assert sorted(wanted - served) == []
