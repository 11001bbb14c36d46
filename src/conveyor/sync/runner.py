"""Bulk syncs run inline: list the ids page by page, fetch each page outside any transaction, apply it in one.

A page that fails to apply is applied again entity by entity, so one bad entity costs only itself; failures
are collected with their messages instead of ending the run. A 429 is waited out (the Retry-After the
source asked for) and is not a failure. Queued bulk syncs (one command per entity) go through the bus.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from conveyor.mq import MessageQueue
from conveyor.sync.errors import RateLimited
from conveyor.sync.handlers import SYNCS
from conveyor.sync.limiter import counting_waits, note_wait
from conveyor.sync.mapping import SyncOptions
from conveyor.sync.models import EntityType
from conveyor.sync.source import Source, iter_pages

log = logging.getLogger(__name__)
T = TypeVar("T")
Progress = Callable[[int, int | None], None]
"""Called after each page with the number of ids handled and the total the source reported (if any)."""


@dataclass
class BulkResult:
    """What a bulk sync did: ids synced, ids failed with their error, rate-limit waits (the shared limiter's, for a
    full window or a 429's penalty, and 429s waited out by ``Patience``) and the seconds they took."""

    entity: EntityType
    synced: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    waits: int = 0
    waited: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass
class Patience:
    """Waits out 429s up to ``max_wait`` seconds in all, counting how often."""

    sleep: Callable[[float], None] = time.sleep
    max_wait: float = 3600.0
    waited: float = 0.0
    waits: int = 0

    def __call__(self, work: Callable[[], T]) -> T:
        while True:
            try:
                return work()
            except RateLimited as exc:
                if self.waited + exc.retry_after > self.max_wait:
                    raise
                log.info("rate limited: waiting %.2fs", exc.retry_after)
                self.waits += 1
                self.waited += exc.retry_after
                note_wait(exc.retry_after)
                self.sleep(exc.retry_after)


def run_bulk(
    mq: MessageQueue,
    source: Source,
    entity: EntityType,
    *,
    since: datetime | None = None,
    page_size: int = 100,
    options: SyncOptions | None = None,
    progress: Progress | None = None,
    patience: Patience | None = None,
) -> BulkResult:
    """Sync every ``entity`` (changed since ``since``) from ``source`` into the store behind ``mq``, each page in
    one transaction of the queue, so that the events the writes emit exist exactly when the page commits."""
    handler = SYNCS[EntityType(entity)]
    options = options or SyncOptions()
    patient = patience or Patience()
    result = BulkResult(EntityType(entity))

    def apply(items: list[Any]) -> None:
        with mq.transaction() as transaction:
            handler.apply(transaction.conn, source, items, options, transaction)

    with counting_waits() as tally:  # the limiter inside the source counts here, as Patience does
        for page in iter_pages(source, result.entity, since=since, limit=page_size, call=patient):
            fetched: dict[str, Any] = {}
            for entity_id in page.ids:
                try:
                    fetched[entity_id] = patient(partial(handler.fetch, source, entity_id))
                except Exception as exc:  # one entity's failure is reported, the run goes on
                    result.failed[entity_id] = str(exc)

            try:
                patient(partial(apply, list(fetched.values())))
                result.synced += len(fetched)
            except Exception as exc:
                log.info("a page of %d %s failed (%s): applying one by one", len(fetched), result.entity.value, exc)
                for entity_id, item in fetched.items():
                    try:
                        patient(partial(apply, [item]))
                        result.synced += 1
                    except Exception as single:
                        result.failed[entity_id] = str(single)
            if progress is not None:
                progress(len(page.ids), page.total)
    result.waits, result.waited = tally.waits, tally.seconds
    return result
