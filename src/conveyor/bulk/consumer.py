"""The ``async.operations.all`` consumer: runs each operation once and records its outcome on the operation row.

Per message, in one transaction: lock the operation row, skip it if already complete (a redelivery after a
crash between commit and ack), run the registered handler, store status 1 with the result. The outcome of a
failure is recorded in a second transaction, since the first one is rolled back:

* a catalog / validation error (the client's fault): status 3 with Magento's message; the message is acked;
* a transient database error (deadlock, lock wait, lost connection): status 2, and the error is raised again so
  the queue framework retries the message after its delay (dead-lettered after the maximum attempts);
* anything else (a bug): status 3 with the error, and ``PermanentError`` so the message is dead-lettered with
  its traceback instead of looping.

The handler ``conveyor.bulk.consumer:handle`` (the built-in consumer's) uses the process settings and the
API's registry; tests and embedders build ``OperationConsumer(mq, runner)`` themselves.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import orjson
import sqlalchemy as sa

from conveyor.bulk.schema import OperationStatus, bulk_table, operation_table
from conveyor.catalog.errors import CatalogError, NotFoundError
from conveyor.db.engine import now
from conveyor.mq.consumer import PermanentError
from conveyor.mq.envelope import Envelope
from conveyor.mq.queue import MessageQueue, Transaction
from conveyor.mq.transports.base import is_transient

log = logging.getLogger("conveyor.bulk")
OP, B = operation_table, bulk_table
SKIPPED = (OperationStatus.COMPLETE, OperationStatus.REJECTED)


class OperationRunner(Protocol):
    """Runs a stored operation (``conveyor.api.operations.Registry.run_serialized``); returns JSON data."""

    def __call__(self, transaction: Transaction, topic: str, data: Any, user_type: int, user_id: int | None) -> Any:
        """Raise ``CatalogError`` for failures the client caused."""


class OperationConsumer:
    """The handler of the ``async.operations.all`` queue (a ``conveyor.mq`` ``Handler``)."""

    def __init__(self, mq: MessageQueue, runner: OperationRunner) -> None:
        self.mq = mq
        self.runner = runner

    def __call__(self, envelope: Envelope) -> None:
        message = envelope.json()
        try:
            bulk_uuid, key = str(message["bulk_uuid"]), int(message["operation_key"])
        except (KeyError, TypeError, ValueError) as exc:
            raise PermanentError(f"not an operation message: {envelope.body[:200]!r}") from exc
        started = now()
        try:
            with self.mq.transaction() as transaction:
                self._run(transaction, bulk_uuid, key, started)
        except CatalogError as exc:
            self._record(bulk_uuid, key, OperationStatus.NOT_RETRIABLY_FAILED, exc, started)
        except Exception as exc:
            if is_transient(exc):
                self._record(bulk_uuid, key, OperationStatus.RETRIABLY_FAILED, exc, started)
                raise
            log.exception("operation %s/%d failed", bulk_uuid, key)
            self._record(bulk_uuid, key, OperationStatus.NOT_RETRIABLY_FAILED, exc, started)
            raise PermanentError(f"operation {bulk_uuid}/{key}: {type(exc).__name__}: {exc}") from exc

    def _run(self, transaction: Transaction, bulk_uuid: str, key: int, started: float) -> None:
        conn = transaction.conn
        row = conn.execute(
            sa.select(OP.c.id, OP.c.status, OP.c.topic_name, OP.c.serialized_data)
            .where(OP.c.bulk_uuid == bulk_uuid, OP.c.operation_key == key)
            .with_for_update()  # the operation row only: other operations of the bulk run in parallel
        ).first()
        if row is None:
            log.warning("operation %s/%d does not exist (its bulk was cleaned up?); dropped", bulk_uuid, key)
            return
        if row.status in SKIPPED:
            log.info("operation %s/%d is %s already; not run again", bulk_uuid, key, OperationStatus(row.status).name)
            return
        user = conn.execute(sa.select(B.c.user_type, B.c.user_id).where(B.c.uuid == bulk_uuid)).one()
        data = orjson.loads(row.serialized_data)
        result = self.runner(transaction, row.topic_name, data, user.user_type, user.user_id)
        conn.execute(
            OP.update()
            .where(OP.c.id == row.id)
            .values(
                status=int(OperationStatus.COMPLETE),
                result_serialized_data=orjson.dumps(result).decode(),
                result_message=None,
                error_code=None,
                started_at=started,
                finished_at=now(),
            )
        )

    def _record(self, bulk_uuid: str, key: int, status: OperationStatus, error: BaseException, started: float) -> None:
        """Store a failure; never over a completed operation. A failure to record is logged, not raised."""
        if isinstance(error, CatalogError):
            code, text = (404 if isinstance(error, NotFoundError) else 400), str(error)
        elif status == OperationStatus.RETRIABLY_FAILED:
            code, text = 503, f"{type(error).__name__}: {error}"
        else:
            code, text = 500, f"{type(error).__name__}: {error}"
        try:
            with self.mq.engine.begin() as conn:
                conn.execute(
                    OP.update()
                    .where(
                        OP.c.bulk_uuid == bulk_uuid,
                        OP.c.operation_key == key,
                        OP.c.status != int(OperationStatus.COMPLETE),
                    )
                    .values(
                        status=int(status),
                        result_message=text[:4000],
                        error_code=code,
                        started_at=started,
                        finished_at=now(),
                    )
                )
        except Exception:
            log.warning("could not record the failure of operation %s/%d", bulk_uuid, key, exc_info=True)


_default: OperationConsumer | None = None


def handle(envelope: Envelope) -> None:
    """The built-in consumer's handler: the process settings' database and topology, the API's registry."""
    global _default
    if _default is None:
        from conveyor.api.operations import default_registry
        from conveyor.api.settings import get_api_settings
        from conveyor.mq.config import load_topology

        settings = get_api_settings()
        mq = MessageQueue(load_topology(settings.topology_files, builtins=True, settings=settings), settings)
        _default = OperationConsumer(mq, default_registry().run_serialized)
    _default(envelope)
