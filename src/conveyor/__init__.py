"""Conveyor: a commerce-integration engine (queues, async/bulk API, command bus, pipelines, imports)."""

__version__ = "0.1.0"
