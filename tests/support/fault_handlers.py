"""Handlers for the fault tests, run inside real consumer processes.

``record`` writes one row per handled message in its own committed transaction, then may SIGKILL its
own process at a random point (before or after that commit), so the test can count what a kill
between the handler's commit and the ack duplicates. ``record_or_refuse`` adds a poison message.
"""

from __future__ import annotations

import os
import random
import signal
import time

import sqlalchemy as sa

from conveyor.db import get_engine
from conveyor.mq.envelope import Envelope

results = sa.MetaData()
handled_table = sa.Table(
    "fault_handled",
    results,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("n", sa.Integer, nullable=False, index=True),
    sa.Column("pid", sa.Integer, nullable=False),
)
kills_table = sa.Table(
    "fault_kills",
    results,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("point", sa.String(20), nullable=False),
)

KILL_ONE_IN = int(os.environ.get("FAULT_KILL_ONE_IN", "0"))
SLEEP = float(os.environ.get("FAULT_HANDLER_SLEEP", "0"))  # seconds of "work" per message
_rng = random.Random(os.getpid())


def _maybe_die(n: int, point: str) -> None:
    if KILL_ONE_IN and _rng.randrange(KILL_ONE_IN) == 0:
        with get_engine().begin() as conn:
            conn.execute(kills_table.insert().values(n=n, point=point))
        os.kill(os.getpid(), signal.SIGKILL)


def record(envelope: Envelope) -> None:
    n = int(envelope.json()["n"])
    if SLEEP:
        time.sleep(SLEEP)
    _maybe_die(n, "before-commit")
    with get_engine().begin() as conn:
        conn.execute(handled_table.insert().values(n=n, pid=os.getpid()))
    _maybe_die(n, "after-commit")


def record_or_refuse(envelope: Envelope) -> None:
    """``record``, except that a message with a negative ``n`` is poison: its handler fails every time."""
    n = int(envelope.json()["n"])
    if n < 0:
        raise ValueError(f"cannot handle message {n}")
    record(envelope)
