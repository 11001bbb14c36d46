"""A running app on a test database: client, tokens, and a consumer to drain the async operations."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from conveyor.api.app import create_app
from conveyor.api.auth import create_integration_token, create_user
from conveyor.api.operations import Registry, default_registry
from conveyor.bulk.consumer import OperationConsumer
from conveyor.bulk.schema import OperationStatus, operation_table
from conveyor.bulk.topology import QUEUE
from conveyor.mq.consumer import ConsumerOptions, Worker
from conveyor.mq.middleware import StopWhenEmpty
from conveyor.mq.queue import MessageQueue
from conveyor.settings import Settings

ADMIN, PASSWORD = "admin", "correct horse battery"


@dataclass
class Harness:
    client: TestClient
    app: FastAPI
    settings: Settings
    registry: Registry
    token: str  # an integration token
    admin_token: str
    _document: dict[str, Any] | None = field(default=None, repr=False)  # ``/openapi.json``, read once

    @property
    def mq(self) -> MessageQueue:
        return self.app.state.services.mq  # type: ignore[no-any-return]

    @property
    def engine(self) -> Engine:
        return self.mq.engine

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=kwargs.pop("headers", self.headers), **kwargs)

    def send(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.client.request(method, path, json=body, headers=kwargs.pop("headers", self.headers), **kwargs)

    def documented(self, method: str, path: str, body: Any) -> bool:
        """Whether the OpenAPI document calls ``body`` a valid request body of ``method path`` (``/rest/V1/…``):
        what the server refuses as invalid, the document must refuse too."""
        if self._document is None:
            self._document = self.client.get("/openapi.json").json()
        document = self._document
        operation = document["paths"][path][method.lower()]
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        return bool(jsonschema_rs.validator_for({**schema, "components": document["components"]}).is_valid(body))

    def consumer(self) -> OperationConsumer:
        return OperationConsumer(
            self.mq, self.registry.run_serialized, self.registry.run_serialized_batch, self.registry.has_batch
        )

    def drain(self, timeout: float = 30.0, max_attempts: int = 3) -> None:
        """Consume ``async.operations.all`` until no operation is open or waiting for a retry."""
        deadline = time.monotonic() + timeout
        options = ConsumerOptions(batch_size=100, sleep=0.05, max_attempts=max_attempts, retry_delay=0.0)
        waiting = (int(OperationStatus.OPEN), int(OperationStatus.RETRIABLY_FAILED))
        while time.monotonic() < deadline:
            Worker(self.mq, {QUEUE: self.consumer()}, options, [StopWhenEmpty()]).run()
            with self.engine.connect() as conn:
                left = conn.execute(
                    sa.select(sa.func.count()).where(operation_table.c.status.in_(waiting))
                ).scalar_one()
            if not left:
                return
        raise AssertionError(f"{left} operation(s) still open after {timeout}s")


@contextmanager
def harness(
    db_url: str,
    *,
    amqp_url: str | None = None,
    registry: Registry | None = None,
    topology_files: Sequence[Path] = (),
) -> Iterator[Harness]:
    """The app on ``db_url``; bulk operations on RabbitMQ when ``amqp_url`` is given, else on the DB queue;
    ``topology_files`` (e.g. a queue bound to events) over the built-in topologies."""
    settings = Settings(
        database_url=db_url,
        amqp_url=amqp_url or "amqp://guest:guest@127.0.0.1:1/%2F",
        bulk_connection="amqp" if amqp_url else "db",
        topology_files=list(topology_files),
    )
    registry = registry if registry is not None else default_registry()
    app = create_app(settings, registry=registry)
    with TestClient(app) as client:
        engine = app.state.services.mq.engine
        with engine.begin() as conn:
            token = create_integration_token(conn, "test-integration")
            create_user(conn, ADMIN, PASSWORD)
        login = client.post("/rest/V1/integration/admin/token", json={"username": ADMIN, "password": PASSWORD})
        assert login.status_code == 200, login.text
        yield Harness(client, app, settings, registry, token, login.json())


@pytest.fixture
def api(db_url: str) -> Iterator[Harness]:
    """The app with the default registry on SQLite, PostgreSQL and MariaDB."""
    with harness(db_url) as running:
        yield running


@pytest.fixture
def sqlite_api(sqlite_url: str) -> Iterator[Harness]:
    """The app on SQLite only (for tests whose subject is not the database)."""
    with harness(sqlite_url) as running:
        yield running
