"""Magento's bulk routes: status, detailed status, count by operation status, retry, acknowledge.

A bulk is visible to the integration that scheduled it and to every admin; others get "Bulk uuid %1 not exist".
Operation ``id`` is the item's index in the request (the ``id`` of the async response's ``request_items``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from conveyor.api.operations import MAX_ID, OperationContext, int_param, operations
from conveyor.bulk import status as bulks
from conveyor.bulk.scheduler import BulkUser

RESOURCE = "Magento_Logging::system_magento_logging_bulk_operations"


class OperationSummary(BaseModel):
    id: int
    status: int
    result_message: str | None = None
    error_code: int | None = None


class OperationDetails(OperationSummary):
    topic_name: str
    result_serialized_data: str | None = None


class BulkSummary(BaseModel):
    """Magento's bulk summary plus ``status`` (0 not started, 1 in progress, 2 finished, 3 finished with failure)."""

    bulk_id: str
    description: str
    start_time: str
    user_id: int | None = None
    user_type: int
    operation_count: int
    status: int
    acknowledged: bool


class BulkStatus(BulkSummary):
    operations_list: list[OperationSummary]


class BulkDetailedStatus(BulkSummary):
    operations_list: list[OperationDetails]


class RetryRequest(BaseModel):
    bulk_uuid: str
    operation_ids: list[int] | None = Field(default=None, description="Operations to retry; all failed ones if absent.")


class AcknowledgeRequest(BaseModel):
    bulk_uuids: list[str]


def _viewer(ctx: OperationContext) -> BulkUser:
    return BulkUser(user_type=ctx.caller.user_type, user_id=ctx.caller.user_id)


@operations.read("/V1/bulk/{bulkUuid}/status", resource=RESOURCE)
def get_bulk_status(ctx: OperationContext, params: dict[str, str]) -> BulkStatus:
    """The bulk's status and each operation's status and message."""
    return BulkStatus.model_validate(bulks.summary(ctx.conn, params["bulkUuid"], _viewer(ctx)))


@operations.read("/V1/bulk/{bulkUuid}/detailed-status", resource=RESOURCE)
def get_bulk_detailed_status(ctx: OperationContext, params: dict[str, str]) -> BulkDetailedStatus:
    """The bulk's status with each operation's topic and result."""
    found: dict[str, Any] = bulks.summary(ctx.conn, params["bulkUuid"], _viewer(ctx), detailed=True)
    return BulkDetailedStatus.model_validate(found)


@operations.read(
    "/V1/bulk/{bulkUuid}/operation-status/{status}",
    resource=RESOURCE,
    params={"status": {"type": "integer", "minimum": -MAX_ID, "maximum": MAX_ID}},
)
def get_operation_count(ctx: OperationContext, params: dict[str, str]) -> int:
    """How many operations of the bulk have the status (1 complete … 5 rejected)."""
    return bulks.count_with_status(ctx.conn, params["bulkUuid"], int_param(params, "status"), _viewer(ctx))


@operations.write("POST", "/V1/bulk/retry", asynchronous=False, resource=RESOURCE)
def retry_bulk(ctx: OperationContext, params: dict[str, str], body: RetryRequest) -> int:
    """Failed operations (status 2 and 3) back to open and queued again; how many."""
    assert ctx.transaction is not None  # a write always has one
    return bulks.retry(ctx.transaction, body.bulk_uuid, _viewer(ctx), body.operation_ids)


@operations.write("POST", "/V1/bulk/acknowledge", asynchronous=False, resource=RESOURCE)
def acknowledge_bulks(ctx: OperationContext, params: dict[str, str], body: AcknowledgeRequest) -> bool:
    """Mark bulks as seen (removed by ``conveyor bulk cleanup`` after the retention period)."""
    bulks.acknowledge(ctx.conn, body.bulk_uuids, _viewer(ctx))
    return True
