"""The built-in executors, one module each, registered as ``conveyor.pipeline_executors`` entry points.

``cli`` runs a command, ``callable`` a Python function, ``import`` the claimed bunches of one entity, ``files``
claims / archives / keeps bunches, ``compress`` zips old working directories, ``http`` makes a request and
``delete_old`` removes old pipeline data. A custom executor is a class with a ``process(step)`` method and a
no-argument constructor, registered under its type name in the same entry-point group.
"""

from __future__ import annotations

from conveyor.lazy import lazy_exports

_EXPORTS = {
    "ArgumentError": "conveyor.pipelines.executors.arguments",
    "Arguments": "conveyor.pipelines.executors.arguments",
    "CallableExecutor": "conveyor.pipelines.executors.python_callable",
    "CliExecutor": "conveyor.pipelines.executors.cli",
    "CompressExecutor": "conveyor.pipelines.executors.compress",
    "FilesExecutor": "conveyor.pipelines.executors.files",
    "HttpExecutor": "conveyor.pipelines.executors.http",
    "ImportExecutor": "conveyor.pipelines.executors.import_bunch",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = [
    "ArgumentError",
    "Arguments",
    "CallableExecutor",
    "CliExecutor",
    "CompressExecutor",
    "FilesExecutor",
    "HttpExecutor",
    "ImportExecutor",
]
