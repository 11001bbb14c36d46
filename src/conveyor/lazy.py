"""Lazy package surfaces (PEP 562): a package's public names are imported on first use.

Table modules are imported by ``conveyor.schema`` and every worker process imports packages for a name or
two; loading FastAPI, pydantic models and repositories eagerly would add a second to each start.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` resolving ``name`` from the module ``exports[name]`` names, or to that module
    itself when it is the name's own submodule without such an attribute (``conveyor.bulk.status``)."""

    def __getattr__(name: str) -> Any:  # noqa: N807  (the module hook PEP 562 names)
        module_name = exports.get(name)
        if module_name is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(module_name)
        if not hasattr(module, name) and module_name == f"{package}.{name}":
            return module
        return getattr(module, name)

    return __getattr__
