"""Load a topology from YAML files and Magento module folders, merged in order, then validated."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from conveyor.mq.topology import Origin, Topology, TopologyError
from conveyor.plugins import PluginError, Plugins, default_plugins
from conveyor.settings import Settings, get_settings

log = logging.getLogger(__name__)

MAGENTO_FILES = ("communication.xml", "queue_topology.xml", "queue_publisher.xml", "queue_consumer.xml", "queue.xml")


def builtin_topologies(settings: Settings | None = None, plugins: Plugins | None = None) -> Topology:
    """What installed packages declare for themselves (``conveyor.topologies`` plug-ins, e.g. the bulk API's
    ``async.operations.all``): functions of the settings (None: the process settings) returning a Topology,
    merged in plug-in name order."""
    topology = Topology()
    group = (plugins or default_plugins()).topologies
    for name, factory in group.load_all().items():
        found = factory(settings)
        if not isinstance(found, Topology):
            raise PluginError(group.group, name, f"returned a {type(found).__name__}, not a Topology", group.kind)
        topology = topology.merge(found)
    return topology


def load_topology(
    paths: Iterable[str | Path],
    *,
    builtins: bool = False,
    settings: Settings | None = None,
    plugins: Plugins | None = None,
    log_warnings: bool = True,
) -> Topology:
    """Merge every path (a YAML file, or a Magento module folder or its ``etc``) into one valid topology.

    With ``builtins`` the packages' built-in topologies (``plugins``' topologies, for ``settings``) come first, so
    the files can override them. What loading noticed without refusing it (a module folder without queue files) is
    in the result's ``warnings``, and logged unless ``log_warnings`` is false (a caller showing them itself).
    """
    from conveyor.mq.config.magento import load_magento_modules
    from conveyor.mq.config.yaml_loader import load_yaml

    topology = builtin_topologies(settings, plugins) if builtins else Topology()
    magento_folders: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            magento_folders.append(path)
            continue
        if magento_folders:
            topology = topology.merge(load_magento_modules(magento_folders))
            magento_folders = []
        if path.suffix in (".yaml", ".yml"):
            topology = topology.merge(load_yaml(path))
        elif not path.exists():
            raise TopologyError(Origin(str(path), "file"), None, "no such file or folder")
        else:
            raise TopologyError(Origin(str(path), "file"), None, "expected a .yaml file or a Magento module folder")
    if magento_folders:
        topology = topology.merge(load_magento_modules(magento_folders))
    topology = topology.validate((settings or get_settings()).connections)
    if log_warnings:
        for warning in topology.warnings:
            log.warning("%s", warning)
    return topology
