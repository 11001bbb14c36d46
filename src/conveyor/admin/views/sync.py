"""Sync: "sync now" for any entity (queued or inline, through ``CommandBus.handle_named``, the same mechanism
as ``POST /V1/commands/{name}``), commands waiting per queue, EDS change sets and the sync log (by command,
entity and outcome)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from conveyor.admin.web import PAGE_SIZE, Session, admin_of, back, checked_form, paging, render, session
from conveyor.bus import Mode, Outcome, UnknownCommandError, queue_name, sync_log
from conveyor.mq import count_messages
from conveyor.sync import change_sets

router = APIRouter()
OUTCOMES = [o.value for o in Outcome]
CHANGE_SETS_SHOWN = 20


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
    cursor, ascending = paging(request)
    commands = _commands(request)
    queues = sorted({queue_name(q) for q in admin.bus.registry.queues()} & set(admin.mq.topology.queues))

    def read() -> dict[str, Any]:
        with admin.engine.connect() as conn:
            entries = sync_log.entries(
                conn,
                command=command or None,
                entity=entity or None,
                outcome=outcome or None,
                cursor=cursor,
                ascending=ascending,
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
        outcomes=OUTCOMES,
        next_cursor=entries[-1].id if len(entries) == PAGE_SIZE else None,
        **data,
    )


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
