"""``run_import``: one bunch of files, one transaction, one report.

The core every entity importer shares. Two passes over the files:

1. scan: records are split without being parsed; each gets its key (sku …), store view and content hash;
   duplicates in the bunch are reported; the stored hashes are fetched (one statement per 5,000 keys) and
   the rows whose hash is unchanged — and whose entity still exists — are marked skipped.
2. process: the other records are parsed, mapped (profile columns, defaults, converters) and prepared by
   the entity importer (checks against its cached lookups) in a reading thread, while this thread has the
   previous batch validated against the store and written, set-based. The database (and the driver's
   wait, which releases the GIL) overlaps the Python work. With enough rows to read, the reading thread
   hands the partitions (a batch of rows of one file each) to worker processes instead
   (``conveyor.importer.parallel``) and passes their batches on in file/line order, so the writes, the
   counts and the errors are those of a serial run; the writes stay in this process, in one transaction.

Everything happens in one transaction: with ``errors="fail"`` (or past ``max_errors``) the first error
switches the import to validation only, every error is still reported, and the transaction is rolled
back — the store is exactly as before. A crash or a kill rolls back the same way.
"""

from __future__ import annotations

import functools
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from conveyor import heap
from conveyor.catalog import CatalogError
from conveyor.db.bulk_insert import bulk_cache
from conveyor.db.write_behind import writing_behind
from conveyor.importer.base import EntityImporter, ImportContext, Outcome
from conveyor.importer.batches import Batch, BatchReader, BatchTask, Pending
from conveyor.importer.changes import fold, load_stored, save_hashes
from conveyor.importer.events import ImportEvents
from conveyor.importer.parallel import (
    BYTES_PER_ROW,
    WorkerPool,
    WorkerSpec,
    default_min_rows,
    default_workers,
    opened,
    reads_in_workers,
    worker_url,
)
from conveyor.importer.profile import Profile, ProfileError, load_profile
from conveyor.importer.readers import CsvFile, CsvFileError
from conveyor.importer.registry import UnknownEntityError, importer_class
from conveyor.importer.report import ImportReport, RowError
from conveyor.importer.scan import FileScan, ScanTask, scan_file

if TYPE_CHECKING:
    from conveyor.mq import MessageQueue

log = logging.getLogger(__name__)
IMPORTED_TABLE_PREFIXES = ("catalog_", "customer_", "eav_", "inventory_", "import_change")
ANALYZE_MIN_ROWS = 10_000  # rows created or updated after which PostgreSQL's statistics are refreshed

# A test hook: "seconds:path" — after each written batch, append a line to path and sleep (kill tests).
PAUSE_ENV = "CONVEYOR_IMPORT_TEST_PAUSE"


def run_import(
    engine: Engine,
    entity: str,
    files: Sequence[Path],
    *,
    operation: str = "add-update",
    profile: Profile | str | None = None,
    errors: str = "skip",
    max_errors: int | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    workers: int | None = None,
    mq: MessageQueue | None = None,
    write_behind: bool = True,
) -> ImportReport:
    """Import ``files`` (one bunch) as ``entity`` in one transaction and report what happened.

    With ``mq`` (on the database of ``engine``), the importer's domain events (``catalog.product.saved`` …)
    are published in the import's transaction (``mq.transaction()``), so they exist exactly when the bunch
    commits: none on a dry run or a rolled-back bunch. Only when a queue is bound to one of the importer's topics
    (asked once per import): otherwise, and without ``mq``, the import runs in a plain transaction of ``engine``
    and emits nothing.

    ``workers`` processes read the rows (default ``CONVEYOR_IMPORT_WORKERS``, else the number of CPUs; 1 reads
    in this process); they are started only for at least ``CONVEYOR_IMPORT_PARALLEL_MIN_ROWS`` rows to read.

    ``operation``, ``errors`` and ``max_errors`` override the profile's when they differ from the defaults
    (so a profile that says ``replace`` or ``fail`` is not overridden by a caller that passes nothing).
    ``progress`` receives the number of rows done so far, ``on_total`` the number of rows once known.
    ``report.committed`` says whether anything was written.

    On PostgreSQL the bunch's plain inserts run behind the writer (``write_behind``, see
    ``conveyor.db.write_behind``), new products with ids taken for them from the sequence. Should a conflict
    fail such a bunch (another writer created one of its new skus meanwhile), the import runs once more without
    writing behind, where a conflict is resolved row by row.
    """
    attempt = functools.partial(
        _run_import,
        engine,
        entity,
        files,
        operation,
        profile,
        errors,
        max_errors,
        dry_run,
        progress,
        on_total,
        workers,
        mq,
    )
    if not write_behind or engine.dialect.name != "postgresql":
        return attempt(write_behind=False)[0]
    started = time.perf_counter()
    report, conflicted = attempt(write_behind=True)
    if not conflicted:
        return report
    log.info("import of %s: a conflict behind (%s); imported again without writing behind", entity, report.failure)
    reason = report.failure
    report = attempt(write_behind=False)[0]
    report.warnings.insert(0, f"The bunch was imported a second time, without writing behind: {reason}")
    report.seconds = time.perf_counter() - started  # both attempts
    return report


def _run_import(
    engine: Engine,
    entity: str,
    files: Sequence[Path],
    operation: str,
    profile: Profile | str | None,
    errors: str,
    max_errors: int | None,
    dry_run: bool,
    progress: Callable[[int], None] | None,
    on_total: Callable[[int], None] | None,
    workers: int | None,
    mq: MessageQueue | None,
    write_behind: bool,
) -> tuple[ImportReport, bool]:
    """The import, and whether it failed on a conflict while writing behind."""
    started = time.perf_counter()
    report = ImportReport(entity=entity, operation=operation, files=[str(path) for path in files])
    try:
        resolved = _resolve_profile(entity, profile, operation, errors, max_errors)
        report.operation = resolved.operation
        importer_type = importer_class(entity)
        if resolved.operation not in importer_type.operations:
            raise ProfileError(f"{entity} cannot be imported with operation {resolved.operation!r}")
        # asked once per import: with no queue bound to the importer's topics, events cost nothing at all
        events = mq is not None and not dry_run and any(mq.is_bound(topic) for topic in importer_type.topics)
        if events and mq is not None and mq.engine.url != engine.url:
            raise ValueError("the message queue publishes in another database than the import writes to")
    except (ProfileError, UnknownEntityError, TypeError, ValueError) as error:
        report.failure = str(error)
        report.seconds = time.perf_counter() - started
        return report, False
    context = ImportContext(profile=resolved, operation=resolved.operation, write=not dry_run)
    importer = importer_type(context)

    def run(conn: Connection) -> bool:
        bunch = _Bunch(conn, importer, context, report, progress, on_total)
        bunch.parallel = _parallel(engine, entity, importer, context, workers)
        with bulk_cache(conn), writing_behind(conn, enabled=write_behind):
            bunch.run([Path(p) for p in files])
        return context.write and report.failure is None

    conflicted = False
    try:
        if events and mq is not None:
            report.committed = _in_mq_transaction(mq, context, run)
        else:
            report.committed = _in_transaction(engine, run)
    except CatalogError as error:
        report.failure = f"the catalog refused the bunch: {error}"
        report.committed = False
    except (OSError, CsvFileError) as error:
        report.failure = str(error)
        report.committed = False
    except sa.exc.DBAPIError as error:  # the database failed: nothing is committed, the report says why
        # the driver's message, not SQLAlchemy's (which repeats the statement with thousands of parameters), and
        # PostgreSQL's detail, which names the row (e.g. "Key (sku)=(…) already exists.")
        lines = str(error.orig).strip().splitlines() if error.orig is not None else [type(error).__name__]
        reason = " ".join([lines[0], *(line.strip() for line in lines[1:] if line.startswith("DETAIL:"))])
        conflicted = write_behind and isinstance(error, sa.exc.IntegrityError)
        if not conflicted:
            log.error("import of %s failed: %s", entity, reason)
        log.debug("import of %s failed", entity, exc_info=True)
        report.failure = f"database error: {reason}"
        report.committed = False
    except Exception as error:  # a bug: nothing is committed, the report says why
        log.exception("import of %s failed", entity)
        report.failure = f"{type(error).__name__}: {error}"
        report.committed = False
    if not report.committed and not dry_run:  # rolled back: the report counts nothing as written
        report.roll_back()
    if report.committed and report.created + report.updated >= ANALYZE_MIN_ROWS:
        _refresh_statistics(engine)
    report.warnings = list(context.warnings)
    report.seconds = time.perf_counter() - started
    return report, conflicted


def _in_transaction(engine: Engine, run: Callable[[Connection], bool]) -> bool:
    """``run`` in a transaction of ``engine``, committed if it says so (no events)."""
    with engine.connect() as conn, conn.begin() as transaction:
        if run(conn):
            transaction.commit()
            return True
        transaction.rollback()
        return False


class _RolledBackError(Exception):
    """Leaves ``mq.transaction()`` rolled back (it commits when its block ends without an exception)."""


def _in_mq_transaction(mq: MessageQueue, context: ImportContext, run: Callable[[Connection], bool]) -> bool:
    """``run`` in ``mq.transaction()``, its events published with it: they exist iff the bunch commits."""
    try:
        with mq.transaction() as transaction:
            context.events = ImportEvents(transaction)
            if run(transaction.conn):
                return True
            raise _RolledBackError
    except _RolledBackError:
        return False
    finally:
        context.events = ImportEvents()


def _refresh_statistics(engine: Engine) -> None:
    """``ANALYZE`` after a big import on PostgreSQL, whose planner otherwise keeps the row counts of before.

    Autovacuum analyzes later, on its own schedule; until then the next import's lookups were planned for
    near-empty tables (a re-import of 65,000 unchanged rows right after the first import: 36,000-52,000 rows/s,
    with statistics 52,000-66,000). ``ANALYZE`` samples a bounded number of rows per table: about a second
    here, after a 100-second import. MariaDB's InnoDB recalculates its statistics itself after large changes.
    """
    if engine.dialect.name != "postgresql":
        return
    from conveyor.db.metadata import metadata

    # the import's own tables only: a whole-database ANALYZE also samples the queue's tables, empty at that
    # moment, and the claims of a queue that fills afterwards would then be planned for an empty table
    tables = [t.name for t in metadata.sorted_tables if t.name.startswith(IMPORTED_TABLE_PREFIXES)]
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE " + ", ".join(conn.dialect.identifier_preparer.quote(t) for t in tables))
            conn.commit()
    except sa.exc.DBAPIError as error:  # the import is committed; fresh statistics are a nicety
        log.warning("ANALYZE after the import failed: %s", error.orig)


def _parallel(
    engine: Engine, entity: str, importer: EntityImporter, context: ImportContext, workers: int | None
) -> tuple[WorkerSpec, int] | None:
    """The worker spec and count when rows may be read in worker processes (None: in this process)."""
    count = default_workers() if workers is None else workers
    url = worker_url(engine)
    if count <= 1 or url is None:
        return None
    profile = context.profile.model_dump()
    return WorkerSpec(url, entity, profile, context.operation, context.write), count


def _resolve_profile(
    entity: str, profile: Profile | str | None, operation: str, errors: str, max_errors: int | None
) -> Profile:
    if profile is None:
        base = Profile(entity=entity)
    elif isinstance(profile, Profile):
        base = profile
    else:
        base = load_profile(profile)
    if base.entity != entity:
        base = base.with_overrides(entity=entity)
    if errors not in ("skip", "fail"):
        raise ProfileError(f"errors must be skip or fail, not {errors!r}")
    changes: dict[str, object] = {}
    if operation != "add-update":
        changes["operation"] = operation
    policy = base.errors.model_dump()
    if errors != "skip":
        policy["policy"] = errors
    if max_errors is not None:
        policy["max_errors"] = max_errors
    changes["errors"] = policy
    try:
        resolved = base.with_overrides(**changes)
    except ValueError as error:
        raise ProfileError(str(error)) from None
    _ = resolved.column_converters, resolved.row_observers  # an unknown one fails the import before it starts
    return resolved


class _Bunch:
    """The two passes over the files of one bunch, inside the caller's transaction."""

    def __init__(
        self,
        conn: Connection,
        importer: EntityImporter,
        context: ImportContext,
        report: ImportReport,
        progress: Callable[[int], None] | None,
        on_total: Callable[[int], None] | None,
    ) -> None:
        self.conn, self.importer, self.context, self.report = conn, importer, context, report
        self.profile = context.profile
        self.progress, self.on_total = progress, on_total
        self.invalid_lines: set[tuple[str, int]] = set()
        self.seen: dict[tuple[str, str], tuple[str, int]] = {}  # (key, store) → where it was first seen
        self.columns: dict[Path, list[str]] = {}  # each file's columns (mapped), as its header was read for the scan
        self.failed = False
        self.done_rows = 0
        self.batches = 0
        self.change_type = importer.change_type if context.operation != "delete" else None
        self.parallel: tuple[WorkerSpec, int] | None = None  # read in worker processes when there is enough
        self.pool: WorkerPool | None = None
        self.batch_reader = BatchReader(self.profile, importer)
        pause = os.environ.get(PAUSE_ENV, "")
        seconds, _, marker = pause.partition(":")
        self.pause = (float(seconds), Path(marker)) if pause and marker else None

    # -- the passes -------------------------------------------------------------------------------------------

    def run(self, paths: Sequence[Path]) -> None:
        self.importer.start(self.conn)
        self.pool = self._pool(paths)
        # The collector is off for the bunch. Its passes found almost nothing to free (~450 objects in cycles per
        # 50,000 products, freed when the bunch ends) but traversed every batch the workers sent back: 1.0 s of a
        # 15 s first import of 50,000 products on SQLite, with its young passes already spaced to 50,000 allocations.
        # (The scan, a record per row, had it off before: a third of an unchanged re-import otherwise.)
        with heap.paused():
            try:
                scanned = self._scan_all(paths)
                self.context.bunch_keys = {p.folded for _, pending in scanned for p in pending or [] if p.folded}
                self._skip_unchanged([p for _, pending in scanned for p in pending or []])
                keys = {p.key: None for _, pending in scanned for p in pending or () if p.process and p.key}

                def reading() -> None:  # while the first batches are read (they need none of this)
                    self.importer.scanned(self.conn, list(keys))
                    if self.on_total is not None:
                        self.on_total(self.report.rows)

                self._process(scanned, reading)
            finally:
                if self.pool is not None:
                    self.pool.close()
            self._take(self.importer.finish(self.conn))
        if self.failed and self.report.failure is None:
            self.report.failure = self._failure_text()

    def _open(self, path: Path) -> CsvFile:
        return CsvFile(path, self.profile.csv_format)

    def _scan_all(self, paths: Sequence[Path]) -> list[tuple[Path, list[Pending] | None]]:
        """Split, key and hash every record of every file (None: the file cannot be imported at all).

        In this process: a scan costs a few microseconds a row, less than starting the workers, which load the
        importer's lookups first; they start when there are rows to read (an unchanged bunch needs none).
        Measured on a re-import of 130,000 unchanged rows: 1.3 s here against 1.4-1.7 s with two workers.
        """
        scanned: list[tuple[Path, list[Pending] | None]] = []
        for path in paths:
            task = self._header(path)
            if isinstance(task, ScanTask):
                scanned.append((path, self._collect(path.name, scan_file(task))))
                continue
            if isinstance(task, CsvFileError):
                self._file_error(task.error, 0)
            else:
                self._file_error(*task)
            scanned.append((path, None))
        return scanned

    def _header(self, path: Path) -> ScanTask | CsvFileError | tuple[RowError, int]:
        """How to scan the file, or why it cannot be imported (with its record count)."""
        try:
            csv_file = self._open(path)
        except CsvFileError as error:
            return error
        columns = self.columns[path] = self._columns(csv_file)
        missing = [c for c in self.importer.required_columns(self.context.operation) if c not in columns]
        if missing:
            count = sum(1 for _ in csv_file.records())
            return RowError(csv_file.name, 1, missing[0], "The required column is missing."), count
        self.importer.check_header(columns, csv_file.name)
        key_column, store_column = self.importer.key_column, self.importer.store_column
        return ScanTask(
            path,
            self.profile.csv_format,
            columns.index(key_column) if key_column in columns else None,
            columns.index(store_column) if store_column in columns else None,
            self.importer.continuation,
            self.profile.fingerprint,
            self.context.operation,
        )

    def _collect(self, file: str, found: FileScan) -> list[Pending]:
        """The scan of one file as Pending records: store view ids, and duplicates in the bunch reported."""
        self.report.rows += len(found.lines)
        key_column = self.importer.key_column
        pending: list[Pending] = []
        seen = self.seen
        store_ids: dict[str, int | None] = {}
        for line, key, store_code, content_hash, (offset, size) in zip(
            found.lines, found.keys, found.store_codes, found.hashes, found.spans, strict=True
        ):
            if store_code in store_ids:
                store_id = store_ids[store_code]
            else:
                store_id = store_ids[store_code] = self.importer.store_id(store_code)
            folded = fold(key)
            item = Pending(line, key, store_code, store_id, content_hash, folded=folded, offset=offset, size=size)
            if folded and key_column:
                here = (file, line)
                first = seen.setdefault((folded, store_code.lower()), here)
                if first is not here:
                    message = f'"{key}" is in the bunch twice (first at line {first[1]} of {first[0]}).'
                    self._errors([RowError(file, line, key_column, message)])
                    item.process = False
                    item.key = item.folded = ""
            pending.append(item)
        return pending

    def _skip_unchanged(self, pending: Sequence[Pending]) -> None:
        """Mark the rows whose stored hash equals theirs (and whose entity exists) as skipped."""
        if self.change_type is None or not (
            self.profile.change_detection.content_hash or self.profile.change_detection.timestamps
        ):
            return
        keyed = [p for p in pending if p.process and p.key and p.store_id is not None]
        # joined with the entity's own table when the importer names it: a hash of a deleted entity is not found
        entity_key = self.importer.entity_key_column()
        stored = load_stored(
            self.conn,
            self.change_type,
            [p.key for p in keyed],
            entity_key,
            timestamps=self.profile.change_detection.timestamps,
        )
        same: list[Pending] = []
        by_hash = self.profile.change_detection.content_hash
        for item in keyed:
            found = stored.get((item.folded, item.store_id or 0))
            item.stored = found
            if found is not None and by_hash and found.content_hash == item.content_hash:
                same.append(item)
        if not same:
            return
        if entity_key is None:
            existing = {k.casefold() for k in self.importer.existing(self.conn, sorted({p.key for p in same}))}
            same = [item for item in same if item.key.casefold() in existing]
        for item in same:
            item.process = False
            self.report.skipped += 1

    def _process(self, scanned: Sequence[tuple[Path, list[Pending] | None]], reading: Callable[[], None]) -> None:
        """Batches are read in a thread (or in worker processes, fed by that thread) while this one writes the
        previous batch: the database works (and the driver waits, without the GIL) while the next rows are
        parsed and checked. Batches come back in file/line order either way. ``reading`` runs here once the
        reading has started, before the first batch is written."""
        batches: queue.Queue[Batch | bytes | BaseException | None] = queue.Queue(maxsize=2)
        stop = threading.Event()
        rows = sum(1 for _, pending in scanned for item in pending or () if item.process)
        pool = self.pool if rows > self.profile.batch_size else None  # one batch is read while the pool starts

        # Where a worker's batch is unpickled (~15 ms of GIL per thousand rows). SQLite works in this process and
        # takes the GIL back after every row it steps: another thread holding it meanwhile stalls the writer, so
        # the writer unpickles it itself. A database server leaves the writer waiting for its answers with the GIL
        # free: this thread unpickles meanwhile, and the writer gets the batch ready.
        open_in_reader = self.conn.dialect.name != "sqlite"
        ids_known = threading.Event()  # ``reading`` has run: the ids reserved for new entities are known

        def with_ids(task: BatchTask) -> None:
            """A worker's task gets the ids reserved for its rows' new entities (the first, local, ones don't
            wait for them)."""
            while not ids_known.wait(0.2):
                if stop.is_set():
                    return
            reserved = self.importer.reserved_ids()
            if reserved:
                task.ids = {p.folded: reserved[p.folded] for p in task.records if p.folded in reserved}

        def produce() -> None:
            try:
                tasks = self._tasks(scanned)
                read = (
                    pool.read(tasks, local=self._read, handing=with_ids) if pool is not None else map(self._read, tasks)
                )
                for read_batch in read:
                    batch = opened(read_batch) if open_in_reader else read_batch
                    while not stop.is_set():
                        try:
                            batches.put(batch, timeout=0.2)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
                batches.put(None)
            except BaseException as error:  # handed to the writing thread, which raises it
                batches.put(error)

        reader = threading.Thread(target=produce, name="import-reader", daemon=True)
        reader.start()
        try:
            try:
                reading()
            finally:
                ids_known.set()
            while True:
                item = batches.get()
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                batch = opened(item)  # on SQLite in this thread (see open_in_reader)
                self.done_rows += batch.records
                self.report.skipped += batch.skipped
                self.report.skipped_not_newer += batch.skipped
                for warning in batch.warnings:
                    self.context.warn(warning)
                self._errors(batch.errors)
                if batch.prepared is not None:
                    self._take(self.importer.process(self.conn, batch.prepared))
                self._report_progress()
        finally:
            stop.set()
            reader.join(timeout=5)

    def _pool(self, paths: Sequence[Path]) -> WorkerPool | None:
        """Worker processes for the bunch, when it is big enough to pay for starting them."""
        if self.parallel is None:
            return None
        spec, workers = self.parallel
        size = sum(path.stat().st_size for path in paths if path.is_file())
        if size < default_min_rows() * BYTES_PER_ROW:
            return None
        preload = [type(self.importer).__module__] if reads_in_workers(self.importer) else []
        return WorkerPool(spec, workers, preload)

    def _read(self, task: BatchTask) -> Batch:
        return self.batch_reader.read(task)

    def _tasks(self, scanned: Sequence[tuple[Path, list[Pending] | None]]) -> Iterator[BatchTask]:
        """The partitions to read: up to a batch of rows to process of one file each, in file/line order (runs
        in the reading thread: no database here)."""
        size = self.profile.batch_size
        csv_format = self.profile.csv_format
        for path, pending in scanned:
            if pending is None:
                continue
            if not any(item.process for item in pending):  # every row unchanged: the file is not read again
                yield BatchTask(path.name, [], csv_format, [], len(pending))
                continue
            columns = self.columns[path]  # the reader reads the records themselves, by their place
            where = str(path.resolve())
            waiting: list[Pending] = []
            passed = 0
            for item in pending:
                if not item.process:
                    passed += 1
                    continue
                waiting.append(item)
                if len(waiting) >= size:
                    yield BatchTask(path.name, columns, csv_format, waiting, passed, where)
                    waiting, passed = [], 0
            if waiting or passed:
                yield BatchTask(path.name, columns, csv_format, waiting, passed, where)

    def _columns(self, csv_file: CsvFile) -> list[str]:
        mapping = self.profile.columns
        return [mapping.get(column, column) for column in csv_file.header]

    # -- outcomes and the error policy ----------------------------------------------------------------------

    def _take(self, outcome: Outcome) -> None:
        self._errors(outcome.errors)
        self.report.created += outcome.created
        self.report.updated += outcome.updated
        self.report.deleted += outcome.deleted
        if self.change_type is not None and self.context.write and outcome.done:
            save_hashes(self.conn, self.change_type, outcome.done)
        if self.context.write:
            self.context.events.flush()  # the batch's events, with its writes
        else:
            self.context.events.discard()
        if self.context.write and outcome.done:
            self.batches += 1
            self._pause()

    def _errors(self, errors: Sequence[RowError]) -> None:
        for error in errors:
            self.report.errors.append(error)
            if error.line > 0 and (error.file, error.line) not in self.invalid_lines:
                self.invalid_lines.add((error.file, error.line))
                self.report.invalid += 1
        self._check_policy()

    def _file_error(self, error: RowError, rows: int) -> None:
        """A file that cannot be imported: its rows count as invalid."""
        self.report.errors.append(error)
        self.report.rows += rows
        self.report.invalid += rows
        self._check_policy(force=rows == 0)

    def _check_policy(self, force: bool = False) -> None:
        policy = self.profile.errors
        too_many = policy.max_errors is not None and self.report.invalid > policy.max_errors
        if (force or (self.report.errors and policy.policy == "fail") or too_many) and not self.failed:
            self.failed = True
            self.context.write = False  # validate the rest, write nothing more; the transaction rolls back

    def _failure_text(self) -> str:
        policy = self.profile.errors
        if policy.max_errors is not None and self.report.invalid > policy.max_errors:
            return f"{self.report.invalid} invalid rows, more than the {policy.max_errors} allowed: nothing written"
        if self.report.invalid == 0 and self.report.errors:
            return f"{self.report.errors[0]}: nothing written"
        return f"{self.report.invalid} invalid rows and errors=fail: nothing written"

    def _report_progress(self) -> None:
        if self.progress is not None:
            self.progress(self.done_rows)

    def _pause(self) -> None:
        if self.pause is None:
            return
        seconds, marker = self.pause
        with marker.open("a") as handle:
            handle.write(f"batch {self.batches}\n")
        time.sleep(seconds)


__all__ = ["PAUSE_ENV", "run_import"]
