"""Starting imports: the OK-file watcher of a source directory, and the ``import.run`` queue trigger.

The watcher takes a lease lock per bunch (``LeaseLock``, renewed while the import runs), so any number of
watchers on any machines process each bunch exactly once, and a watcher that dies frees its bunches when the
lease runs out. Each pass first resumes the working directories whose lock is free (a crashed claim is finished,
a crashed import is run again in its own all-or-nothing transaction, a finished one is archived), then claims
the bunches ready in the source directory.

The import itself is a runner: ``runner(engine, entity, options)(files) -> ImportReport``. The default resolves
``conveyor.importer.run_import`` when it runs, so this module does not depend on the importers being loaded.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

import orjson
from sqlalchemy.engine import Engine

from conveyor.db.locks import LeaseLock
from conveyor.importer import history
from conveyor.importer.files import (
    DEFAULT_ENTITIES,
    DEFAULT_SUFFIXES,
    WorkingDir,
    discover,
    remove_finished,
    same_filesystem,
    working_dirs,
)
from conveyor.importer.history import Origin, RunStatus
from conveyor.importer.report import ImportReport
from conveyor.mq.builtin import single_queue_topology
from conveyor.mq.consumer import PermanentError
from conveyor.mq.envelope import Envelope
from conveyor.mq.handlers import handler_factory
from conveyor.mq.topology import Topology
from conveyor.mq.transports.base import is_transient
from conveyor.settings import Settings

if TYPE_CHECKING:
    from conveyor.mq import MessageQueue

log = logging.getLogger("conveyor.importer.watch")

OPERATIONS = ("add-update", "replace", "delete")
ERROR_POLICIES = ("skip", "fail")


@dataclass(frozen=True)
class ImportOptions:
    """How to import, besides which entity and files."""

    operation: str = "add-update"
    profile: str | None = None
    errors: str = "skip"
    max_errors: int | None = None
    # processes that read the rows (1: the importing one); None: CONVEYOR_IMPORT_WORKERS, else the CPUs
    workers: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "profile": self.profile,
            "errors": self.errors,
            "max_errors": self.max_errors,
            "workers": self.workers,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImportOptions:
        """Checked, since it comes from messages and manifests; ValueError names the bad field."""
        operation = data.get("operation") or "add-update"
        errors = data.get("errors") or "skip"
        profile, max_errors, workers = data.get("profile"), data.get("max_errors"), data.get("workers")
        if operation not in OPERATIONS:
            raise ValueError(f"operation {operation!r} is not one of {', '.join(OPERATIONS)}")
        if errors not in ERROR_POLICIES:
            raise ValueError(f"errors {errors!r} is not one of {', '.join(ERROR_POLICIES)}")
        if profile is not None and not isinstance(profile, str):
            raise ValueError(f"profile {profile!r} is not a string")
        if max_errors is not None and (isinstance(max_errors, bool) or not isinstance(max_errors, int)):
            raise ValueError(f"max_errors {max_errors!r} is not an integer")
        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
            raise ValueError(f"workers {workers!r} is not a whole number of at least 1")
        return cls(operation=operation, profile=profile, errors=errors, max_errors=max_errors, workers=workers)


Runner = Callable[[Sequence[Path]], ImportReport]


class RunnerFactory(Protocol):
    """Builds the runner of one import: ``factory(engine, entity, options)(files)``."""

    def __call__(self, engine: Engine, entity: str, options: ImportOptions) -> Runner: ...


def default_runner(engine: Engine, entity: str, options: ImportOptions, *, mq: MessageQueue | None = None) -> Runner:
    """``conveyor.importer.run_import``, looked up when the import runs (not when this module loads).

    With ``mq`` the import emits its domain events (``catalog.product.saved`` …) in its transaction, to the queues
    bound to them; ``events_runner(mq)`` is this factory with it."""

    def run(files: Sequence[Path]) -> ImportReport:
        run_import = importlib.import_module("conveyor.importer").run_import
        report = run_import(
            engine,
            entity,
            list(files),
            operation=options.operation,
            profile=options.profile,
            errors=options.errors,
            max_errors=options.max_errors,
            dry_run=False,
            progress=None,
            workers=options.workers,
            mq=mq,
        )
        return cast(ImportReport, report)

    return run


def events_runner(mq: MessageQueue | None) -> RunnerFactory:
    """The default runner publishing the imports' events through ``mq`` (none: the plain default runner)."""
    return default_runner if mq is None else partial(default_runner, mq=mq)


@dataclass(frozen=True)
class Directories:
    """Where bunches wait (source), are imported from (working) and end up (archive, failed)."""

    source: Path
    working: Path
    archive: Path
    failed: Path

    @classmethod
    def of(
        cls, source: Path, working: Path | None = None, archive: Path | None = None, failed: Path | None = None
    ) -> Directories:
        """The given folders, made absolute (the history records where files went); those not given are
        sub-folders of ``source`` (``working``, ``archive``, ``failed``)."""
        source = Path(source).absolute()
        return cls(
            source=source,
            working=Path(working).absolute() if working else source / "working",
            archive=Path(archive).absolute() if archive else source / "archive",
            failed=Path(failed).absolute() if failed else source / "failed",
        )

    def prepare(self) -> None:
        """Create the folders; refuse a working or failed folder on another filesystem (moves must be renames)."""
        if not self.source.is_dir():
            raise ValueError(f"the source directory {self.source} does not exist")
        for path in (self.working, self.archive, self.failed):
            path.mkdir(parents=True, exist_ok=True)
        for other in (self.working, self.failed):
            if not same_filesystem(self.source, other):
                raise ValueError(
                    f"{other} is not on the filesystem of {self.source}: files are moved by atomic renames, "
                    "which cannot cross filesystems"
                )


@dataclass(frozen=True)
class RunResult:
    """What happened to one bunch in a pass."""

    prefix: str
    entity: str
    token: str
    status: RunStatus  # running: left in the working directory to be resumed (a transient error)
    location: Path
    report: ImportReport | None
    history_id: int | None
    resumed: bool = False


def new_owner() -> str:
    """A lock owner id, unique per watcher: host:pid:random."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def lock_name(source: Path, prefix: str) -> str:
    """One lock per bunch of a source directory, short enough for any database key."""
    digest = hashlib.sha256(f"{source.resolve()}\x00{prefix}".encode()).hexdigest()[:40]
    return f"import.bunch:{digest}"


class Lease:
    """Keeps a lease lock renewed from a thread while an import runs; ``lost`` once someone else took it."""

    def __init__(self, lock: LeaseLock) -> None:
        self.lock = lock
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, name=f"lease {lock.name}", daemon=True)

    def _renew(self) -> None:
        while not self._stop.wait(max(0.05, self.lock.ttl / 3)):
            try:
                if not self.lock.acquire():
                    self.lost = True
                    log.error("lost the lock %s to %s", self.lock.name, self.lock.holder())
                    return
            except Exception:
                log.warning("could not renew the lock %s", self.lock.name, exc_info=True)

    def confirm(self) -> bool:
        """Renew now; False when the lock went to another owner (then leave the files to it)."""
        if not self.lost and not self.lock.acquire():
            self.lost = True
        return not self.lost

    @contextmanager
    def held(self) -> Iterator[Lease]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join()


class Watcher:
    """Imports the bunches OK-files declare in one source directory, each exactly once."""

    def __init__(
        self,
        engine: Engine,
        directories: Directories,
        *,
        runner: RunnerFactory = default_runner,
        options: ImportOptions | None = None,
        entities: Mapping[str, str] = DEFAULT_ENTITIES,
        suffixes: Sequence[str] = DEFAULT_SUFFIXES,
        only: Collection[str] | None = None,
        lease: float = 120.0,
        max_attempts: int = 3,
        owner: str | None = None,
        origin: Origin = Origin.WATCH,
    ) -> None:
        directories.prepare()
        self.engine, self.dirs, self.runner = engine, directories, runner
        self.options = options or ImportOptions()
        self.entities, self.suffixes = entities, tuple(suffixes)
        self.only = set(only) if only is not None else None
        self.lease, self.max_attempts = lease, max_attempts
        self.owner = owner or new_owner()
        self.origin = origin
        self.source = directories.source.resolve()
        self._warned: set[str] = set()

    # --- the loop ----------------------------------------------------------------------------------------------
    def watch(
        self,
        *,
        interval: float = 5.0,
        stop: threading.Event | None = None,
        on_result: Callable[[RunResult], None] | None = None,
    ) -> None:
        """Pass after pass until ``stop`` is set; a pass that fails (the database is away) is logged and retried."""
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                for result in self.run_once():
                    if on_result:
                        on_result(result)
            except Exception:
                log.exception("watching %s: the pass failed; trying again in %.1fs", self.source, interval)
            stop.wait(interval)

    def run_once(self) -> list[RunResult]:
        """Resume what crashed, then import every bunch ready now; returns what happened to each."""
        results: list[RunResult] = []
        remove_finished(self.dirs.working)
        for path in working_dirs(self.dirs.working):
            self._collect(results, partial(self._resume, path))
        for bunch in discover(self.source, entities=self.entities, suffixes=self.suffixes):
            if bunch.entity is None:
                if bunch.prefix not in self._warned:
                    self._warned.add(bunch.prefix)
                    log.warning("%s: no entity is mapped to %r; left alone", bunch.ok_file, bunch.prefix)
                continue
            if self.only is not None and bunch.entity not in self.only:
                continue
            self._collect(results, partial(self._claim, bunch.prefix))
        return results

    def _collect(self, results: list[RunResult], step: Callable[[], RunResult | None]) -> None:
        """Run one bunch's step; a lost database ends the pass, any other error only this bunch's turn."""
        try:
            result = step()
        except Exception as exc:
            if is_transient(exc):
                raise
            log.exception("import of a bunch in %s failed outside the import; left where it is", self.source)
            return
        if result is not None:
            results.append(result)

    # --- one bunch ---------------------------------------------------------------------------------------------
    def _lock(self, name: str) -> LeaseLock:
        return LeaseLock(self.engine, name, self.owner, ttl=self.lease)

    def _pending(self, name: str) -> WorkingDir | None:
        """A working directory already claimed under lock ``name`` (a crashed claim or import)."""
        for path in working_dirs(self.dirs.working):
            found = WorkingDir.open(path)
            if found is not None and found.manifest.lock == name:
                return found
        return None

    def _claim(self, prefix: str) -> RunResult | None:
        lock = self._lock(lock_name(self.source, prefix))
        if not lock.acquire():
            return None  # another watcher has it
        try:
            with Lease(lock).held() as lease:
                pending = self._pending(lock.name)
                if pending is not None:  # finish that first: some of its files may still be in the source
                    return self._process(pending, lease, resumed=True)
                # read again under the lock: another watcher may have taken the bunch since our listing
                bunch = next(
                    (
                        b
                        for b in discover(self.source, entities=self.entities, suffixes=self.suffixes)
                        if b.prefix == prefix
                    ),
                    None,
                )
                if bunch is None or bunch.entity is None:
                    return None
                working = WorkingDir.create(self.dirs.working, bunch, self.source, lock.name, self.options.to_dict())
                return self._process(working, lease)
        finally:
            lock.release()

    def _resume(self, path: Path) -> RunResult | None:
        found = WorkingDir.open(path)
        if found is None:
            self._clean_unclaimed(path)
            return None
        if Path(found.manifest.source) != self.source:
            return None  # another source directory's, sharing this working folder
        lock = self._lock(found.manifest.lock)
        if not lock.acquire():
            return None  # its watcher is alive
        try:
            with Lease(lock).held() as lease:
                found = WorkingDir.open(path)  # its watcher may have finished between our listing and the lock
                if found is None:
                    return None
                log.warning("resuming the import in %s (attempt %d)", path, found.manifest.attempts + 1)
                return self._process(found, lease, resumed=True)
        finally:
            lock.release()

    def _clean_unclaimed(self, path: Path) -> None:
        """A working directory without manifest was made by a claim that died before writing it: it holds no
        data file. Removed once older than a lease; anything else in there is not ours and is left alone."""
        try:
            if time.time() - path.stat().st_mtime < self.lease:
                return
            if any(not p.name.startswith(".") for p in path.iterdir()):
                log.warning("%s has no manifest but holds files; left alone", path)
                return
            for p in path.iterdir():
                p.unlink()
            path.rmdir()
        except OSError:
            log.debug("could not clean %s", path, exc_info=True)

    def _process(self, working: WorkingDir, lease: Lease, *, resumed: bool = False) -> RunResult | None:
        missing = working.gather()
        manifest = working.manifest
        options = ImportOptions.from_dict(manifest.options) if manifest.options else self.options
        report = working.read_report()
        with self.engine.begin() as conn:
            entry = history.find(conn, manifest.token)
            if report is not None and entry is not None:
                history_id = entry.id
            else:
                history_id = history.start(
                    conn,
                    run_key=manifest.token,
                    entity=manifest.entity,
                    operation=options.operation,
                    files=manifest.files,
                    origin=self.origin,
                    source=manifest.source,
                    profile=options.profile,
                )
        if report is None:
            attempts = working.bump_attempts()
            report = self._run(working, options, missing, attempts)
            if report is None:  # a transient error: leave it for the next pass
                return self._result(working, RunStatus.RUNNING, working.path, None, history_id, resumed)
            if not lease.confirm():
                log.error("%s: the lock was taken over during the import; the new holder finishes it", working.path)
                return None
            working.write_report(report)
        target = working.archive_path(self.dirs.archive) if report.ok else working.failed_path(self.dirs.failed)
        with self.engine.begin() as conn:  # before the move: a crash in between only repeats the move
            history.finish(conn, history_id, report, location=str(target))
        location = working.archive(self.dirs.archive) if report.ok else working.fail(self.dirs.failed)
        status = RunStatus.SUCCESS if report.ok else RunStatus.FAILED
        log.info("%s: %s (%s)", manifest.prefix, status, location)
        return self._result(working, status, location, report, history_id, resumed)

    def _run(
        self, working: WorkingDir, options: ImportOptions, missing: Sequence[str], attempts: int
    ) -> ImportReport | None:
        """The import's report; a failure report for a bunch that cannot run; None after a transient error."""
        manifest = working.manifest
        failed = ImportReport(entity=manifest.entity, operation=options.operation, files=list(manifest.files))
        if manifest.problem:
            failed.failure = manifest.problem
        elif missing:
            failed.failure = f"files of the bunch disappeared: {', '.join(missing)}"
        elif attempts > self.max_attempts:
            failed.failure = (
                f"gave up after {attempts - 1} attempts that did not finish "
                "(the importing process died or lost the database each time)"
            )
        if failed.failure:
            return failed
        started = time.monotonic()
        try:
            return self.runner(self.engine, manifest.entity, options)(working.files())
        except Exception as exc:
            if is_transient(exc):
                log.warning("%s: the import lost the database (%s); it will be resumed", working.path, exc)
                return None
            log.exception("%s: the import raised", working.path)
            failed.failure = f"{type(exc).__name__}: {exc}"
            failed.seconds = time.monotonic() - started
            return failed

    @staticmethod
    def _result(
        working: WorkingDir,
        status: RunStatus,
        location: Path,
        report: ImportReport | None,
        history_id: int | None,
        resumed: bool,
    ) -> RunResult:
        m = working.manifest
        return RunResult(m.prefix, m.entity, m.token, status, location, report, history_id, resumed)


# --- imports of given files (no file handling) -------------------------------------------------------------------
def run_files(
    engine: Engine,
    entity: str,
    files: Sequence[Path],
    options: ImportOptions | None = None,
    *,
    runner: RunnerFactory = default_runner,
    run_key: str | None = None,
    origin: Origin = Origin.CLI,
) -> tuple[int, ImportReport]:
    """Import ``files`` where they are, recorded in the history; returns (history id, report).

    A ``run_key`` already recorded as a success is not imported again (a queued message delivered twice). An
    exception from the runner is recorded as a failure and raised again, so the caller decides about retries.
    """
    options = options or ImportOptions()
    run_key = run_key or f"{origin}:{uuid.uuid4().hex}"
    names = [str(f) for f in files]
    with engine.begin() as conn:
        found = history.find(conn, run_key)
        if found is not None and found.status == RunStatus.SUCCESS and found.report is not None:
            return found.id, found.report
        history_id = history.start(
            conn,
            run_key=run_key,
            entity=entity,
            operation=options.operation,
            files=names,
            origin=origin,
            profile=options.profile,
        )
    started = time.monotonic()
    try:
        report = runner(engine, entity, options)(list(files))
    except Exception as exc:
        failed = ImportReport(entity=entity, operation=options.operation, files=names)
        failed.failure = f"{type(exc).__name__}: {exc}"
        failed.seconds = time.monotonic() - started
        try:
            with engine.begin() as conn:
                history.finish(conn, history_id, failed)
        except Exception:
            log.warning("could not record the failure of import run %d", history_id, exc_info=True)
        raise
    with engine.begin() as conn:
        history.finish(conn, history_id, report)
    return history_id, report


# --- the queue trigger -------------------------------------------------------------------------------------------
TOPIC = "import.run"
QUEUE = "import.run"
CONSUMER = "import.run"
HANDLER = "conveyor.importer.watch:handle"
ORIGIN = "<conveyor.importer>"


@dataclass(frozen=True)
class ImportRequest:
    """The ``import.run`` message: given ``files`` of an ``entity``, or a ``directory`` to run one watcher pass
    over (OK-files decide; ``entity`` then only narrows it), with the import options."""

    entity: str | None = None
    files: tuple[Path, ...] = ()
    directory: Path | None = None
    options: ImportOptions = field(default_factory=ImportOptions)
    working: Path | None = None
    archive: Path | None = None
    failed: Path | None = None

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"entity": self.entity, **self.options.to_dict()}
        if self.files:
            payload["files"] = [str(f) for f in self.files]
        for name in ("directory", "working", "archive", "failed"):
            value = getattr(self, name)
            if value is not None:
                payload[name] = str(value)
        return payload

    @classmethod
    def from_payload(cls, payload: Any) -> ImportRequest:
        """ValueError for a message that can never run."""
        if not isinstance(payload, dict):
            raise ValueError("the message is not a JSON object")
        entity, files, directory = payload.get("entity"), payload.get("files"), payload.get("directory")
        if entity is not None and not isinstance(entity, str):
            raise ValueError(f"entity {entity!r} is not a string")
        if (files is None) == (directory is None):
            raise ValueError("give either 'files' or 'directory'")
        if files is not None:
            if not isinstance(files, list) or not files or not all(isinstance(f, str) and f for f in files):
                raise ValueError("'files' is not a non-empty list of paths")
            if not entity:
                raise ValueError("'files' needs an 'entity'")
        paths: dict[str, Path | None] = {}
        for name in ("directory", "working", "archive", "failed"):
            value = payload.get(name)
            if value is not None and (not isinstance(value, str) or not value):
                raise ValueError(f"{name!r} is not a path")
            paths[name] = Path(value) if value else None
        return cls(
            entity=entity,
            files=tuple(Path(f) for f in files or ()),
            options=ImportOptions.from_dict(payload),
            **paths,
        )


def import_topology(connection: str = "db") -> Topology:
    """Topic, queue, binding, publisher and consumer ``import.run`` on ``connection``."""
    return single_queue_topology(
        owner=ORIGIN,
        connection=connection,
        queue=QUEUE,
        binding=TOPIC,
        handler=HANDLER,
        topics=[TOPIC],
        consumer=CONSUMER,
    )


def builtin_topology(settings: Settings | None = None) -> Topology:
    """The ``conveyor.topologies`` entry point: ``import.run`` on the DB queue (a topology file may move it)."""
    return import_topology("db")


class ImportRunConsumer:
    """The ``import.run`` handler: runs the requested import and records it in the history.

    A request that can never run is dead-lettered (``PermanentError``); a lost database is raised for the queue
    to retry; an import that fails on its data is acked, its failure being in the history (and the files in the
    failed directory when it came from one).
    """

    def __init__(
        self,
        engine: Engine,
        runner: RunnerFactory = default_runner,
        *,
        entities: Mapping[str, str] = DEFAULT_ENTITIES,
        suffixes: Sequence[str] = DEFAULT_SUFFIXES,
        lease: float = 120.0,
    ) -> None:
        self.engine, self.runner = engine, runner
        self.entities, self.suffixes, self.lease = entities, suffixes, lease

    def __call__(self, envelope: Envelope) -> None:
        try:
            request = ImportRequest.from_payload(envelope.json())
        except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
            raise PermanentError(f"not an import request: {exc}") from exc
        try:
            if request.directory is not None:
                watcher = Watcher(
                    self.engine,
                    Directories.of(request.directory, request.working, request.archive, request.failed),
                    runner=self.runner,
                    options=request.options,
                    entities=self.entities,
                    suffixes=self.suffixes,
                    only={request.entity} if request.entity else None,
                    lease=self.lease,
                    origin=Origin.QUEUE,
                )
                for result in watcher.run_once():
                    log.info("import.run %s: %s %s", envelope.message_id, result.prefix, result.status)
                return
            assert request.entity is not None  # checked by from_payload
            _, report = run_files(
                self.engine,
                request.entity,
                request.files,
                request.options,
                runner=self.runner,
                run_key=f"queue:{envelope.message_id}",
                origin=Origin.QUEUE,
            )
            if not report.ok:
                log.warning("import.run %s failed: %s", envelope.message_id, report.failure)
        except Exception as exc:
            if is_transient(exc) or isinstance(exc, PermanentError):
                raise
            raise PermanentError(f"import.run {envelope.message_id}: {type(exc).__name__}: {exc}") from exc


class ImportHost(Protocol):
    """What the built-in consumer needs of the running application (``conveyor.app.App``)."""

    @property
    def engine(self) -> Engine: ...

    @property
    def mq(self) -> MessageQueue: ...


@handler_factory
def handle(app: ImportHost) -> ImportRunConsumer:
    """The built-in consumer's handler: the App's database, the importers' ``run_import`` publishing the imports'
    events through the App's message queue."""
    return ImportRunConsumer(app.engine, events_runner(app.mq))
