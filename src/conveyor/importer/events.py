"""The domain events of an import: published with the bunch's transaction, so they exist exactly when it commits.

An import writes up to hundreds of thousands of entities; an event nobody listens to must cost nothing. So the
runner asks the ``MessageQueue`` once per import whether any queue is bound to the importer's topics
(``EntityImporter.topics``); when none is, the import runs in a plain transaction and its ``ImportEvents`` is
``ImportEvents()``, whose ``bound`` is False for every topic: an importer asks ``bound`` once per batch and builds
no payload at all. When a queue is bound, the import runs in ``mq.transaction()`` and the events a batch emits
are published together once the batch is written (one insert into the DB queue, or into the outbox for a
broker), in the same transaction: a bunch rolled back (``errors=fail``, a crash) publishes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conveyor.mq import Transaction


class ImportEvents:
    """An ``EventSink`` (``conveyor.catalog.events``) for one import; ``flush`` publishes a batch's events."""

    __slots__ = ("_pending", "_transaction")

    def __init__(self, transaction: Transaction | None = None) -> None:
        self._transaction = transaction
        self._pending: list[tuple[str, Any]] = []

    def bound(self, topic: str) -> bool:
        """Whether an event on ``topic`` reaches a queue: ask before building payloads (once per batch)."""
        return self._transaction is not None and self._transaction.mq.is_bound(topic)

    def emit(self, topic: str, payload: Any) -> None:
        """Keep the event for ``flush`` (dropped if nobody is bound to ``topic``)."""
        if self.bound(topic):
            self._pending.append((topic, payload))

    def flush(self) -> int:
        """Publish the events emitted since the last flush with the import's transaction; how many."""
        pending, self._pending = self._pending, []
        if not pending or self._transaction is None:
            return 0
        from conveyor.mq import Envelope  # only when there are events: the workers never load the mq

        self._transaction.publish_envelopes([Envelope.of(topic, payload) for topic, payload in pending])
        return len(pending)

    def discard(self) -> None:
        """Forget the events not yet published (the batch was not written after all)."""
        self._pending = []


__all__ = ["ImportEvents"]
