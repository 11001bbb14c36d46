"""Commands, and the two ways a handler says how it ended other than by returning: skipped, or failed (transient?).

A command is a small frozen pydantic model: typed, validated when built, and serializable as JSON when it is
queued. It names the entity it is about (for the sync log) with two class variables::

    class SyncCustomer(Command):
        entity_type: ClassVar[str] = "customer"
        entity_key: ClassVar[str] = "customer_id"

        customer_id: str
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Command(BaseModel):
    """Base of every command: immutable, no unknown fields (a typo must not pass silently)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    entity_type: ClassVar[str | None] = None  # e.g. "customer"
    entity_key: ClassVar[str | None] = None  # the field holding the entity's id, e.g. "customer_id"

    def entity(self) -> tuple[str | None, str | None]:
        """(entity type, entity id) for the sync log; override when the id is not a single field."""
        key = type(self).entity_key
        value = getattr(self, key) if key else None
        return type(self).entity_type, None if value is None else str(value)


class Skipped(Exception):  # noqa: N818  (an outcome, not an error)
    """Raised by a handler that finds nothing to do: its transaction is rolled back, the sync log says skipped,
    and the bus returns a skipped result (a queued command is acknowledged, not retried)."""


class TransientError(Exception):
    """A failure worth retrying later (the source is down, a lock timed out): queued commands are retried after
    the queue's delay, inline ones a few times at once. Any exception with ``transient = True`` counts as one."""

    transient = True


def is_transient_error(error: BaseException) -> bool:
    """Whether trying the command again later may succeed: the retry classification of every failure.

    An explicit ``transient`` attribute decides (the sync errors and the rate limiter's timeout carry one); then
    lost or busy database and broker connections, deadlocks and network errors are transient, and so are integrity
    errors: a key taken by a concurrent command (two workers creating the same attribute option) is there when the
    command runs again, and a genuinely bad write fails again until its attempts run out. Everything else
    (validation, a missing entity, a bug) is permanent. Causes are followed, so a wrapped network error counts.
    """
    from conveyor.mq.transports.base import is_transient

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        flag = getattr(current, "transient", None)
        if isinstance(flag, bool):
            return flag
        if is_transient(current) or _is_network_error(current) or _is_integrity_error(current):
            return True
        current = current.__cause__
    return False


def _is_network_error(error: BaseException) -> bool:
    import httpx

    return isinstance(error, httpx.TransportError)


def _is_integrity_error(error: BaseException) -> bool:
    import sqlalchemy.exc

    return isinstance(error, sqlalchemy.exc.IntegrityError)


def new_correlation_id() -> str:
    return uuid.uuid4().hex
