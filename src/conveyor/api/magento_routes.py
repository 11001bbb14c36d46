"""Magento's route tables (``webapi.xml``) read and compared with the routes this API serves.

The coverage test and ``conveyor api routes --magento`` use it: which of Magento's admin/integration routes
(a ``<resource ref>`` other than ``self`` and ``anonymous``) are served, and with the same ACL resource. Paths are
compared by shape: ``/V1/products/:sku`` and ``/V1/products/{sku}`` are one route whatever the parameter's name.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from conveyor.api.operations import Operation

ANONYMOUS = "anonymous"
SELF = "self"
# the modules issue 14 covers (admin routes); Directory's routes are all anonymous and counted too
MODULES = (
    "Store",
    "Catalog",
    "CatalogInventory",
    "ConfigurableProduct",
    "Bundle",
    "Eav",
    "Customer",
    "InventoryApi",
    "InventorySalesApi",
    "InventoryCatalogApi",
    "InventoryLowQuantityNotificationApi",
    "Directory",
)
SALES = ("Sales",)
DEFAULT_DIR = Path("../shared/testdata/magento-webapi")
_COLON_PARAM = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)")
_BRACE_PARAM = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


@dataclass(frozen=True)
class MagentoRoute:
    """One ``<route>`` of a module's webapi.xml."""

    module: str
    method: str
    path: str  # with {param}, as this API declares paths
    resources: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        return self.method, shape(self.path)

    @property
    def is_admin(self) -> bool:
        """An admin/integration route: it names an ACL resource beyond ``self`` and ``anonymous``."""
        return any(r not in (SELF, ANONYMOUS) for r in self.resources)

    @property
    def is_anonymous(self) -> bool:
        return self.resources == (ANONYMOUS,)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def shape(path: str) -> str:
    """The path with every parameter written ``{}``: ``/V1/products/{sku}`` → ``/V1/products/{}``."""
    return _BRACE_PARAM.sub("{}", _COLON_PARAM.sub("{}", path.rstrip("/")))


def read_module(directory: Path, module: str) -> list[MagentoRoute]:
    """The routes of ``directory/<module>/webapi.xml``, ``:param`` written ``{param}``."""
    root = ET.parse(directory / module / "webapi.xml").getroot()
    routes = []
    for route in root.iter("route"):
        url = _COLON_PARAM.sub(r"{\1}", route.get("url", "").rstrip("/"))
        refs = tuple(r.get("ref", "") for r in route.iter("resource"))
        routes.append(MagentoRoute(module, route.get("method", "GET").upper(), url, refs))
    return routes


def in_scope(directory: Path, modules: Sequence[str] = MODULES) -> list[MagentoRoute]:
    """The routes this API is to serve: each module's admin routes, and Directory's anonymous ones."""
    found = []
    for module in modules:
        for route in read_module(directory, module):
            if route.is_admin or (module == "Directory" and route.is_anonymous):
                found.append(route)
    return found


@dataclass(frozen=True)
class Coverage:
    """Magento's in-scope routes split into served and missing, and the served ones whose ACL resource differs."""

    declared: tuple[MagentoRoute, ...]
    served: tuple[MagentoRoute, ...]
    missing: tuple[MagentoRoute, ...]
    wrong_resource: tuple[tuple[MagentoRoute, str], ...]  # (Magento's route, the resource the operation declares)

    def by_module(self) -> dict[str, tuple[int, int]]:
        """Served and declared counts per module, in the order of the declared routes."""
        counts: dict[str, list[int]] = {}
        served = {r.key for r in self.served}
        for route in self.declared:
            pair = counts.setdefault(route.module, [0, 0])
            pair[0] += route.key in served
            pair[1] += 1
        return {module: (s, d) for module, (s, d) in counts.items()}


def coverage(routes: Iterable[MagentoRoute], operations: Iterable[Operation]) -> Coverage:
    """Compare Magento's ``routes`` with the registry's ``operations`` (their synchronous routes)."""
    ours = {(op.method, shape(op.path)): op for op in operations}
    declared = tuple(routes)
    served, missing, wrong = [], [], []
    for route in declared:
        op = ours.get(route.key)
        if op is None:
            missing.append(route)
            continue
        served.append(route)
        if route.is_anonymous:
            if not op.public:
                wrong.append((route, op.resource))
        elif op.public or set(op.resource.split(",")) != set(route.resources):
            wrong.append((route, ANONYMOUS if op.public else op.resource))
    return Coverage(declared, tuple(served), tuple(missing), tuple(wrong))
