"""Load a topology from YAML files and Magento module folders, merged in order, then validated."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from conveyor.mq.topology import Origin, Topology, TopologyError

MAGENTO_FILES = ("communication.xml", "queue_topology.xml", "queue_publisher.xml", "queue_consumer.xml")


def load_topology(paths: Iterable[str | Path]) -> Topology:
    """Merge every path (a YAML file, or a Magento module folder or its ``etc``) into one valid topology."""
    from conveyor.mq.config.magento import load_magento_modules
    from conveyor.mq.config.yaml_loader import load_yaml

    topology = Topology()
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
    return topology.validate()
