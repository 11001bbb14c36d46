"""Maintenance mode: while it is on (a deployment, a migration) the heartbeat spawns and enqueues nothing.

Stored in the database, so one switch holds for every heartbeat on every machine; runners finish what they hold.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from conveyor.db.engine import now
from conveyor.pipelines import store

FLAG = "maintenance"


def is_on(engine: Engine) -> bool:
    with engine.connect() as conn:
        return store.get_flag(conn, FLAG) == "on"


def switch(engine: Engine, on: bool) -> None:
    with engine.begin() as conn:
        store.set_flag(conn, FLAG, "on" if on else "off", now())
