"""``/health/live``, ``/health/ready`` (503 naming the failed check) and ``/metrics`` (a token; Prometheus text whose
store figures equal the store's counts on every database; the HTTP counters by route template)."""

from __future__ import annotations

import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from conveyor.api.auth import create_integration_token
from conveyor.api.health import readiness
from conveyor.api.routing import Services
from conveyor.bulk.schema import operation_table
from conveyor.mq.queue import MessageQueue
from conveyor.settings import Settings
from tests.integration.api.harness import Harness
from tests.support.topologies import fanout_topology


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_ready_fails_with_503_naming_the_database_when_migrations_are_behind(sqlite_api: Harness) -> None:
    assert sqlite_api.get("/health/live").json() == {"status": "ok"}
    assert sqlite_api.get("/health/ready").status_code == 200
    with sqlite_api.engine.begin() as conn:
        head = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        answer = sqlite_api.get("/health/ready")
        assert answer.status_code == 503
        body = answer.json()
        assert body["status"] == "fail" and body["failed"] == ["database"]
        assert "migrations: the database is at 0001" in body["checks"]["database"]
        assert body["checks"]["broker:db"] == "ok"
    finally:
        with sqlite_api.engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = :head"), {"head": head})


def test_ready_names_an_unreachable_broker(sqlite_url: str) -> None:
    settings = Settings(database_url=sqlite_url, amqp_url="amqp://guest:guest@127.0.0.1:1/%2F")
    mq = MessageQueue(fanout_topology("amqp"), settings)
    try:
        checks = readiness(Services(settings, mq, registry=None, bus=None))  # type: ignore[arg-type]
    finally:
        mq.close()
    assert checks["database"] is None
    assert checks["broker:amqp"] is not None


def test_metrics_need_a_token_allowed_them(sqlite_api: Harness) -> None:
    assert sqlite_api.client.get("/metrics").status_code == 401
    with sqlite_api.engine.begin() as conn:
        narrow = create_integration_token(conn, "catalog-only", ["Magento_Catalog::products"])
        allowed = create_integration_token(conn, "monitoring", ["Conveyor::metrics"])
    assert sqlite_api.get("/metrics", headers={"Authorization": f"Bearer {narrow}"}).status_code == 403
    answer = sqlite_api.get("/metrics", headers={"Authorization": f"Bearer {allowed}"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")


def test_store_figures_equal_the_stores_counts(api: Harness) -> None:
    items = [{"group": {"code": c}} for c in ("Gold", "gold", "Silver")]  # "gold" duplicates: it fails
    assert api.send("POST", "/rest/async/bulk/V1/customerGroups", items).status_code == 202
    api.drain()
    found = samples(api.get("/metrics", headers=api.admin).text)
    with api.engine.connect() as conn:
        by_status: dict[int, int] = dict(
            conn.execute(sa.select(operation_table.c.status, sa.func.count()).group_by(operation_table.c.status)).all()
        )
    assert by_status[1] == 2
    for code, name in ((1, "complete"), (3, "not_retriably_failed"), (4, "open")):
        key = ("conveyor_bulk_operations", (("code", str(code)), ("status", name)))
        assert found[key] == by_status.get(code, 0)
    counts = api.mq.transport_for_queue("async.operations.all").counts("async.operations.all")
    for status in ("waiting", "complete", "dead"):
        key = ("conveyor_queue_messages", (("queue", "async.operations.all"), ("status", status)))
        assert found[key] == getattr(counts, status)
    assert found[("conveyor_import_rows", (("outcome", "created"),))] == 0


def test_requests_are_counted_by_route_template_and_answer_with_their_correlation_id(sqlite_api: Harness) -> None:
    answer = sqlite_api.get("/rest/V1/customerGroups/1", headers={**sqlite_api.headers, "X-Correlation-Id": "abc-1"})
    assert answer.status_code == 200
    assert answer.headers["X-Correlation-Id"] == "abc-1"
    assert len(sqlite_api.get("/health/live").headers["X-Correlation-Id"]) == 32  # made when absent
    found = samples(sqlite_api.get("/metrics", headers=sqlite_api.admin).text)
    key = (
        "conveyor_http_requests_total",
        (("method", "GET"), ("route", "/rest/V1/customerGroups/{id}"), ("status", "200")),
    )
    assert found[key] >= 1
