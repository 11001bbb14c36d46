"""The payloads of sales events: ids and numbers to look the documents up by, and the state they reached.

Kept small and stable (``conveyor.catalog.events`` says why); one function per event shape, used by every write
that emits it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def order_event(order_id: int, order: Mapping[Any, Any]) -> dict[str, Any]:
    """``sales.order.placed``: the new order's ids, store view, state and status."""
    return {
        "order_id": order_id,
        "increment_id": order["increment_id"],
        "store_id": order["store_id"],
        "state": order["state"],
        "status": order["status"],
    }


def status_event(order: Mapping[Any, Any], state: str, status: str) -> dict[str, Any]:
    """``sales.order.status_changed``: the order, the status it had and the state and status it has now."""
    return {
        "order_id": order["entity_id"],
        "increment_id": order["increment_id"],
        "store_id": order["store_id"],
        "previous_status": order["status"],
        "state": state,
        "status": status,
    }


def shipment_event(shipment_id: int, order: Mapping[Any, Any], external_id: str | None) -> dict[str, Any]:
    """``sales.shipment.created``: the shipment, its order, and the source system's id when it came from one."""
    return {
        "shipment_id": shipment_id,
        "order_id": order["entity_id"],
        "increment_id": order["increment_id"],
        "store_id": order["store_id"],
        "external_id": external_id,
    }


def document_event(key: str, document_id: int, order: Mapping[Any, Any], state: int | str) -> dict[str, Any]:
    """``sales.invoice.*``, ``sales.creditmemo.*``, ``sales.shipment.notified``, ``sales.order.canceled|held|…``:
    the document (``key``: invoice_id, creditmemo_id…), its order and the state it reached."""
    return {
        key: document_id,
        "order_id": order["entity_id"],
        "increment_id": order["increment_id"],
        "store_id": order["store_id"],
        "state": state,
    }
