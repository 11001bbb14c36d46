"""The catalog's faces: every exported name resolves, and no package outside the catalog reaches past a face.

The faces are lazy (``conveyor.lazy``), so a misspelt export only fails when used; and mypy accepts any name from
a module with ``__getattr__``, so this test is what catches it.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import conveyor

SRC = Path(conveyor.__file__).parent
DOMAINS = ("stores", "eav", "categories", "products", "customers", "inventory", "sales")
FACES = ("conveyor.catalog", *(f"conveyor.catalog.{domain}" for domain in DOMAINS))


@pytest.mark.parametrize("face", FACES)
def test_every_exported_name_resolves(face: str) -> None:
    module = importlib.import_module(face)
    missing = [name for name in module.__all__ if getattr(module, name, None) is None]
    assert missing == []


def imported_catalog_modules(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of each ``from conveyor.catalog… import`` and ``import conveyor.catalog…`` in ``path``."""
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("conveyor.catalog"):
            found.append((node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names if alias.name.startswith("conveyor.catalog")]
    return found


def test_packages_outside_the_catalog_import_only_its_faces() -> None:
    allowed = {*FACES, "conveyor.catalog.schema"}  # schema: conveyor.db.tables puts the tables on the metadata
    offences = []
    for path in sorted(SRC.rglob("*.py")):
        if SRC / "catalog" in path.parents:
            continue
        for module, names in imported_catalog_modules(path):
            private = [name for name in names if name.startswith("_")]
            if module not in allowed or private:
                offences.append(f"{path.relative_to(SRC)}: {module} {private}")
    assert offences == []
