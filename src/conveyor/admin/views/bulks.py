"""The Bulk Action Log, as Magento's: bulks with status and progress; a bulk's operations by status with their
errors; retry failed operations; acknowledge (dismiss) a bulk; a warning while no consumer reads the bulks' queue
(Magento's users find operations stuck "open" for exactly that reason)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from conveyor.admin.web import PAGE_SIZE, Session, admin_of, back, checked_form, int_param, render, session, sorting
from conveyor.bulk import QUEUE, BulkStatus, OperationStatus
from conveyor.bulk import status as bulks
from conveyor.catalog import NotFoundError
from conveyor.mq import stats

router = APIRouter()

BULK_LABELS = {
    int(BulkStatus.NOT_STARTED): "not started",
    int(BulkStatus.IN_PROGRESS): "in progress",
    int(BulkStatus.FINISHED_SUCCESSFULLY): "finished successfully",
    int(BulkStatus.FINISHED_WITH_FAILURE): "finished with failure",
}
OPERATION_LABELS = {
    int(OperationStatus.COMPLETE): "complete",
    int(OperationStatus.RETRIABLY_FAILED): "retriably failed",
    int(OperationStatus.NOT_RETRIABLY_FAILED): "not retriably failed",
    int(OperationStatus.OPEN): "open",
    int(OperationStatus.REJECTED): "rejected",
}


@router.get("/bulks", response_class=HTMLResponse)
async def bulk_list(request: Request, current: Annotated[Session, Depends(session)]) -> HTMLResponse:
    admin = admin_of(request)
    status = int_param(request.query_params.get("status"))
    description = request.query_params.get("description", "")[:255]
    correlation_id = request.query_params.get("correlation_id", "").strip()[:64]
    order = sorting(request, bulks.SORTS)

    def read() -> tuple[tuple[list[dict[str, Any]], dict[str, Any]], int]:
        with admin.engine.connect() as conn:
            page = bulks.page_bulks(
                conn,
                status=status,
                description=description or None,
                correlation_id=correlation_id or None,
                order=order,
                limit=PAGE_SIZE,
            )
        return page, stats.consumers_of(admin.mq, QUEUE)

    (found, next_page), consumers = await run_in_threadpool(read)
    return render(
        request,
        "bulks.html",
        current,
        bulks=found,
        status=status,
        description=description,
        correlation_id=correlation_id,
        labels=BULK_LABELS,
        no_consumer=consumers == 0 and any(b["counts"].get(int(OperationStatus.OPEN)) for b in found),
        queue=QUEUE,
        next_page=next_page,
    )


@router.get("/bulks/{bulk_uuid}", response_class=HTMLResponse)
async def bulk_page(request: Request, bulk_uuid: str, current: Annotated[Session, Depends(session)]) -> HTMLResponse:
    admin = admin_of(request)
    status = int_param(request.query_params.get("status"))
    after = int_param(request.query_params.get("after"))

    def read() -> tuple[dict[str, Any], list[Any], int]:
        with admin.engine.connect() as conn:
            row = bulks.get_bulk(conn, bulk_uuid, None)
            counts = bulks.status_counts(conn, [bulk_uuid])[bulk_uuid]
            summary = {
                "bulk_id": row.uuid,
                "description": row.description,
                "start_time": row.start_time,
                "operation_count": row.operation_count,
                "acknowledged": bool(row.acknowledged),
                "correlation_id": row.correlation_id,
                "status": int(bulks.bulk_status(counts, row.operation_count)),
                "counts": counts,
            }
            operations = bulks.operations_page(conn, bulk_uuid, status=status, after=after, limit=PAGE_SIZE)
        return summary, operations, stats.consumers_of(admin.mq, QUEUE)

    try:
        summary, operations, consumers = await run_in_threadpool(read)
    except NotFoundError as error:
        raise HTTPException(404, f"There is no bulk {bulk_uuid}.") from error
    return render(
        request,
        "bulk.html",
        current,
        bulk=summary,
        operations=operations,
        status=status,
        labels=BULK_LABELS,
        op_labels=OPERATION_LABELS,
        no_consumer=consumers == 0 and summary["counts"].get(int(OperationStatus.OPEN), 0) > 0,
        queue=QUEUE,
        failed=sum(summary["counts"].get(int(s), 0) for s in bulks.RETRIABLE),
        next_after=operations[-1].operation_key if len(operations) == PAGE_SIZE else None,
    )


@router.post("/bulks/{bulk_uuid}/retry")
async def retry(request: Request, bulk_uuid: str, current: Annotated[Session, Depends(session)]) -> Response:
    form = await checked_form(request, current)
    key = int_param(form.get("operation"))
    mq = admin_of(request).mq

    def run() -> int:
        with mq.transaction() as tx:
            return bulks.retry(tx, bulk_uuid, None, None if key is None else [key])

    try:
        count = await run_in_threadpool(run)
    except NotFoundError as error:
        raise HTTPException(404, f"There is no bulk {bulk_uuid}.") from error
    return back(request, f"/bulks/{bulk_uuid}", f"{count} failed operation(s) sent again.")


@router.post("/bulks/{bulk_uuid}/acknowledge")
async def acknowledge(request: Request, bulk_uuid: str, current: Annotated[Session, Depends(session)]) -> Response:
    await checked_form(request, current)

    def run() -> int:
        with admin_of(request).engine.begin() as conn:
            return bulks.acknowledge(conn, [bulk_uuid], None)

    try:
        await run_in_threadpool(run)
    except NotFoundError as error:
        raise HTTPException(404, f"There is no bulk {bulk_uuid}.") from error
    return back(request, "/bulks", "The bulk is dismissed.")
