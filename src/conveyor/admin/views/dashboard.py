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
from conveyor.mq import count_messages, stats
from conveyor.mq.stats import QueueCounts
from conveyor.orders import sent_since
from conveyor.pipelines import operator
from conveyor.sync import window_usage

router = APIRouter()
TOTALS = ("waiting", "in_progress", "retrying", "dead")


def _total(counts: list[QueueCounts], state: str) -> tuple[int, bool]:
    """A state's sum over the queues, and whether it is a lower bound (a queue's figure reached the cap)."""
    return sum(int(getattr(c, state)) for c in counts), any(c.is_capped(state) for c in counts)


def figures(admin: Admin) -> dict[str, Any]:
    mq = admin.mq
    counts = count_messages(mq)
    charts = stats.throughput(mq, [c.queue for c in counts])
    queues = [(c, charts[c.queue]) for c in counts]
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
        "totals": {state: _total([c for c, _ in queues], state) for state in TOTALS},
    }


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request, current: Annotated[Session, Depends(session)]) -> HTMLResponse:
    data = await run_in_threadpool(figures, admin_of(request))
    return render(request, "dashboard.html", current, **data)


@router.get("/live", response_class=HTMLResponse)
async def live(request: Request, current: Annotated[Session, Depends(session)]) -> HTMLResponse:
    data = await run_in_threadpool(figures, admin_of(request))
    return render(request, "_dashboard_figures.html", current, **data)
