"""ERP documents from a watched directory, with the import framework's OK-file semantics.

A document file (``*.json``, ``*.xml``) is read only once an OK-file covers it (``<prefix>.ok``: empty, it takes
every document file of its prefix; listing names, exactly those; see ``conveyor.importer.files``). Each file is
checked and submitted on its own: an accepted one (or one already in the ledger) is moved to the archive
directory, a refused one to the error directory with ``<file>.report.txt`` beside it naming the document, the
order, the item and the reason. Nothing is ever deleted; the OK-file follows its files (to the error directory
when it cannot be used). A lease lock per directory keeps two watchers from reading the same file.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.db.locks import LeaseLock
from conveyor.importer import discover
from conveyor.orders.filing import move_aside, move_into
from conveyor.orders.update.apply import DocumentError
from conveyor.orders.update.documents import ParseError
from conveyor.orders.update.ledger import Received, submit
from conveyor.orders.update.opentrans import read_document

__all__ = ["Directories", "FileResult", "process_directory", "submit_file", "watch"]

SUFFIXES = (".json", ".xml")


class _EveryPrefix(Mapping[str, str]):
    """The OK-file planner's kind → entity mapping: every prefix names documents (their names are the ERP's)."""

    def __getitem__(self, key: str) -> str:
        return "documents"

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@dataclass(frozen=True)
class Directories:
    """Where documents come from and where they go."""

    source: Path
    archive: Path
    error: Path

    @classmethod
    def of(cls, source: Path, archive: Path | None = None, error: Path | None = None) -> Directories:
        return cls(source, archive or source / "archive", error or source / "error")


@dataclass
class FileResult:
    """What became of one file: ``accepted``, ``duplicate`` or ``refused`` (with the reason)."""

    name: str
    status: str
    location: Path
    reason: str = ""
    received: Received | None = None


def submit_file(engine: Engine, path: Path, dirs: Directories, *, clock: Callable[[], float] = time.time) -> FileResult:
    """Read, check and submit one document file, then archive it or move it aside with its report."""
    try:
        document = read_document(path.read_bytes())
        try:
            with engine.begin() as conn:
                received = submit(conn, document, path.name, now=clock())
        except sa.exc.IntegrityError:  # another source put the same document in the ledger meanwhile
            with engine.begin() as conn:
                received = submit(conn, document, path.name, now=clock())
    except (ParseError, DocumentError, OSError) as exc:
        reason = f"{path.name}: {exc}" if isinstance(exc, ParseError) else str(exc)
        return FileResult(path.name, "refused", move_aside(path, dirs.error, reason, clock()), reason)
    status = "duplicate" if received.duplicate else "accepted"
    return FileResult(path.name, status, move_into(path, dirs.archive), received=received)


def process_directory(
    engine: Engine, dirs: Directories, *, clock: Callable[[], float] = time.time, owner: str | None = None
) -> list[FileResult]:
    """One pass: every document an OK-file marks ready (none while another watcher holds the directory)."""
    lock = LeaseLock(engine, f"orders.update:{dirs.source.resolve()}"[:191], owner or _owner(), ttl=300.0)
    if not dirs.source.is_dir() or not lock.acquire():
        return []
    results: list[FileResult] = []
    try:
        for bunch in discover(dirs.source, entities=_EveryPrefix(), suffixes=SUFFIXES):
            ok_file = dirs.source / bunch.ok_file
            if bunch.problem is not None:
                results.append(
                    FileResult(
                        bunch.ok_file, "refused", move_aside(ok_file, dirs.error, bunch.problem, clock()), bunch.problem
                    )
                )
                continue
            for name in bunch.files:
                results.append(submit_file(engine, dirs.source / name, dirs, clock=clock))
            move_into(ok_file, dirs.archive)
    finally:
        lock.release()
    return results


def watch(
    engine: Engine,
    dirs: Directories,
    *,
    interval: float,
    stop: threading.Event,
    on_result: Callable[[FileResult], object] = lambda _: None,
) -> None:
    """Passes every ``interval`` seconds until ``stop`` is set."""
    owner = _owner()
    while not stop.is_set():
        for result in process_directory(engine, dirs, owner=owner):
            on_result(result)
        stop.wait(interval)


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
