"""Parallel reading: a bunch's partitions parsed, checked and prepared in worker processes.

Each worker builds the import's entity importer once (``importer.start`` on a connection of its own, read
only: the lookups as committed when the import started) and then turns ``BatchTask``s into ``Batch``es. The
runner hands the tasks out in file/line order and takes the batches back in that same order, so it writes,
counts and reports exactly as a serial run does, in its one transaction.

Why this is equivalent to reading in the runner's thread: ``prepare`` must not use the database, and what it
cannot know yet (option values and categories created by earlier batches of the same import) it leaves as
placeholders that ``process`` resolves — the reading thread runs batches ahead of the writes as well.

Workers come from a ``forkserver`` that has imported the importer modules once, so a pool starts in a
fraction of a second; a fork of the importing process itself would copy its threads and connections.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import forkserver
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from conveyor import heap
from conveyor.importer.base import EntityImporter, ImportContext
from conveyor.importer.batches import Batch, BatchReader, BatchTask
from conveyor.importer.profile import Profile
from conveyor.importer.registry import importer_class

WORKERS_ENV = "CONVEYOR_IMPORT_WORKERS"
MIN_ROWS_ENV = "CONVEYOR_IMPORT_PARALLEL_MIN_ROWS"
# Below this many rows, starting workers costs more than it saves (a serial import reads and writes about
# 2,000 product rows/s on the test machine; a pool is ready in ~0.3 s once the forkserver runs).
DEFAULT_MIN_ROWS = 10_000
BYTES_PER_ROW = 500  # the size of the bunch's files decides before any row is counted (Luma rows: 1-2 KB)


def default_workers() -> int:
    """``CONVEYOR_IMPORT_WORKERS``, or the number of CPUs (1 reads in the importing process)."""
    configured = os.environ.get(WORKERS_ENV, "").strip()
    if configured:
        try:
            return max(1, int(configured))
        except ValueError:
            raise ValueError(f"{WORKERS_ENV} must be a whole number, not {configured!r}") from None
    return os.cpu_count() or 1


def default_min_rows() -> int:
    """``CONVEYOR_IMPORT_PARALLEL_MIN_ROWS``: the fewest rows to read for which workers are started."""
    configured = os.environ.get(MIN_ROWS_ENV, "").strip()
    try:
        return max(0, int(configured)) if configured else DEFAULT_MIN_ROWS
    except ValueError:
        raise ValueError(f"{MIN_ROWS_ENV} must be a whole number, not {configured!r}") from None


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    """What a worker needs to build the import's entity importer: sent once to each worker."""

    url: str  # with its password: the worker connects itself
    entity: str
    profile: dict[str, Any]
    operation: str
    write: bool


def worker_url(engine: Engine) -> str | None:
    """The URL a worker process connects with (None: the database cannot be shared with another process)."""
    url: URL = engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if not database or database == ":memory:" or database.startswith("file:") or "mode=memory" in str(url):
            return None
        url = url.set(database=os.path.abspath(database))  # the worker's working directory may differ
    return url.render_as_string(hide_password=False)


def reads_in_workers(importer: EntityImporter) -> bool:
    """Whether the importer's ``prepare`` needs the lookups its ``start`` loads (then a worker loads them)."""
    return type(importer).prepare is not EntityImporter.prepare


# -- the worker side --------------------------------------------------------------------------------------------

_reader: BatchReader | None = None
_context: ImportContext | None = None


def _worker_engine(url: str) -> Engine:
    """An engine that only reads: on SQLite without ``make_engine``'s BEGIN IMMEDIATE, which would wait for the
    importing process's write lock (held until the bunch commits, while that process waits for this worker)."""
    if sa.make_url(url).get_backend_name() == "sqlite":
        return sa.create_engine(url, connect_args={"timeout": 60}, poolclass=sa.NullPool)
    from conveyor.db.engine import make_engine

    return make_engine(url, poolclass=sa.NullPool)


def _start(spec: WorkerSpec) -> None:
    """The pool's initializer: the entity importer of the import, its lookups loaded."""
    global _reader, _context
    heap.space_collections()  # the worker reads rows in bulk until the import ends
    profile = Profile.model_validate(spec.profile)
    context = ImportContext(profile=profile, operation=spec.operation, write=spec.write)
    importer = importer_class(spec.entity)(context)
    if reads_in_workers(importer):
        engine = _worker_engine(spec.url)
        try:
            with engine.connect() as conn:
                importer.start(conn)
                conn.rollback()
        finally:
            engine.dispose()
    _reader, _context = BatchReader(profile, importer), context


def _ready() -> bool:
    """A task that only waits for a worker to be started (``_start`` has run)."""
    return _reader is not None


def _read(task: BatchTask) -> bytes:
    """The task's batch, pickled here: the pool's result thread in the importing process then only moves bytes,
    and the writing thread unpickles them itself (``opened``). Unpickled in the result thread, a batch held the
    GIL for tens of milliseconds while the writer waited for it after every row SQLite stepped."""
    if _reader is None or _context is None:
        raise RuntimeError("the import worker was not started")
    before = len(_context.warnings)
    batch = _reader.read(task)
    batch.warnings = _context.warnings[before:]
    return pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)


def opened(batch: Batch | bytes) -> Batch:
    """A batch as ``WorkerPool.read`` yields it, ready to write (a worker's is unpickled: call it in the writer)."""
    if not isinstance(batch, bytes):
        return batch
    return pickle.loads(batch)  # type: ignore[no-any-return]


# -- the importing process's side -------------------------------------------------------------------------------


class WorkerPool:
    """Worker processes for one import; ``read`` keeps a few tasks per worker in flight, in order."""

    def __init__(self, spec: WorkerSpec, workers: int, preload: Iterable[str] = ()) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["conveyor.importer.parallel", *preload])
        forkserver.ensure_running()  # it imports the modules while the bunch is scanned (its workers are forked later)
        self.workers = workers
        self._executor = ProcessPoolExecutor(workers, mp_context=context, initializer=_start, initargs=(spec,))

    def read(
        self,
        tasks: Iterable[BatchTask],
        local: Callable[[BatchTask], Batch] | None = None,
        handing: Callable[[BatchTask], None] | None = None,
    ) -> Iterator[Batch | bytes]:
        """The batches of ``tasks``, in the order of the tasks (a worker's still pickled: see ``opened``).

        Until the first worker is ready (its process started and its lookups loaded: about a second on the test
        machine), ``local`` reads the first tasks in this process, so that the writer starts at once instead of
        waiting for the pool. ``handing`` completes each task just before it goes to a worker."""
        tasks = iter(tasks)
        if local is not None:
            first = next(tasks, None)
            if first is None:
                return
            yield local(first)  # before the workers are asked for: that waits for the fork server
            started = [self._executor.submit(_ready) for _ in range(self.workers)]  # starts every worker now
            for task in tasks:
                yield local(task)
                if any(future.done() for future in started):
                    break
        flight: deque[Future[bytes]] = deque()
        ahead = 2 * self.workers + 1
        for task in tasks:
            if handing is not None:
                handing(task)
            flight.append(self._executor.submit(_read, task))
            if len(flight) >= ahead:
                yield flight.popleft().result()
        while flight:
            yield flight.popleft().result()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


__all__ = [
    "BYTES_PER_ROW",
    "DEFAULT_MIN_ROWS",
    "MIN_ROWS_ENV",
    "WORKERS_ENV",
    "WorkerPool",
    "WorkerSpec",
    "default_min_rows",
    "default_workers",
    "opened",
    "reads_in_workers",
    "worker_url",
]
