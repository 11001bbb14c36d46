"""``GET /metrics``: Prometheus text, behind a token like the API (``Conveyor::metrics`` or an admin token).

The store's figures are gauges counted at scrape time with grouped COUNT queries (``StoreCollector``): queue depth
by queue and status, bulk operations by status, pipeline steps by status with their summed run time, import rows by
outcome. The processes' own counters (``conveyor.metrics``) come beside them, from every process of the machine in
multiprocess mode.
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
        for queue in mq.topology.queues.values():
            counts = mq.transport(queue.connection).counts(queue.name)
            for state in QUEUE_STATES:
                depth.add_metric([queue.name, state], getattr(counts, state))
            oldest.add_metric([queue.name], counts.oldest_waiting_age or 0.0)
        yield depth
        yield oldest
        with self.services.reading() as conn:
            by_status = bulk.status.operation_counts(conn)
            steps = pipelines.step_stats(conn)
            rows = importer.row_totals(conn)
        operations = GaugeMetricFamily(
            "conveyor_bulk_operations", "Bulk operations by status (Magento's codes).", labels=["status", "code"]
        )
        for code, name in OPERATION_STATUS.items():
            operations.add_metric([name, str(code)], by_status.get(code, 0))
        yield operations
        step_count = GaugeMetricFamily("conveyor_pipeline_steps", "Pipeline steps by status.", labels=["status"])
        step_seconds = GaugeMetricFamily(
            "conveyor_pipeline_step_seconds", "Summed run time of the finished steps, by status.", labels=["status"]
        )
        for stat in steps:
            step_count.add_metric([stat.status], stat.count)
            step_seconds.add_metric([stat.status], stat.seconds)
        yield step_count
        yield step_seconds
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
