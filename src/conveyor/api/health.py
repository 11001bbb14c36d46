"""``/health/live`` (the process answers) and ``/health/ready`` (it can do its work: the database and every broker
of the topology answer, and the database's migrations are at head). Not behind a token: load balancers and
orchestrators ask, and the answers name no data. A failed check is a 503 naming it."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from conveyor.api.routing import Services
from conveyor.db.migrate import current_revision, head_revision


@functools.lru_cache(maxsize=1)
def _head() -> str | None:
    """The code's newest migration: it cannot change while the process runs."""
    return head_revision()


def _check_database(services: Services) -> str | None:
    with services.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    current, head = current_revision(services.engine), _head()
    if current != head:
        return f"migrations: the database is at {current}, the code's head is {head} (run `conveyor db upgrade`)"
    return None


CHECK_SECONDS = 3.0  # a probe answers quickly or not at all: a broker's own reconnect patience is a minute


def _within(check: Callable[[], object], seconds: float = CHECK_SECONDS) -> str | None:
    """Run ``check`` on a daemon thread; its failure text, "no answer within …", or None when it passed."""
    outcome: list[str | None] = []

    def run() -> None:
        try:
            check()
            outcome.append(None)
        except Exception as exc:  # any failure to reach it is the answer
            outcome.append(f"{type(exc).__name__}: {exc}")

    probe = threading.Thread(target=run, name="health-probe", daemon=True)
    probe.start()
    probe.join(seconds)
    return outcome[0] if outcome else f"no answer within {seconds:g} s"


def _count(services: Services, connection: str, queue: str) -> None:
    """Reach the broker of ``connection`` (opening it if need be) and count one of its queues."""
    services.mq.transport(connection).counts(queue)


def _check_brokers(services: Services) -> dict[str, str | None]:
    """Each connection the topology's queues use: one count of one of its queues reaches it."""
    results: dict[str, str | None] = {}
    queues: dict[str, str] = {}
    for declared in services.mq.topology.queues.values():
        queues.setdefault(declared.connection, declared.name)
    for connection, name in sorted(queues.items()):
        results[f"broker:{connection}"] = _within(functools.partial(_count, services, connection, name))
    return results


def readiness(services: Services) -> dict[str, str | None]:
    """Each check's failure text, or None when it passed."""
    checks: dict[str, str | None] = {}
    try:
        checks["database"] = _check_database(services)
    except Exception as exc:  # unreachable, or no migration table yet
        checks["database"] = f"{type(exc).__name__}: {exc}"
    checks.update(_check_brokers(services))
    return checks


def add_health_routes(app: FastAPI, services: Services) -> None:
    @app.get("/health/live", tags=["health"], summary="The process answers.")
    def live() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/health/ready", tags=["health"], summary="The database and brokers answer; migrations at head.")
    def ready() -> JSONResponse:
        checks = readiness(services)
        failed = {name: problem for name, problem in checks.items() if problem is not None}
        body: dict[str, Any] = {
            "status": "fail" if failed else "ok",
            "checks": {name: problem or "ok" for name, problem in checks.items()},
        }
        if failed:
            body["failed"] = sorted(failed)
        return JSONResponse(body, status_code=503 if failed else 200)
