"""Sync: "sync now" for any entity (queued or inline, through ``CommandBus.handle_named``, the same mechanism
as ``POST /V1/commands/{name}``), commands waiting per queue, EDS change sets and the sync log (by command,
entity and outcome)."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from conveyor.admin.web import PAGE_SIZE, Session, admin_of, back, checked_form, render, session, sorting
from conveyor.bus import Mode, Outcome, UnknownCommandError, queue_name, sync_log
from conveyor.mq import count_messages
from conveyor.sync import change_sets

router = APIRouter()
OUTCOMES = [o.value for o in Outcome]
CHANGE_SETS_SHOWN = 5  # the latest on the sync page; every one on /sync/change-sets
CHANGE_SET_STATUSES = ["open", "processed", "acknowledged", "failed"]
ACKNOWLEDGE = "sync.acknowledge-change-set"


def _commands(request: Request) -> dict[str, str]:
    """Every registered command that names one entity: its name and the argument naming the entity."""
    found = {}
    for spec in admin_of(request).bus.registry:
        key = spec.command_type.entity_key
        if key:
            found[spec.name] = key
    return dict(sorted(found.items()))


@router.get("/sync", response_class=HTMLResponse)
async def sync_page(request: Request, current: Annotated[Session, Depends(session)]) -> HTMLResponse:
    admin = admin_of(request)
    params = request.query_params
    command = params.get("command", "")[:191]
    entity = params.get("entity", "")[:191]
    outcome = params.get("outcome", "") if params.get("outcome") in OUTCOMES else ""
    correlation_id = params.get("correlation_id", "").strip()[:64]
    order = sorting(request, sync_log.SORTS)
    commands = _commands(request)
    queues = sorted({queue_name(q) for q in admin.bus.registry.queues()} & set(admin.mq.topology.queues))

    def read() -> dict[str, Any]:
        with admin.engine.connect() as conn:
            entries = sync_log.entries(
                conn,
                command=command or None,
                entity=entity or None,
                outcome=outcome or None,
                correlation_id=correlation_id or None,
                order=order,
                limit=PAGE_SIZE,
            )
            sets = change_sets.listing(conn, limit=CHANGE_SETS_SHOWN)
        return {"entries": entries, "change_sets": sets, "waiting": count_messages(admin.mq, queues)}

    data = await run_in_threadpool(read)
    entries = data["entries"]
    return render(
        request,
        "sync.html",
        current,
        commands=commands,
        command=command,
        entity=entity,
        outcome=outcome,
        correlation_id=correlation_id,
        outcomes=OUTCOMES,
        next_page=order.next_page(entries, PAGE_SIZE),
        **data,
    )


@router.get("/sync/change-sets", response_class=HTMLResponse)
async def change_set_list(request: Request, current: Annotated[Session, Depends(session)]) -> HTMLResponse:
    """Every change set, newest first, by status, a page at a time (keyset on the time received)."""
    admin = admin_of(request)
    status = request.query_params.get("status", "")
    status = status if status in CHANGE_SET_STATUSES else ""
    before = _epoch(request.query_params.get("before"))

    def read() -> list[change_sets.ChangeSetRecord]:
        with admin.engine.connect() as conn:
            return change_sets.listing(
                conn, statuses=[status] if status else (), limit=PAGE_SIZE, received_before=before
            )

    found = await run_in_threadpool(read)
    return render(
        request,
        "change_sets.html",
        current,
        change_sets=found,
        status=status,
        statuses=CHANGE_SET_STATUSES,
        next_before=repr(found[-1].received_at) if len(found) == PAGE_SIZE else None,
    )


@router.post("/sync/change-sets/{change_set_id}/acknowledge")
async def acknowledge(request: Request, change_set_id: str, current: Annotated[Session, Depends(session)]) -> Response:
    """Queue the change set's acknowledgement again (the source was not told: its call failed), through the bus
    as ``conveyor change-sets --acknowledge`` does."""
    await checked_form(request, current)
    admin = admin_of(request)

    def run() -> str:
        with admin.engine.connect() as conn:
            found = change_sets.get(conn, change_set_id)
        if found is None:
            return f"There is no change set {change_set_id!r}."
        if found.status != "processed":
            return f"Change set {change_set_id} is {found.status}: only a processed one is acknowledged."
        result = admin.bus.handle_named(ACKNOWLEDGE, {"change_set_id": change_set_id}, "queue")
        return f"The acknowledgement of change set {change_set_id} is queued (message {result.message_id})."

    message = await run_in_threadpool(run)
    return back(request, "/sync/change-sets", message)


def _epoch(text: str | None) -> float | None:
    """A paging time from the query string; anything else means none."""
    try:
        value = float(text) if text and len(text) < 32 else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) and abs(value) < 1e11 else None


@router.post("/sync/now")
async def sync_now(request: Request, current: Annotated[Session, Depends(session)]) -> Response:
    form = await checked_form(request, current)
    bus = admin_of(request).bus
    name = form.get("command", "")
    key = _commands(request).get(name)
    entity_id = form.get("entity_id", "").strip()[:191]
    mode: Mode = "inline" if form.get("mode") == "inline" else "queue"
    if key is None:
        return back(request, "/sync", f"There is no command {name!r}.")
    if not entity_id:
        return back(request, "/sync", f"Give the {key} to sync.")

    def run() -> str:
        try:
            result = bus.handle_named(name, {key: entity_id}, mode)
        except (UnknownCommandError, ValidationError) as error:
            return f"{name} was not run: {error}"
        except Exception as error:  # an inline failure: the sync log has it
            return f"{name} {entity_id} failed: {error}"
        if result.outcome == "queued":
            return f"{name} {entity_id} queued (message {result.message_id})."
        return f"{name} {entity_id}: {result.outcome}."

    message = await run_in_threadpool(run)
    return back(request, "/sync", message)
