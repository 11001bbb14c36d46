"""The import framework: Magento-2-CSV-compatible, declarative, set-based and fast.

``run_import(engine, entity, files, …)`` imports one bunch of files in one transaction and returns an
ImportReport; ``Profile`` / ``load_profile`` describe an import declaratively (YAML); entity importers,
value converters and row observers are found by name, built in or registered through entry points.

The names are imported on first use (``conveyor.lazy``): the ``conveyor.topologies`` entry point imports
``conveyor.importer.watch`` at every CLI start, which must not load the importers, pydantic profiles and the
catalog with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.lazy import lazy_exports

if TYPE_CHECKING:
    from conveyor.importer import history
    from conveyor.importer.base import EntityImporter, ImportContext, Outcome, SourceRow
    from conveyor.importer.converters import ValueParsers, build_converter, converter_factories
    from conveyor.importer.files import BunchError, discover, drop_bunch
    from conveyor.importer.history import row_totals
    from conveyor.importer.observers import build_observer, observer_factories
    from conveyor.importer.profile import Profile, ProfileError, load_profile
    from conveyor.importer.registry import UnknownEntityError, importer_class, importer_names
    from conveyor.importer.report import ImportReport, RowError
    from conveyor.importer.runner import run_import

_EXPORTS = {
    "history": "conveyor.importer.history",
    "EntityImporter": "conveyor.importer.base",
    "ImportContext": "conveyor.importer.base",
    "ImportReport": "conveyor.importer.report",
    "Outcome": "conveyor.importer.base",
    "Profile": "conveyor.importer.profile",
    "ProfileError": "conveyor.importer.profile",
    "RowError": "conveyor.importer.report",
    "SourceRow": "conveyor.importer.base",
    "UnknownEntityError": "conveyor.importer.registry",
    "ValueParsers": "conveyor.importer.converters",
    "build_converter": "conveyor.importer.converters",
    "build_observer": "conveyor.importer.observers",
    "discover": "conveyor.importer.files",
    "drop_bunch": "conveyor.importer.files",
    "BunchError": "conveyor.importer.files",
    "converter_factories": "conveyor.importer.converters",
    "importer_class": "conveyor.importer.registry",
    "importer_names": "conveyor.importer.registry",
    "load_profile": "conveyor.importer.profile",
    "observer_factories": "conveyor.importer.observers",
    "run_import": "conveyor.importer.runner",
    "row_totals": "conveyor.importer.history",
}

__all__ = [
    "BunchError",
    "EntityImporter",
    "ImportContext",
    "ImportReport",
    "Outcome",
    "Profile",
    "ProfileError",
    "RowError",
    "SourceRow",
    "UnknownEntityError",
    "ValueParsers",
    "build_converter",
    "build_observer",
    "converter_factories",
    "discover",
    "drop_bunch",
    "history",
    "importer_class",
    "importer_names",
    "load_profile",
    "observer_factories",
    "row_totals",
    "run_import",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
