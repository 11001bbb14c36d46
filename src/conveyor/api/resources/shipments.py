"""Shipments beyond shipping an order: Magento's ``POST /V1/shipment``, comments, emails, tracks and labels.

``POST /V1/order/{orderId}/ship``, ``GET /V1/shipment/{id}`` and ``GET /V1/shipments`` are in ``orders``. The writes
are also served async and in bulk.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field

from conveyor.api.operations import OperationContext, int_param, operations
from conveyor.api.resources.customers import SnakeKeys
from conveyor.api.resources.invoices import CommentRequest, DocumentComment, DocumentItem, save_comment
from conveyor.api.resources.orders import (
    SHIP_QTY,
    SHIP_REFUSALS,
    SHIPMENT_RESOURCE,
    Shipment,
    as_shipment,
    comments_page,
    repository,
    with_numbers,
)
from conveyor.api.search import SearchResults
from conveyor.catalog.sales import (
    EMPTY_SHIPMENT,
    CommentRecord,
    ShipmentRecord,
    TrackInput,
    TrackRecord,
    notify,
    shipment_comment_table,
    shipment_table,
)

Track = with_numbers(TrackRecord, "Track")


class ShipmentItem(DocumentItem):
    """An item to ship: something to ship (``SHIP_QTY``)."""

    qty: Decimal = Field(allow_inf_nan=False, json_schema_extra=SHIP_QTY)


class ShipmentEntity(BaseModel):
    """``POST /V1/shipment``: Magento's ``ShipmentInterface`` (the fields read)."""

    order_id: int
    items: list[ShipmentItem] = Field(default_factory=list)
    tracks: list[TrackInput] = Field(default_factory=list)
    comments: list[DocumentComment] = Field(default_factory=list)
    shipping_label: str | None = None
    extension_attributes: dict[str, Any] | None = None


class ShipmentSaveRequest(BaseModel):
    entity: Annotated[ShipmentEntity, SnakeKeys]


class TrackEntity(BaseModel):
    """Magento's ``ShipmentTrackInterface`` as sent: ``parent_id`` is the shipment."""

    parent_id: int
    order_id: int | None = None
    track_number: str
    title: str | None = None
    carrier_code: str
    description: str | None = None
    weight: Decimal | None = Field(default=None, allow_inf_nan=False)
    qty: Decimal | None = Field(default=None, allow_inf_nan=False)
    extension_attributes: dict[str, Any] | None = None


class TrackSaveRequest(BaseModel):
    entity: Annotated[TrackEntity, SnakeKeys]


@operations.write("POST", "/V1/shipment", resource=SHIPMENT_RESOURCE, response=Shipment, refuses=SHIP_REFUSALS)
def save_shipment(ctx: OperationContext, params: dict[str, str], body: ShipmentSaveRequest) -> ShipmentRecord:
    """Create a shipment of ``entity.order_id`` for ``entity.items`` with tracks, comments and a label.

    No items is Magento's "We cannot create an empty shipment."
    """
    data = body.entity
    comment = data.comments[0] if data.comments else None
    shipment = repository.create_shipment(
        ctx.conn,
        data.order_id,
        [(item.order_item_id, item.qty) for item in data.items] or [],
        data.tracks,
        comment=comment.comment if comment is not None else None,
        visible_on_front=bool(comment.is_visible_on_front) if comment is not None else False,
        shipping_label=data.shipping_label,
        empty_message=EMPTY_SHIPMENT,
        require_items=True,
        events=ctx.events,
    )
    return as_shipment(shipment)


@operations.read("/V1/shipment/{id}/comments", resource=SHIPMENT_RESOURCE)
def shipment_comments(ctx: OperationContext, params: dict[str, str]) -> SearchResults[CommentRecord]:
    """The shipment's comments, oldest first."""
    shipment_id = int_param(params, "id")
    found = repository.get_shipment(ctx.conn, shipment_id).comments
    return comments_page(found, shipment_id, SearchResults[CommentRecord])


@operations.write("POST", "/V1/shipment/{id}/comments", resource=SHIPMENT_RESOURCE)
def comment_shipment(ctx: OperationContext, params: dict[str, str], body: CommentRequest) -> CommentRecord:
    """Add a comment to the shipment (``entity.parent_id``, else the path's id)."""
    parent_id = body.entity.parent_id if body.entity.parent_id is not None else int_param(params, "id")
    return save_comment(ctx, body, shipment_comment_table, shipment_table, parent_id)


@operations.write("POST", "/V1/shipment/{id}/emails", resource=SHIPMENT_RESOURCE)
def email_shipment(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Record the shipment email as sent (``email_sent``)."""
    return notify(ctx.conn, "shipment", int_param(params, "id"), events=ctx.events)


@operations.write("POST", "/V1/shipment/track", resource=SHIPMENT_RESOURCE, response=Track)
def add_track(ctx: OperationContext, params: dict[str, str], body: TrackSaveRequest) -> TrackRecord:
    """Add a tracking number to the shipment ``entity.parent_id``."""
    data = body.entity
    track = repository.add_track(
        ctx.conn,
        data.parent_id,
        data.track_number,
        data.title,
        data.carrier_code,
        description=data.description,
        weight=data.weight,
        qty=data.qty,
    )
    return Track.model_validate(track.model_dump())


@operations.write("DELETE", "/V1/shipment/track/{id}", resource=SHIPMENT_RESOURCE)
def delete_track(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Remove a tracking number."""
    return repository.delete_track(ctx.conn, int_param(params, "id"))


@operations.read("/V1/shipment/{id}/label", resource=SHIPMENT_RESOURCE)
def shipment_label(ctx: OperationContext, params: dict[str, str]) -> str:
    """The shipment's label as stored (empty when it has none)."""
    return repository.shipment_label(ctx.conn, int_param(params, "id"))
