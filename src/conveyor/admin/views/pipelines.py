"""Pipelines, as Pacemaker's: the grid (by name, status, date), a pipeline's stages and steps with status,
durations, attempts and logs, retry and cancel, create from a definition with arguments, the definitions, and
the maintenance switch."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from conveyor.admin.web import PAGE_SIZE, Session, admin_of, back, checked_form, int_param, render, session, sorting
from conveyor.pipelines import DefinitionError, PipelineDefinition, PipelineStatus, maintenance, operator

router = APIRouter()

STATUSES = [s.value for s in PipelineStatus]


def _since(text: str) -> float | None:
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=dt.UTC).timestamp() if text else None
    except ValueError:
        return None


def _definitions(request: Request) -> tuple[dict[str, PipelineDefinition], str | None]:
    try:
        return operator.definitions(admin_of(request).settings), None
    except DefinitionError as error:
        return {}, str(error)


@router.get("/pipelines", response_class=HTMLResponse)
async def pipeline_list(request: Request, current: Annotated[Session, Depends(session)]) -> HTMLResponse:
    admin = admin_of(request)
    params = request.query_params
    name = params.get("name", "")[:191]
    status = params.get("status", "") if params.get("status") in STATUSES else ""
    since_text = params.get("since", "")[:10]
    order = sorting(request, operator.SORTS)

    def read() -> tuple[list[Any], list[str]]:
        with admin.engine.connect() as conn:
            rows = operator.page(
                conn,
                name=name or None,
                status=status or None,
                since=_since(since_text),
                order=order,
                limit=PAGE_SIZE,
            )
            return rows, operator.names(conn)

    rows, names = await run_in_threadpool(read)
    return render(
        request,
        "pipelines.html",
        current,
        pipelines=rows,
        names=names,
        name=name,
        status=status,
        since=since_text,
        statuses=STATUSES,
        next_page=order.next_page(rows, PAGE_SIZE),
    )


@router.get("/pipelines/new", response_class=HTMLResponse)
async def new_form(request: Request, current: Annotated[Session, Depends(session)]) -> HTMLResponse:
    found, error = _definitions(request)
    chosen = request.query_params.get("definition", "")
    return render(request, "pipeline_new.html", current, definitions=found, error=error, chosen=chosen, arguments="")


@router.post("/pipelines/new")
async def create(request: Request, current: Annotated[Session, Depends(session)]) -> Response:
    form = await checked_form(request, current)
    found, error = _definitions(request)
    chosen = form.get("definition", "")
    text = form.get("arguments", "")
    definition = found.get(chosen)
    arguments: Any = {}
    if definition is None:
        error = error or f"There is no pipeline definition {chosen!r}."
    else:
        try:
            arguments = yaml.safe_load(text) if text.strip() else {}
        except yaml.YAMLError as problem:
            error = f"The arguments are not YAML: {problem}"
        if not error and not isinstance(arguments, dict):
            error = "The arguments must be a mapping of name: value lines."
    if error or definition is None:
        return render(
            request,
            "pipeline_new.html",
            current,
            status_code=400,
            definitions=found,
            error=error,
            chosen=chosen,
            arguments=text,
        )
    admin = admin_of(request)
    pipeline_id = await run_in_threadpool(operator.create, admin.engine, definition, admin.settings, arguments)
    return back(request, f"/pipelines/{pipeline_id}", f"Pipeline {pipeline_id} ({chosen}) created.")


@router.get("/pipelines/definitions", response_class=HTMLResponse)
async def definition_list(request: Request, current: Annotated[Session, Depends(session)]) -> HTMLResponse:
    found, error = _definitions(request)
    return render(request, "definitions.html", current, definitions=found, error=error)


@router.get("/pipelines/{pipeline_id}", response_class=HTMLResponse)
async def pipeline_page(
    request: Request, pipeline_id: int, current: Annotated[Session, Depends(session)]
) -> HTMLResponse:
    def read() -> operator.Detail | None:
        with admin_of(request).engine.connect() as conn:
            return operator.detail(conn, pipeline_id)

    found = await run_in_threadpool(read)
    if found is None:
        raise HTTPException(404, f"There is no pipeline {pipeline_id}.")
    stages: dict[str, list[Any]] = {}
    for step in found.steps:
        stages.setdefault(step.stage, []).append(step)
    names = {step.id: step.name for step in found.steps}
    failed = sum(1 for s in found.steps if s.status in ("error", "abandoned"))
    return render(
        request,
        "pipeline.html",
        current,
        pipeline=found.pipeline,
        stages=stages,
        depends_on={k: [names.get(d, d) for d in v] for k, v in found.depends_on.items()},
        live=operator.is_live(found.pipeline.status),
        failed=failed,
    )


@router.post("/pipelines/{pipeline_id}/retry")
async def retry(request: Request, pipeline_id: int, current: Annotated[Session, Depends(session)]) -> Response:
    form = await checked_form(request, current)
    step_id = int_param(form.get("step"))
    count, enqueued = await run_in_threadpool(operator.retry, admin_of(request).mq, pipeline_id, step_id)
    message = f"{count} step(s) to run again, {enqueued} enqueued now." if count else "Nothing to retry."
    return back(request, f"/pipelines/{pipeline_id}", message)


@router.post("/pipelines/{pipeline_id}/cancel")
async def cancel(request: Request, pipeline_id: int, current: Annotated[Session, Depends(session)]) -> Response:
    await checked_form(request, current)
    done = await run_in_threadpool(operator.cancel, admin_of(request).engine, pipeline_id)
    return back(request, f"/pipelines/{pipeline_id}", "Pipeline cancelled." if done else "The pipeline is not live.")


@router.post("/maintenance")
async def switch_maintenance(request: Request, current: Annotated[Session, Depends(session)]) -> Response:
    form = await checked_form(request, current)
    on = form.get("on") == "1"
    await run_in_threadpool(maintenance.switch, admin_of(request).engine, on)
    return back(request, "/pipelines", f"Maintenance mode is {'on' if on else 'off'}.")
