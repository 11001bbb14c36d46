"""The ``async.operations.all`` consumer: runs each operation once and records its outcome on the operation row.

The queue framework hands it each reserved batch (``handle_batch``); the whole batch runs in ONE transaction
(one commit, one fsync), each operation inside a savepoint of its own. The batch's operation rows are locked
first; an operation already complete (a redelivery after a crash between commit and ack) is skipped; the others
run through the registered handler and store status 1 with the result. Outcomes:

* a catalog / validation error (the client's fault): the operation's savepoint is rolled back and status 3 with
  Magento's message is stored in the same transaction; the message is acked;
* a transient database error (deadlock, lock wait, lost connection): the whole batch is rolled back, its
  operations are marked status 2 in a short transaction of their own, and every message of the batch is retried
  after its delay (dead-lettered after the maximum attempts);
* anything else (a bug): status 3 with the error, and ``PermanentError`` so that message is dead-lettered with
  its traceback instead of looping; any other failure of the batch as a whole (its commit) makes the consumer
  run the batch's messages one by one, so the culprit is found alone.

Consecutive operations of one bulk and topic whose operation declares a batch implementation (``batch=`` of
``operations.write``) run together through it in one savepoint, e.g. products through one set-based
``save_many``; if the group fails, its operations run one by one so each failure gets its own message.

The handler ``conveyor.bulk.consumer:handle`` (the built-in consumer's) is built by the process's App from its
queue and the API's registry; tests and embedders may build ``OperationConsumer(mq, runner)`` themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.bulk.schema import OperationStatus, bulk_table, operation_table
from conveyor.catalog import CatalogError, NotFoundError
from conveyor.db.engine import now
from conveyor.heap import freeze_loaded
from conveyor.mq.consumer import PermanentError
from conveyor.mq.envelope import Envelope
from conveyor.mq.handlers import handler_factory
from conveyor.mq.queue import MessageQueue, Transaction
from conveyor.mq.transports.base import is_transient

log = logging.getLogger("conveyor.bulk")
OP, B = operation_table, bulk_table
SKIPPED = (OperationStatus.COMPLETE, OperationStatus.REJECTED)
Outcome = BaseException | None


class OperationRunner(Protocol):
    """Runs a stored operation (``conveyor.api.operations.Registry.run_serialized``); returns JSON data."""

    def __call__(self, transaction: Transaction, topic: str, data: Any, user_type: int, user_id: int | None) -> Any:
        """Raise ``CatalogError`` for failures the client caused."""


class BatchRunner(Protocol):
    """Runs stored operations of one topic together (``Registry.run_serialized_batch``): one result per item."""

    def __call__(
        self, transaction: Transaction, topic: str, data: Sequence[Any], user_type: int, user_id: int | None
    ) -> list[Any]:
        """Raise for any failure of the group (the consumer then runs its items one by one)."""


@dataclass
class _Op:
    """One message's operation: its key, and once loaded its row and the bulk's user."""

    index: int  # position in the batch
    bulk_uuid: str
    key: int
    row: Any = None
    user: Any = None


@dataclass
class _Done:
    """An outcome to store at the end of the batch's transaction."""

    op_id: int
    status: OperationStatus
    result: str | None
    message: str | None
    code: int | None
    finished: float


class OperationConsumer:
    """The handler of the ``async.operations.all`` queue (a ``conveyor.mq`` batch handler)."""

    def __init__(
        self,
        mq: MessageQueue,
        runner: OperationRunner,
        batch_runner: BatchRunner | None = None,
        has_batch: Callable[[str], bool] | None = None,
    ) -> None:
        """``batch_runner`` with ``has_batch(topic) -> bool`` enables grouped runs (``Registry`` provides both)."""
        self.mq = mq
        self.runner = runner
        self.batch_runner = batch_runner
        self.has_batch = has_batch

    def __call__(self, envelope: Envelope) -> None:
        (outcome,) = self.handle_batch([envelope])
        if outcome is not None:
            raise outcome

    def handle_batch(self, envelopes: Sequence[Envelope]) -> list[Outcome]:
        """Run the batch's operations in one transaction; one outcome per envelope (see the module docstring)."""
        outcomes: list[Outcome] = [None] * len(envelopes)
        ops: list[_Op] = []
        for index, envelope in enumerate(envelopes):
            try:
                message = envelope.json()
                ops.append(_Op(index, str(message["bulk_uuid"]), int(message["operation_key"])))
            except (KeyError, TypeError, ValueError, orjson.JSONDecodeError) as exc:
                malformed = PermanentError(f"not an operation message: {envelope.body[:200]!r}")
                malformed.__cause__ = exc
                outcomes[index] = malformed
        if not ops:
            return outcomes
        started = now()
        try:
            with self.mq.transaction() as transaction:
                done = self._run_batch(transaction, ops, outcomes)
                self._store(transaction.conn, done, started)
        except Exception as exc:
            if is_transient(exc):
                log.warning("batch of %d operation(s) rolled back: %s", len(ops), exc)
                self._record(ops, OperationStatus.RETRIABLY_FAILED, exc, started)
                for op in ops:
                    outcomes[op.index] = exc
            elif len(envelopes) > 1:
                log.warning("batch of %d operation(s) failed (%s); running them one by one", len(ops), exc)
                for op in ops:
                    (outcomes[op.index],) = self.handle_batch([envelopes[op.index]])
            else:
                (op,) = ops
                log.exception("operation %s/%d failed", op.bulk_uuid, op.key)
                self._record(ops, OperationStatus.NOT_RETRIABLY_FAILED, exc, started)
                outcomes[op.index] = _permanent(op, exc)
        return outcomes

    # --- inside the batch's transaction ------------------------------------------------------------------------
    def _run_batch(self, transaction: Transaction, ops: list[_Op], outcomes: list[Outcome]) -> list[_Done]:
        """Lock and run the operations; what to store (the caller writes it in the same transaction)."""
        conn = transaction.conn
        self._load(conn, ops)
        done: list[_Done] = []
        finished: set[int] = set()  # operation ids run in this batch (a message delivered twice runs once)
        runnable: list[_Op] = []
        for op in ops:
            if op.row is None:
                log.warning("operation %s/%d does not exist (its bulk was cleaned up?); dropped", op.bulk_uuid, op.key)
            elif op.row.status in SKIPPED or op.row.id in finished:
                status = OperationStatus(op.row.status).name if op.row.id not in finished else "run in this batch"
                log.info("operation %s/%d is %s already; not run again", op.bulk_uuid, op.key, status)
            else:
                finished.add(op.row.id)
                runnable.append(op)
        for group in self._groups(runnable):
            if len(group) > 1 and self._run_group(transaction, group, done):
                continue
            for op in group:
                self._run_one(transaction, op, done, outcomes)
        return done

    def _load(self, conn: Connection, ops: list[_Op]) -> None:
        """Lock the batch's operation rows (only those: other operations of a bulk run in parallel)."""
        by_bulk: dict[str, set[int]] = {}
        for op in ops:
            by_bulk.setdefault(op.bulk_uuid, set()).add(op.key)
        if len(by_bulk) == 1:  # the usual batch: one bulk's operations, through the statement built once
            ((bulk_uuid, keys),) = by_bulk.items()
            rows = conn.execute(_LOCK_OPERATIONS, {"bulk": bulk_uuid, "keys": sorted(keys)}).all()
        else:
            where = sa.or_(
                *(sa.and_(OP.c.bulk_uuid == u, OP.c.operation_key.in_(sorted(k))) for u, k in by_bulk.items())
            )
            rows = conn.execute(_OPERATIONS.where(where).order_by(OP.c.id).with_for_update()).all()
        users = {u.uuid: u for u in conn.execute(_USERS, {"bulks": sorted(by_bulk)}).all()}
        found = {(r.bulk_uuid, r.operation_key): r for r in rows}
        for op in ops:
            op.row = found.get((op.bulk_uuid, op.key))
            op.user = users.get(op.bulk_uuid)

    def _groups(self, ops: list[_Op]) -> list[list[_Op]]:
        """Consecutive operations of one bulk and one topic with a batch implementation; any other alone."""
        groups: list[list[_Op]] = []
        for op in ops:
            batchable = (
                self.batch_runner is not None and self.has_batch is not None and self.has_batch(op.row.topic_name)
            )
            last = groups[-1] if groups else None
            if batchable and last and last[0].bulk_uuid == op.bulk_uuid and last[0].row.topic_name == op.row.topic_name:
                last.append(op)
            else:
                groups.append([op])
        return groups

    def _run_group(self, transaction: Transaction, group: list[_Op], done: list[_Done]) -> bool:
        """Run a group through its batch implementation in one savepoint; False (rolled back) if it failed."""
        assert self.batch_runner is not None
        first = group[0]
        try:
            with transaction.conn.begin_nested():
                results = self.batch_runner(
                    transaction,
                    first.row.topic_name,
                    [orjson.loads(op.row.serialized_data) for op in group],
                    first.user.user_type,
                    first.user.user_id,
                )
        except Exception as exc:
            if is_transient(exc):
                raise
            log.info(
                "group of %d %s operation(s) failed (%s); running them one by one",
                len(group),
                first.row.topic_name,
                exc,
            )
            return False
        finished = now()
        for op, result in zip(group, results, strict=True):
            done.append(_Done(op.row.id, OperationStatus.COMPLETE, orjson.dumps(result).decode(), None, None, finished))
        return True

    def _run_one(self, transaction: Transaction, op: _Op, done: list[_Done], outcomes: list[Outcome]) -> None:
        row = op.row
        try:
            with transaction.conn.begin_nested():
                result = self.runner(
                    transaction, row.topic_name, orjson.loads(row.serialized_data), op.user.user_type, op.user.user_id
                )
        except CatalogError as exc:
            done.append(_failure(row.id, OperationStatus.NOT_RETRIABLY_FAILED, exc))
            return
        except Exception as exc:
            if is_transient(exc):
                raise
            log.exception("operation %s/%d failed", op.bulk_uuid, op.key)
            done.append(_failure(row.id, OperationStatus.NOT_RETRIABLY_FAILED, exc))
            outcomes[op.index] = _permanent(op, exc)
            return
        done.append(_Done(row.id, OperationStatus.COMPLETE, orjson.dumps(result).decode(), None, None, now()))

    def _store(self, conn: Connection, done: list[_Done], started: float) -> None:
        """Every outcome of the batch in one executemany UPDATE."""
        if not done:
            return
        conn.execute(
            _STORE,
            [
                {
                    "op_id": d.op_id,
                    "new_status": int(d.status),
                    "result": d.result,
                    "message": d.message,
                    "code": d.code,
                    "started": started,
                    "finished": d.finished,
                }
                for d in done
            ],
        )

    # --- after a rollback ----------------------------------------------------------------------------------------
    def _record(self, ops: list[_Op], status: OperationStatus, error: BaseException, started: float) -> None:
        """Store a failure of every operation of ``ops``; never over a completed one. Logged, not raised."""
        done = _failure(0, status, error)
        try:
            with self.mq.engine.begin() as conn:
                for op in ops:
                    conn.execute(
                        OP.update()
                        .where(
                            OP.c.bulk_uuid == op.bulk_uuid,
                            OP.c.operation_key == op.key,
                            OP.c.status != int(OperationStatus.COMPLETE),
                        )
                        .values(
                            status=int(status),
                            result_message=done.message,
                            error_code=done.code,
                            started_at=started,
                            finished_at=now(),
                        )
                    )
        except Exception:
            log.warning("could not record the failure of %d operation(s)", len(ops), exc_info=True)


_OPERATIONS = sa.select(OP.c.id, OP.c.bulk_uuid, OP.c.operation_key, OP.c.status, OP.c.topic_name, OP.c.serialized_data)
_LOCK_OPERATIONS = (
    _OPERATIONS.where(
        OP.c.bulk_uuid == sa.bindparam("bulk"), OP.c.operation_key.in_(sa.bindparam("keys", expanding=True))
    )
    .order_by(OP.c.id)
    .with_for_update()
)
_USERS = sa.select(B.c.uuid, B.c.user_type, B.c.user_id).where(B.c.uuid.in_(sa.bindparam("bulks", expanding=True)))
_STORE = (
    OP.update()
    .where(OP.c.id == sa.bindparam("op_id"))
    .values(
        status=sa.bindparam("new_status"),
        result_serialized_data=sa.bindparam("result"),
        result_message=sa.bindparam("message"),
        error_code=sa.bindparam("code"),
        started_at=sa.bindparam("started"),
        finished_at=sa.bindparam("finished"),
    )
)


def _failure(op_id: int, status: OperationStatus, error: BaseException) -> _Done:
    """A failure as stored: Magento's message and code for a client error, the error's type and text otherwise."""
    if isinstance(error, CatalogError):
        code, text = (404 if isinstance(error, NotFoundError) else 400), str(error)
    elif status == OperationStatus.RETRIABLY_FAILED:
        code, text = 503, f"{type(error).__name__}: {error}"
    else:
        code, text = 500, f"{type(error).__name__}: {error}"
    return _Done(op_id, status, None, text[:4000], code, now())


def _permanent(op: _Op, error: BaseException) -> PermanentError:
    permanent = PermanentError(f"operation {op.bulk_uuid}/{op.key}: {type(error).__name__}: {error}")
    permanent.__cause__ = error
    return permanent


class OperationRegistry(Protocol):
    """What the consumer needs of the API's operation registry (``conveyor.api.Registry``)."""

    def run_serialized(
        self, transaction: Transaction, topic: str, data: Any, user_type: int, user_id: int | None
    ) -> Any: ...

    def run_serialized_batch(
        self, transaction: Transaction, topic: str, data: Sequence[Any], user_type: int, user_id: int | None
    ) -> list[Any]: ...

    def has_batch(self, topic: str) -> bool: ...


class BulkHost(Protocol):
    """What the built-in consumer needs of the running application (``conveyor.app.App``)."""

    @property
    def mq(self) -> MessageQueue: ...

    @property
    def operations(self) -> OperationRegistry: ...


@handler_factory
def handle(app: BulkHost) -> OperationConsumer:
    """``conveyor.bulk.consumer:handle``, the handler the bulk topology names: the App's queue and operations."""
    registry = app.operations
    consumer = OperationConsumer(app.mq, registry.run_serialized, registry.run_serialized_batch, registry.has_batch)
    freeze_loaded()  # the registry, models and engine just loaded live as long as the process
    return consumer
