"""Imports: the history of import runs (by entity and status) with each run's report and row errors, and an
upload of CSV files into the watched directory (``CONVEYOR_IMPORT_WATCH_DIR``) as bunches with their OK-files,
which the import watch of ``conveyor up`` then imports (and the history shows)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from conveyor.admin.web import PAGE_SIZE, Session, admin_of, back, checked_upload, render, session, sorting
from conveyor.catalog import NotFoundError
from conveyor.importer import BunchError, drop_bunch, history, importer_names

router = APIRouter()
STATUSES = [s.value for s in history.RunStatus]
MAX_ROW_ERRORS = 500


@router.get("/imports", response_class=HTMLResponse)
async def import_list(request: Request, current: Annotated[Session, Depends(session)]) -> HTMLResponse:
    admin = admin_of(request)
    params = request.query_params
    entity = params.get("entity", "")[:64]
    status = params.get("status", "") if params.get("status") in STATUSES else ""
    order = sorting(request, history.SORTS)

    def read() -> list[history.HistoryEntry]:
        with admin.engine.begin() as conn:
            history.fail_dead_runs(conn)  # a killed run shows as failed, not running forever
            return history.list_runs(
                conn,
                entity=entity or None,
                status=history.RunStatus(status) if status else None,
                order=order,
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
        next_page=order.next_page(runs, PAGE_SIZE),
        watch_dir=admin.settings.import_watch_dir,
    )


@router.post("/imports/upload")
async def upload(request: Request, current: Annotated[Session, Depends(session)]) -> Response:
    _, files = await checked_upload(request, current)
    source = admin_of(request).settings.import_watch_dir
    if source is None:
        return back(request, "/imports", "No watched directory is configured (CONVEYOR_IMPORT_WATCH_DIR).")
    if not files:
        return back(request, "/imports", "Choose one or more CSV files to upload.")
    try:
        written = await run_in_threadpool(drop_bunch, source, files)
    except BunchError as error:
        return back(request, "/imports", f"Nothing uploaded: {error}.")
    except OSError as error:
        return back(request, "/imports", f"Nothing uploaded: the watched directory refused: {error.strerror}.")
    bunches = ", ".join(p.name for p in written)
    return back(
        request,
        "/imports",
        f"{len(files)} file(s) uploaded with {bunches}: the import watch takes them on its next pass.",
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
