"""The ``async.operations.all`` handler for the bulk crash test, run inside real ``conveyor queue consume`` processes.

It is the built-in consumer (``OperationConsumer`` over the API's registry, as ``conveyor.bulk.consumer:handle``
builds it) with one difference: its ``CRASH_KILL_AT``-th operation (0: none) SIGKILLs its own process at the point
``CRASH_POINT`` names, after appending ``point bulk_uuid operation_key`` to ``CRASH_KILLS_FILE``:

* ``before-handler`` — the message is reserved (or delivered) and nothing has run;
* ``before-commit`` — the operation ran inside its transaction (the customer is written, or the handler raised
  its error) and neither the result nor the failure is stored;
* ``after-commit`` — the outcome is committed on the operation row and the message is not acknowledged yet.

The test draws the operation at random and picks the point, so that one run hits every point and the number of
kills (each one costs a new process) stays in a narrow band instead of a Poisson tail.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from conveyor.bulk.consumer import OperationConsumer
from conveyor.mq.envelope import Envelope
from conveyor.mq.queue import Transaction

POINTS = ("before-handler", "before-commit", "after-commit")
KILL_AT = int(os.environ.get("CRASH_KILL_AT", "0"))
POINT = os.environ.get("CRASH_POINT", POINTS[0])
KILLS_FILE = os.environ.get("CRASH_KILLS_FILE", "")

_consumer: OperationConsumer | None = None
_handled = 0
_doomed = False  # the current operation dies at POINT
_current = ""


def _die(point: str) -> None:
    """Record where this process dies, then die without any cleanup (no rollback, no ack, no goodbye)."""
    # O_APPEND and a single write: the line is in the kernel's hands before the signal, so SIGKILL keeps it.
    fd = os.open(KILLS_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, f"{point} {_current}\n".encode())
    os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)


def _maybe_die(point: str) -> None:
    if _doomed and point == POINT:
        _die(point)


def _runner(transaction: Transaction, topic: str, data: Any, user_type: int, user_id: int | None) -> Any:
    """The registry's runner, and a kill between running the operation and committing (or recording) it."""
    from conveyor.api.operations import default_registry

    try:
        result = default_registry().run_serialized(transaction, topic, data, user_type, user_id)
    except BaseException:
        _maybe_die("before-commit")  # the failure is not recorded yet: the operation is still open
        raise
    _maybe_die("before-commit")  # the customer is written in the open transaction
    return result


def _built() -> OperationConsumer:
    global _consumer
    if _consumer is None:
        from conveyor.mq.config import load_topology
        from conveyor.mq.queue import MessageQueue
        from conveyor.settings import get_settings

        settings = get_settings()
        mq = MessageQueue(load_topology(settings.topology_files, builtins=True, settings=settings), settings)
        _consumer = OperationConsumer(mq, _runner)
    return _consumer


def handle(envelope: Envelope) -> None:
    """The built-in operation consumer, which now and then kills its own process at ``CRASH_POINT``."""
    global _doomed, _current, _handled
    body = envelope.json()
    _current = f"{body.get('bulk_uuid')} {body.get('operation_key')}"
    _handled += 1
    _doomed = _handled == KILL_AT
    _maybe_die("before-handler")
    _built()(envelope)
    _maybe_die("after-commit")
