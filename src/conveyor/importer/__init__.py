"""The import framework: Magento-2-CSV-compatible, declarative, set-based and fast.

``run_import(engine, entity, files, …)`` imports one bunch of files in one transaction and returns an
ImportReport; ``Profile`` / ``load_profile`` describe an import declaratively (YAML); entity importers and
value converters are found by name, built in or registered through entry points.
"""

from conveyor.importer.base import EntityImporter, ImportContext, Outcome, SourceRow
from conveyor.importer.converters import ValueParsers, build_converter, converter_factories
from conveyor.importer.profile import Profile, ProfileError, load_profile
from conveyor.importer.registry import UnknownEntityError, importer_class, importer_names
from conveyor.importer.report import ImportReport, RowError
from conveyor.importer.runner import run_import

__all__ = [
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
    "converter_factories",
    "importer_class",
    "importer_names",
    "load_profile",
    "run_import",
]
