"""Keep the cyclic garbage collector from rescanning what a process keeps: what it loaded at its start, and
what a bulk step builds by the hundred thousand.

A worker imports the App, models, topology and handlers once and keeps them for life. Every full collection
scans all of them again (about 150,000 objects for a consumer: tens of milliseconds idle, hundreds under load),
and the pause lands wherever the worker happens to be. Between a rate limiter's grant and the request it granted,
such a pause let a source count two windows' calls as one (6 calls in a 1 s span of a 5/s quota); in a batch of
product saves it cost 10-20 % of a consumer's CPU. Frozen objects are never scanned again; what the process
allocates later is collected as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Young collections every this many new container objects (CPython's default is 700): an import step builds and
# keeps tens of thousands per batch (unpickled rows, value tuples), and at 700 each survivor is traversed again
# and again on its way to the oldest generation, where each full collection traverses all of them once more.
BULK_THRESHOLD = 50_000


def freeze_loaded() -> None:
    """Collect what start-up left behind, then exempt everything still alive from later collections. Call it once,
    when a long-running process has built what it keeps and is about to start its loop."""
    gc.collect()
    gc.freeze()


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for a step that allocates many objects and no cycles, or few (a scan's record per row;
    an import's bunch): the cycles it drops are freed by the first pass after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def space_collections() -> tuple[int, int, int]:
    """Collect after ``BULK_THRESHOLD`` allocations instead of 700 (cycles are still freed, later); returns the
    thresholds it replaced. For a process that does bulk work for the rest of its life (an import's reader)."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], BULK_THRESHOLD), *before[1:])
    return before


__all__ = ["BULK_THRESHOLD", "freeze_loaded", "paused", "space_collections"]
