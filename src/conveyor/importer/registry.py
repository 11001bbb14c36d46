"""The entity importers by name: the ``conveyor.importers`` plug-ins (``name = "package.module:ImporterClass"``;
the built-ins are declared the same way, in Conveyor's ``pyproject.toml``), so a user adds an entity without
forking."""

from __future__ import annotations

from conveyor.importer.base import EntityImporter
from conveyor.plugins import PluginError, default_plugins

# The one plug-in error, under the name this package has always raised (importer_class of an unknown entity).
UnknownEntityError = PluginError


def importer_names() -> list[str]:
    """Every entity that can be imported."""
    return default_plugins().importers.names()


def importer_class(entity: str) -> type[EntityImporter]:
    """The importer for ``entity``; PluginError if none is registered, it is broken or not an EntityImporter."""
    plugins = default_plugins().importers
    importer = plugins.load(entity)
    if not issubclass(importer, EntityImporter):
        raise PluginError(plugins.group, entity, f"{importer.__qualname__} is not an EntityImporter", plugins.kind)
    return importer


__all__ = ["UnknownEntityError", "importer_class", "importer_names"]
