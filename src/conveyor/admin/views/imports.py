"""Imports: the history of import runs (by entity and status) with each run's report and row errors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from conveyor.admin.web import PAGE_SIZE, Session, admin_of, paging, render, session
from conveyor.catalog import NotFoundError
from conveyor.importer import history, importer_names

router = APIRouter()
STATUSES = [s.value for s in history.RunStatus]
MAX_ROW_ERRORS = 500


@router.get("/imports", response_class=HTMLResponse)
async def import_list(request: Request, current: Annotated[Session, Depends(session)]) -> HTMLResponse:
    admin = admin_of(request)
    params = request.query_params
    entity = params.get("entity", "")[:64]
    status = params.get("status", "") if params.get("status") in STATUSES else ""
    cursor, ascending = paging(request)

    def read() -> list[history.HistoryEntry]:
        with admin.engine.begin() as conn:
            history.fail_dead_runs(conn)  # a killed run shows as failed, not running forever
            return history.list_runs(
                conn,
                entity=entity or None,
                status=history.RunStatus(status) if status else None,
                cursor=cursor,
                ascending=ascending,
                limit=PAGE_SIZE,
            )

    runs = await run_in_threadpool(read)
    return render(
        request,
        "imports.html",
        current,
        runs=runs,
        entity=entity,
        status=status,
        statuses=STATUSES,
        entities=importer_names(),
        next_cursor=runs[-1].id if len(runs) == PAGE_SIZE else None,
    )


@router.get("/imports/{run_id}", response_class=HTMLResponse)
async def import_page(request: Request, run_id: int, current: Annotated[Session, Depends(session)]) -> HTMLResponse:
    def read() -> history.HistoryEntry:
        with admin_of(request).engine.connect() as conn:
            return history.get(conn, run_id)

    try:
        run = await run_in_threadpool(read)
    except NotFoundError as error:
        raise HTTPException(404, f"There is no import run {run_id}.") from error
    errors = run.report.errors if run.report else []
    return render(
        request,
        "import.html",
        current,
        run=run,
        errors=errors[:MAX_ROW_ERRORS],
        more_errors=len(errors) > MAX_ROW_ERRORS,
    )
