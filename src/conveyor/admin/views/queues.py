"""Queues: counts per queue; a queue's messages and dead letters with their error and body; replay and purge,
each behind a confirmation page (a destructive action never happens from one click, with or without JS)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from conveyor.admin.web import PAGE_SIZE, Session, admin_of, back, checked_form, int_param, render, session
from conveyor.mq import count_messages, stats

router = APIRouter()

SHOWN = {
    "dead": ("Dead letters", (stats.Status.ERROR,)),
    "waiting": ("Waiting", (stats.Status.NEW,)),
    "retrying": ("Retrying", (stats.Status.RETRY_REQUIRED,)),
    "in_progress": ("In progress", (stats.Status.IN_PROGRESS,)),
    "complete": ("Complete", (stats.Status.COMPLETE,)),
}
STATUS_LABELS = {
    int(stats.Status.NEW): "new",
    int(stats.Status.IN_PROGRESS): "in progress",
    int(stats.Status.COMPLETE): "complete",
    int(stats.Status.RETRY_REQUIRED): "retry required",
    int(stats.Status.ERROR): "error",
    int(stats.Status.TO_BE_DELETED): "to be deleted",
}


def _known(request: Request, name: str) -> str:
    if name not in admin_of(request).mq.topology.queues:
        raise HTTPException(404, f"There is no queue {name!r}.")
    return name


@router.get("/queues", response_class=HTMLResponse)
async def queue_list(request: Request, current: Annotated[Session, Depends(session)]) -> HTMLResponse:
    mq = admin_of(request).mq
    counts = await run_in_threadpool(count_messages, mq)
    return render(request, "queues.html", current, counts=counts)


@router.get("/queues/{name}", response_class=HTMLResponse)
async def queue_page(
    request: Request, name: str, current: Annotated[Session, Depends(session)], show: str = "dead"
) -> HTMLResponse:
    mq = admin_of(request).mq
    _known(request, name)
    if show not in SHOWN:
        show = "dead"
    title, statuses = SHOWN[show]
    before = int_param(request.query_params.get("before"))

    def read() -> tuple[stats.QueueCounts, list[stats.StoredMessage] | None, list[stats.DeadLetter]]:
        counts = count_messages(mq, [name])[0]
        stored = stats.browse(mq, name, statuses, before=before, limit=PAGE_SIZE)
        letters = stats.dead_letters(mq, name, PAGE_SIZE) if stored is None and show == "dead" else []
        return counts, stored, letters

    counts, stored, letters = await run_in_threadpool(read)
    return render(
        request,
        "queue.html",
        current,
        name=name,
        counts=counts,
        show=show,
        shown=SHOWN,
        title=title,
        messages=stored,
        letters=letters,
        labels=STATUS_LABELS,
        next_before=stored[-1].id if stored and len(stored) == PAGE_SIZE else None,
    )


@router.get("/queues/{name}/confirm", response_class=HTMLResponse)
async def confirm(
    request: Request, name: str, action: str, current: Annotated[Session, Depends(session)], id: str | None = None
) -> HTMLResponse:
    _known(request, name)
    if action not in ("replay", "purge"):
        raise HTTPException(404, f"There is no action {action!r}.")
    counts = await run_in_threadpool(count_messages, admin_of(request).mq, [name])
    return render(request, "queue_confirm.html", current, name=name, action=action, id=id, counts=counts[0])


@router.post("/queues/{name}/replay")
async def replay(request: Request, name: str, current: Annotated[Session, Depends(session)]) -> Response:
    form = await checked_form(request, current)
    _known(request, name)
    ids = [form["id"]] if form.get("id") else None
    try:
        count = await run_in_threadpool(stats.replay, admin_of(request).mq, name, ids)
    except ValueError as error:
        raise HTTPException(400, str(error)) from error
    return back(request, f"/queues/{name}?show=waiting", f"{count} dead letter(s) of {name} replayed.")


@router.post("/queues/{name}/purge")
async def purge(request: Request, name: str, current: Annotated[Session, Depends(session)]) -> Response:
    await checked_form(request, current)
    _known(request, name)
    count = await run_in_threadpool(stats.purge, admin_of(request).mq, name)
    return back(request, f"/queues/{name}", f"{count} waiting message(s) of {name} purged.")
