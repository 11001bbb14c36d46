"""Topology loaders: YAML files and Magento module folders (queue XML), merged in the order given."""

from conveyor.mq.config.loader import load_topology

__all__ = ["load_topology"]
