"""The sync log middleware: one ``bus_sync_log`` row for every run of a command.

A success is written inside the command's transaction (it commits with the command's writes: the log never
claims a success that was rolled back, and costs no extra commit). A failure or a skip is written in its own short
transaction after the command's was rolled back, so it is recorded even though the command's writes are not.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from conveyor.bus import sync_log
from conveyor.bus.command import Skipped
from conveyor.bus.context import Call
from conveyor.bus.middleware.base import Next
from conveyor.bus.schema import Outcome
from conveyor.mq.consumer import PermanentError, describe

log = logging.getLogger("conveyor.bus")


class SyncLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, call: Call, next_: Next) -> object:
        started = time.perf_counter()
        written = False

        def in_transaction(conn: Connection) -> None:
            nonlocal written
            sync_log.record(conn, call, Outcome.SUCCESS, time.perf_counter() - started)
            written = True

        call.before_commit.append(in_transaction)
        try:
            value = next_(call)
        except Skipped as exc:
            self._write(call, Outcome.SKIPPED, time.perf_counter() - started, str(exc) or None)
            raise
        except Exception as exc:
            error = exc.__cause__ if isinstance(exc, PermanentError) and exc.__cause__ else exc
            self._write(call, Outcome.FAILED, time.perf_counter() - started, describe(error))
            raise
        finally:
            call.before_commit.remove(in_transaction)
        if not written:  # a chain without the transaction middleware
            self._write(call, Outcome.SUCCESS, time.perf_counter() - started, None)
        return value

    def _write(self, call: Call, outcome: Outcome, seconds: float, error: str | None) -> None:
        try:
            with self.engine.begin() as conn:
                sync_log.record(conn, call, outcome, seconds, error)
        except Exception:  # the command's own error matters more than a lost log row
            log.warning("[%s] could not write the sync log of %s", call.correlation_id, call.spec.name, exc_info=True)
