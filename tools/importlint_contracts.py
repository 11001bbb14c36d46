"""Import-linter contract types of our own, loaded through ``contract_types`` in pyproject.toml.

``private_names``: a name that starts with an underscore never crosses a package line. Import-linter's built-in
``private_modules`` contract covers private *modules*; ``from conveyor.catalog.stores import _DEFAULTS`` imports
a private *name* from a public module, which only the source shows, so this contract reads the import statements
of every module in the graph.

A private name belongs to the package that defines it: a name in ``conveyor.catalog.stores`` to ``conveyor.catalog``
(any module under it may import the name, as the package renames it together), a name in a subpackage's module to
that subpackage only. The same rule as ``private_modules``, applied to names.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import grimp
from importlinter.application import output
from importlinter.domain.contract import Contract, ContractCheck


@dataclass(frozen=True, order=True)
class PrivateImport:
    """``importer`` (line ``line``) imports ``target``, private to the package ``owner``."""

    importer: str
    line: int
    target: str
    owner: str


class PrivateNamesContract(Contract):
    """Names starting with ``_`` (dunders excepted) are imported only within the package that defines them."""

    type_name = "private_names"

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        ours = (module for module in graph.modules if not graph.is_module_squashed(module))  # not external packages
        found = sorted(crossing for module in ours for crossing in private_imports(module))
        return ContractCheck(kept=not found, metadata={"private_imports": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error("Private names imported from outside the package that owns them:", bold=False)
        output.new_line()
        crossings: list[PrivateImport] = check.metadata["private_imports"]
        for crossing in crossings:
            output.print_error(
                f"- {crossing.importer} (l.{crossing.line}) imports {crossing.target} (private to {crossing.owner})",
                bold=False,
            )
        output.new_line()


def private_imports(importer: str) -> list[PrivateImport]:
    """The imports in ``importer``'s source of names private to a package ``importer`` is not in."""
    source = source_of(importer)
    if source is None:
        return []
    found: list[PrivateImport] = []
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"), filename=str(source))):
        for target in imported_targets(node, importer, is_package(importer)):
            owner = owner_of(target)
            if owner is not None and importer != owner and not importer.startswith(owner + "."):
                found.append(PrivateImport(importer, getattr(node, "lineno", 0), target, owner))
    return found


def imported_targets(node: ast.AST, importer: str, importer_is_package: bool) -> list[str]:
    """The dotted names an import statement reaches: ``from a.b import _c, d`` gives ``a.b._c`` and ``a.b.d``."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        module = absolute(node.module or "", node.level, importer, importer_is_package)
        return [f"{module}.{alias.name}" for alias in node.names if alias.name != "*"]
    return []


def owner_of(target: str) -> str | None:
    """The package a dotted name is private to: the innermost package above its innermost private part (None
    when no part is private). A module-level name of a plain module belongs to the module's package."""
    parts = target.split(".")
    private = [index for index, part in enumerate(parts) if is_private(part)]
    if not private:
        return None
    owner = ".".join(parts[: private[-1]])
    while owner and not is_package(owner):
        owner = owner.rpartition(".")[0]
    return owner or None


def absolute(module: str, level: int, importer: str, importer_is_package: bool) -> str:
    """The absolute name of a (possibly relative) ``from`` import's module."""
    if level == 0:
        return module
    parts = importer.split(".")
    base = parts[: len(parts) - level + (1 if importer_is_package else 0)]
    return ".".join([*base, module] if module else base)


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def is_package(module: str) -> bool:
    source = source_of(module)
    return source is not None and source.name == "__init__.py"


@cache
def source_of(module: str) -> Path | None:
    """The file of ``module``, found from its top-level package's location without importing anything of it."""
    top, _, rest = module.partition(".")
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations)), *rest.split(".") if rest else ())
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None
