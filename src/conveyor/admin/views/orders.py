"""Orders: the export status of every (order, target), its attempts with the document sent and the ERP's
answer, and retry export (the export's pipeline gets its failed steps back, as on the pipeline page)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from conveyor.admin.web import PAGE_SIZE, Session, admin_of, back, checked_form, paging, render, session
from conveyor.orders import ExportStatus, counts, export_row, listing
from conveyor.pipelines import operator

router = APIRouter()
STATUSES = [s.value for s in ExportStatus]


@router.get("/orders", response_class=HTMLResponse)
async def export_list(request: Request, current: Annotated[Session, Depends(session)]) -> HTMLResponse:
    admin = admin_of(request)
    params = request.query_params
    status = params.get("status", "") if params.get("status") in STATUSES else ""
    order = params.get("order", "").strip()[:50]
    cursor, ascending = paging(request)

    def read() -> tuple[list[Any], list[Any]]:
        with admin.engine.connect() as conn:
            rows = listing(
                conn,
                statuses=[status] if status else (),
                increment_id=order or None,
                cursor=cursor,
                ascending=ascending,
                limit=PAGE_SIZE,
            )
            return rows, counts(conn)

    rows, summary = await run_in_threadpool(read)
    return render(
        request,
        "orders.html",
        current,
        exports=rows,
        summary=summary,
        status=status,
        order=order,
        statuses=STATUSES,
        next_cursor=rows[-1].id if len(rows) == PAGE_SIZE else None,
    )


@router.get("/orders/{export_id}", response_class=HTMLResponse)
async def export_page(request: Request, export_id: int, current: Annotated[Session, Depends(session)]) -> HTMLResponse:
    def read() -> tuple[Any, operator.Detail | None]:
        with admin_of(request).engine.connect() as conn:
            row = export_row(conn, export_id)
            detail = operator.detail(conn, int(row.pipeline_id)) if row is not None and row.pipeline_id else None
            return row, detail

    row, detail = await run_in_threadpool(read)
    if row is None:
        raise HTTPException(404, f"There is no order export {export_id}.")
    failed = detail is not None and any(s.status in ("error", "abandoned") for s in detail.steps)
    return render(request, "order.html", current, export=row, detail=detail, failed=failed)


@router.post("/orders/{export_id}/retry")
async def retry_export(request: Request, export_id: int, current: Annotated[Session, Depends(session)]) -> Response:
    await checked_form(request, current)
    admin = admin_of(request)

    def run() -> str:
        with admin.engine.connect() as conn:
            row = export_row(conn, export_id)
        if row is None or not row.pipeline_id:
            return "This export has no pipeline to retry."
        count, enqueued = operator.retry(admin.mq, int(row.pipeline_id))
        return f"{count} step(s) of the export to run again, {enqueued} enqueued now." if count else "Nothing to retry."

    return back(request, f"/orders/{export_id}", await run_in_threadpool(run))
