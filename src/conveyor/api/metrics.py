"""``GET /metrics``: Prometheus text, behind a token like the API (``Conveyor::metrics`` or an admin token).

The store's figures are gauges counted at scrape time (``StoreCollector``): queue depth by queue and status
through ``conveyor.mq.count_messages`` (the admin UI's count: bounded on a DB queue, with a ``…_capped`` gauge),
bulk operations and pipeline steps by status (bounded alike), import rows by outcome. The processes' own counters
(``conveyor.metrics``: handler and step durations among them) come beside them, from every process of the machine
in multiprocess mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import FastAPI, Security
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from conveyor import bulk, importer, pipelines
from conveyor.api.auth import caller_for_token
from conveyor.api.errors import ErrorResponse, forbidden, unauthorized
from conveyor.api.routing import Services, bearer
from conveyor.metrics import CONTENT_TYPE, exposition, process_registry
from conveyor.mq import COUNT_CAP, count_messages

RESOURCE = "Conveyor::metrics"
QUEUE_STATES = ("waiting", "retrying", "in_progress", "complete", "dead")
OPERATION_STATUS = {1: "complete", 2: "retriably_failed", 3: "not_retriably_failed", 4: "open", 5: "rejected"}


class StoreCollector(Collector):
    """What the store knows, counted when scraped."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[GaugeMetricFamily]:
        mq = self.services.mq
        depth = GaugeMetricFamily(
            "conveyor_queue_messages", "Messages in a queue by status.", labels=["queue", "status"]
        )
        oldest = GaugeMetricFamily(
            "conveyor_queue_oldest_waiting_seconds", "Age of a queue's oldest waiting message.", labels=["queue"]
        )
        capped = GaugeMetricFamily(
            "conveyor_queue_messages_capped",
            f"1 where conveyor_queue_messages stopped counting at its cap ({COUNT_CAP} on a DB queue): at least.",
            labels=["queue", "status"],
        )
        for counts in count_messages(mq):
            for state in QUEUE_STATES:
                depth.add_metric([counts.queue, state], getattr(counts, state))
                capped.add_metric([counts.queue, state], 1.0 if counts.is_capped(state) else 0.0)
            oldest.add_metric([counts.queue], counts.oldest_waiting_age or 0.0)
        yield depth
        yield capped
        yield oldest
        with self.services.reading() as conn:
            by_status = bulk.status.operation_counts(conn)
            steps = pipelines.step_stats(conn)
            rows = importer.row_totals(conn)
        operations = GaugeMetricFamily(
            "conveyor_bulk_operations",
            f"Bulk operations by status (Magento's codes), counted up to {COUNT_CAP} (that figure means at least).",
            labels=["status", "code"],
        )
        for code, name in OPERATION_STATUS.items():
            operations.add_metric([name, str(code)], by_status.get(code, 0))
        yield operations
        step_count = GaugeMetricFamily(
            "conveyor_pipeline_steps",
            f"Pipeline steps by status, counted up to {COUNT_CAP} (that figure means at least); how long they ran "
            "is conveyor_pipeline_step_duration_seconds.",
            labels=["status"],
        )
        for stat in steps:
            step_count.add_metric([stat.status], stat.count)
        yield step_count
        import_rows = GaugeMetricFamily(
            "conveyor_import_rows", "Rows of recorded imports by outcome.", labels=["outcome"]
        )
        for outcome, count in rows.items():
            import_rows.add_metric([outcome], count)
        yield import_rows


def add_metrics_route(app: FastAPI, services: Services) -> None:
    store = CollectorRegistry(auto_describe=False)
    store.register(StoreCollector(services))

    def allowed(credentials: HTTPAuthorizationCredentials | None) -> None:
        if credentials is None or not credentials.credentials:
            raise unauthorized(RESOURCE)
        with services.reading() as conn:
            caller = caller_for_token(conn, credentials.credentials)
        if caller is None:
            raise unauthorized(RESOURCE)
        if not caller.allows(RESOURCE):
            raise forbidden(RESOURCE)

    # Magento has no /metrics; it is Conveyor's own route beside /health, in the document because the document
    # lists everything the server answers: its text answer and its refusals are declared as they are sent
    @app.get(
        "/metrics",
        tags=["health"],
        summary="Prometheus metrics (a token allowed Conveyor::metrics).",
        response_class=Response,
        responses={
            200: {
                "description": "Prometheus' text exposition format 0.0.4",
                "content": {"text/plain; version=0.0.4": {"schema": {"type": "string"}}},
            },
            401: {"model": ErrorResponse, "description": "Missing, unknown or expired token"},
            403: {"model": ErrorResponse, "description": "The token does not grant Conveyor::metrics"},
        },
    )
    def metrics(credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]) -> Response:
        allowed(credentials)
        body = exposition(process_registry()) + exposition(store)
        return Response(body, media_type=CONTENT_TYPE)
