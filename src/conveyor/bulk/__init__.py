"""Async and bulk operations: one request of N items becomes N operations processed by consumers.

Other packages use this surface only::

    from conveyor.bulk import schedule, Item, BulkUser, OperationConsumer, bulk_topology

* ``schedule(transaction, topic, items, user)`` — store a bulk and publish its operations atomically;
* ``OperationConsumer(mq, runner)`` — the ``async.operations.all`` handler (``conveyor.bulk.consumer:handle``
  is the built-in one);
* ``status`` — summaries, counts, retry, acknowledge, cleanup; ``OperationStatus`` / ``BulkStatus`` codes;
* ``bulk_topology`` — the built-in queue, binding and consumer.

Names are imported on first use, so that ``conveyor.schema`` (which imports ``conveyor.bulk.schema``) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.lazy import lazy_exports

if TYPE_CHECKING:
    from conveyor.bulk import status
    from conveyor.bulk.consumer import BulkHost, OperationConsumer, OperationRunner
    from conveyor.bulk.scheduler import BulkUser, Item, schedule
    from conveyor.bulk.schema import BulkStatus, OperationStatus
    from conveyor.bulk.topology import QUEUE, bulk_topology, with_publishers

_EXPORTS = {
    "status": "conveyor.bulk.status",
    "BulkHost": "conveyor.bulk.consumer",
    "OperationConsumer": "conveyor.bulk.consumer",
    "OperationRunner": "conveyor.bulk.consumer",
    "BulkUser": "conveyor.bulk.scheduler",
    "Item": "conveyor.bulk.scheduler",
    "schedule": "conveyor.bulk.scheduler",
    "BulkStatus": "conveyor.bulk.schema",
    "OperationStatus": "conveyor.bulk.schema",
    "QUEUE": "conveyor.bulk.topology",
    "bulk_topology": "conveyor.bulk.topology",
    "with_publishers": "conveyor.bulk.topology",
}

__all__ = [
    "QUEUE",
    "BulkHost",
    "BulkStatus",
    "BulkUser",
    "Item",
    "OperationConsumer",
    "OperationRunner",
    "OperationStatus",
    "bulk_topology",
    "schedule",
    "status",
    "with_publishers",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
