"""The dashboard: every queue with its counts and throughput, live workers, pipelines and bulks at a glance.

The figures sit in one fragment (``/live``) that the page reloads every few seconds through htmx; without
JavaScript the page shows the same figures as of its loading.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from conveyor.admin.web import Admin, Session, admin_of, render, session
from conveyor.bulk import status as bulks
from conveyor.importer import history
from conveyor.mq import stats
from conveyor.orders import sent_since
from conveyor.pipelines import operator
from conveyor.sync import window_usage

router = APIRouter()


def figures(admin: Admin) -> dict[str, Any]:
    mq = admin.mq
    queues = [(c, stats.throughput(mq, c.queue)) for c in stats.counts(mq)]
    midnight = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    with admin.engine.connect() as conn:
        pipelines = operator.counts_by_status(conn)
        running_bulks = bulks.in_progress(conn)
        imports = history.started_since(conn, midnight)
        exported = sent_since(conn, midnight)
    return {
        "queues": queues,
        "hosts": stats.workers_by_host(mq),
        "pipelines": pipelines,
        "bulks": running_bulks,
        "imports": {"runs": sum(imports.values()), "failed": imports.get("failed", 0)},
        "exported": exported,
        "limits": window_usage(admin.settings),
        "totals": {
            "waiting": sum(c.waiting for c, _ in queues),
            "in_progress": sum(c.in_progress for c, _ in queues),
            "retrying": sum(c.retrying for c, _ in queues),
            "dead": sum(c.dead for c, _ in queues),
        },
    }


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request, current: Annotated[Session, Depends(session)]) -> HTMLResponse:
    data = await run_in_threadpool(figures, admin_of(request))
    return render(request, "dashboard.html", current, **data)


@router.get("/live", response_class=HTMLResponse)
async def live(request: Request, current: Annotated[Session, Depends(session)]) -> HTMLResponse:
    data = await run_in_threadpool(figures, admin_of(request))
    return render(request, "_dashboard_figures.html", current, **data)
