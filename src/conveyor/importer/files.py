"""Import files on disk: OK-files, bunches, and the working / archive / failed directories.

A bunch is ready when its OK-file ``<prefix>.ok`` exists: an empty OK-file takes every importable file whose name
starts with the prefix (followed by ``_`` or ``.``), one that lists file names takes exactly those. A file no
OK-file covers is never touched.

Every move is a rename within one filesystem, so each file is always whole in exactly one place. A bunch is
claimed by writing ``manifest.json`` into a fresh working directory first, then renaming the data files, then the
OK-file; whoever finds a manifest later (after a crash) knows the whole bunch and finishes the claim. The report
is written into the working directory before the files leave it, so a resumed run never imports a finished
bunch again. Success: one zip per import (files, OK-file, ``report.json``) plus the report beside it in the
archive directory. Failure: the working directory is renamed into the failed directory as a whole.

Nothing here touches the database; ``conveyor.importer.watch`` adds locks, history and the runner.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson

from conveyor.importer.report import ImportReport

OK_SUFFIX = ".ok"
MANIFEST = "manifest.json"
REPORT = "report.json"
RESERVED = (MANIFEST, REPORT)  # names of our own files in a working directory; no data file may use them
DONE_SUFFIX = ".done"
DEFAULT_SUFFIXES = (".csv",)

# The file name's kind (the part before the first "_") → the entity it imports. TechDivision's and Magento's
# usual names, plus the kinds of the shared test files (product-import-price, product-import-inventory-msi, …).
DEFAULT_ENTITIES: Mapping[str, str] = {
    "product-import": "products",
    "product-import-price": "products",
    "product-import-inventory": "products",
    "media-import": "products",
    "category-import": "categories",
    "customer-import": "customers",
    "customer-composite-import": "customers",
    "customer-address-import": "customer-addresses",
    "attribute-import": "attributes",
    "attribute-set-import": "attribute-sets",
    "tier-price-import": "tier-prices",
    "advanced-pricing-import": "tier-prices",
    "product-import-tier-price": "tier-prices",
    "inventory-msi-import": "stock",
    "product-import-inventory-msi": "stock",
    "stock-import": "stock",
}

_SEQUENCE = re.compile(r"_\d+$")


class OkFileError(ValueError):
    """An OK-file that cannot be read as a list of file names."""


def kind_of(prefix: str) -> str:
    """``product-import_20161021-161909`` → ``product-import``."""
    return prefix.split("_", 1)[0]


def entity_for(prefix: str, entities: Mapping[str, str] = DEFAULT_ENTITIES) -> str | None:
    return entities.get(kind_of(prefix))


def bunch_prefix(name: str, suffixes: Sequence[str] = DEFAULT_SUFFIXES) -> str:
    """The prefix a data file's bunch is named by: ``product-import_20161021-161909_01.csv`` →
    ``product-import_20161021-161909`` (suffix and trailing sequence number removed)."""
    stem = name
    for suffix in sorted(suffixes, key=len, reverse=True):
        if stem.lower().endswith(suffix.lower()):
            stem = stem[: -len(suffix)]
            break
    return _SEQUENCE.sub("", stem) or stem


def matches(prefix: str, name: str) -> bool:
    """Whether an empty OK-file ``<prefix>.ok`` covers ``name``: the prefix, then ``_`` or ``.`` (so
    ``product-import.ok`` takes ``product-import_…`` but not ``product-import-price_…``)."""
    return name.startswith(prefix) and len(name) > len(prefix) and name[len(prefix)] in "_."


def is_ok_file(name: str) -> bool:
    return name.lower().endswith(OK_SUFFIX) and len(name) > len(OK_SUFFIX) and not name.startswith(".")


def importable(name: str, suffixes: Sequence[str] = DEFAULT_SUFFIXES) -> bool:
    """A data file an empty OK-file may take: visible, not an OK-file, with an accepted suffix."""
    lower = name.lower()
    return not name.startswith(".") and not is_ok_file(name) and any(lower.endswith(s.lower()) for s in suffixes)


def parse_ok_file(text: str) -> list[str]:
    """The file names an OK-file lists (empty: the OK-file takes every file of its prefix).

    One name per line; blank lines and ``#`` comments are ignored, a path is reduced to its name (the files must
    be in the watched directory), duplicates count once.
    """
    names: list[str] = []
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name = line.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].strip()  # "dir/ x.csv" names "x.csv"
        if name in ("", ".", "..") or "\x00" in name:
            raise OkFileError(f"line {number}: {line!r} is not a file name")
        if is_ok_file(name):
            raise OkFileError(f"line {number}: {name!r} is an OK-file")
        if name not in names:
            names.append(name)
    return names


@dataclass(frozen=True)
class Bunch:
    """Files that import as one unit, as an OK-file in the source directory declares them.

    ``entity`` is None for a prefix the mapping does not know (such a bunch is left alone); ``problem`` says why
    a known bunch cannot be imported (it goes to the failed directory with that reason).
    """

    prefix: str
    entity: str | None
    ok_file: str
    files: tuple[str, ...]
    listed: bool = False
    problem: str | None = None


def plan(
    names: Iterable[str],
    read_ok: Callable[[str], str],
    *,
    entities: Mapping[str, str] = DEFAULT_ENTITIES,
    suffixes: Sequence[str] = DEFAULT_SUFFIXES,
) -> list[Bunch]:
    """The bunches a directory holding ``names`` declares, in OK-file name order; each file is in at most one.

    OK-files that list their files claim them first (in name order); then empty OK-files take the files left
    that match their prefix, the longest prefix first, so ``product-import_2016.ok`` keeps its files even beside
    a catch-all ``product-import.ok``.
    """
    present = sorted(set(names))
    ok_names = [n for n in present if is_ok_file(n)]
    taken: dict[str, str] = {}
    listed: dict[str, list[str]] = {}
    problems: dict[str, str] = {}
    for ok in ok_names:
        try:
            wanted = parse_ok_file(read_ok(ok))
        except OkFileError as exc:
            problems[ok] = f"{ok}: {exc}"
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems[ok] = f"{ok} cannot be read: {exc}"
            continue
        if wanted:
            listed[ok] = wanted
    available = set(present)
    for ok, wanted in listed.items():
        unavailable = []
        for name in wanted:
            if name in RESERVED:
                unavailable.append(f"{name} (a reserved name)")
            elif name not in available:
                unavailable.append(name)
            elif name in taken:
                unavailable.append(f"{name} (also listed in {taken[name]})")
            else:
                taken[name] = ok
        if unavailable:
            problems[ok] = f"{ok} lists files that are not available: {', '.join(unavailable)}"
    empty = [ok for ok in ok_names if ok not in listed and ok not in problems]
    files_of: dict[str, list[str]] = {ok: [n for n in wanted if taken.get(n) == ok] for ok, wanted in listed.items()}
    for ok in sorted(empty, key=lambda n: (-len(n), n)):
        prefix = ok[: -len(OK_SUFFIX)]
        mine = [n for n in present if n not in taken and importable(n, suffixes) and matches(prefix, n)]
        for name in mine:
            taken[name] = ok
        files_of[ok] = mine
        if not mine:
            problems[ok] = f"{ok} is empty and no file matches its prefix {prefix!r}"
    bunches = []
    for ok in ok_names:
        prefix = ok[: -len(OK_SUFFIX)]
        bunches.append(
            Bunch(
                prefix=prefix,
                entity=entity_for(prefix, entities),
                ok_file=ok,
                files=tuple(files_of.get(ok, ())),
                listed=ok in listed,
                problem=problems.get(ok),
            )
        )
    return bunches


def regular_files(directory: Path) -> list[str]:
    """Names of the regular files directly in ``directory`` (sub-directories such as working/ are not files)."""
    with os.scandir(directory) as entries:
        return [e.name for e in entries if e.is_file(follow_symlinks=False)]


def discover(
    source: Path, *, entities: Mapping[str, str] = DEFAULT_ENTITIES, suffixes: Sequence[str] = DEFAULT_SUFFIXES
) -> list[Bunch]:
    """The bunches ready in ``source`` now."""

    def read_ok(name: str) -> str:
        return (source / name).read_text(encoding="utf-8")

    return plan(regular_files(source), read_ok, entities=entities, suffixes=suffixes)


def create_ok_files(
    source: Path,
    *,
    prefix: str | None = None,
    suffixes: Sequence[str] = DEFAULT_SUFFIXES,
    listing: bool = True,
) -> list[Path]:
    """Write an OK-file for each bunch of files present that no OK-file covers yet; returns the files written.

    Without ``prefix`` files are grouped by ``bunch_prefix``; with it, one OK-file ``<prefix>.ok`` covers the files
    matching it. A listing OK-file (the default) names the files present now, so a file that arrives later is not
    swept into the bunch. An existing OK-file is never overwritten.
    """
    names = regular_files(source)
    covered = {n for b in discover(source, entities={}, suffixes=suffixes) for n in b.files}
    free = sorted(n for n in names if importable(n, suffixes) and n not in covered)
    groups: dict[str, list[str]] = {}
    for name in free:
        if prefix is None:
            groups.setdefault(bunch_prefix(name, suffixes), []).append(name)
        elif matches(prefix, name):
            groups.setdefault(prefix, []).append(name)
    written = []
    for group, files in sorted(groups.items()):
        target = source / f"{group}{OK_SUFFIX}"
        if target.exists():
            continue
        write_atomic(target, "".join(f"{n}\n" for n in files).encode() if listing else b"")
        written.append(target)
    return written


class BunchError(ValueError):
    """Files that cannot be dropped as a bunch (a bad or taken name, an unknown kind): nothing was written."""


def drop_bunch(
    source: Path,
    files: Sequence[tuple[str, bytes]],
    *,
    entities: Mapping[str, str] = DEFAULT_ENTITIES,
    suffixes: Sequence[str] = DEFAULT_SUFFIXES,
) -> list[Path]:
    """Put ``files`` (name, content) into the watched directory ``source`` as bunches, each with a listing
    OK-file written last, so the watch takes each bunch whole (the admin UI's upload); returns the OK-files.

    Files group by ``bunch_prefix`` as ``create_ok_files`` groups them. Every name is checked before anything is
    written: a plain file name with an importable suffix, a kind the watch maps to an entity, not present yet,
    and no OK-file of its bunch waiting already.
    """
    present = set(regular_files(source))
    groups: dict[str, list[str]] = {}
    for name, _ in files:
        if not name or name != Path(name).name or name in (".", "..") or "\\" in name or "\x00" in name:
            raise BunchError(f"{name!r} is not a plain file name")
        if not importable(name, suffixes):
            raise BunchError(f"{name}: only {', '.join(suffixes)} files import")
        prefix = bunch_prefix(name, suffixes)
        if entity_for(prefix, entities) is None:
            known = ", ".join(sorted(set(entities)))
            raise BunchError(f"{name}: its kind {kind_of(prefix)!r} names no entity (a name starts with: {known})")
        if name in present or name in groups.get(prefix, []):
            raise BunchError(f"{name} is in the watched directory already")
        if f"{prefix}{OK_SUFFIX}" in present:
            raise BunchError(f"{name}: the bunch {prefix} is waiting to be imported already")
        groups.setdefault(prefix, []).append(name)
    for name, content in files:
        write_atomic(source / name, content)
    written = []
    for prefix, names in sorted(groups.items()):
        target = source / f"{prefix}{OK_SUFFIX}"
        write_atomic(target, "".join(f"{n}\n" for n in names).encode())
        written.append(target)
    return written


# --- durable file operations ---------------------------------------------------------------------------------
def fsync_dir(directory: Path) -> None:
    """Make renames in ``directory`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a hidden temporary file and a rename: readers see the old content or the new, never a part."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def same_filesystem(a: Path, b: Path) -> bool:
    return a.stat().st_dev == b.stat().st_dev


# --- working directories ---------------------------------------------------------------------------------------
@dataclass
class Manifest:
    """What a working directory holds and where it came from; written before any file moves."""

    token: str
    prefix: str
    entity: str
    source: str
    ok_file: str
    files: list[str]
    lock: str
    created: float
    problem: str | None = None
    attempts: int = 0
    options: dict[str, Any] = field(default_factory=dict)  # how to import, fixed at the claim for a resumed run

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self), option=orjson.OPT_INDENT_2)

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        return cls(**orjson.loads(data))


def new_token(prefix: str) -> str:
    """A working directory's (and its archive's) name: unique, sortable, readable."""
    # the prefix is clipped so the token fits a file name and the history's run key (191 characters)
    return f"{prefix[:120]}.{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}.{uuid.uuid4().hex[:8]}"


class WorkingDir:
    """One import's working directory: the manifest, then the bunch's files and OK-file, then its report."""

    def __init__(self, path: Path, manifest: Manifest) -> None:
        self.path, self.manifest = path, manifest

    @property
    def token(self) -> str:
        return self.manifest.token

    @property
    def source(self) -> Path:
        return Path(self.manifest.source)

    @classmethod
    def create(
        cls, working_root: Path, bunch: Bunch, source: Path, lock: str, options: Mapping[str, Any] | None = None
    ) -> WorkingDir:
        """A new working directory for ``bunch`` with its manifest; no file moved yet (``gather`` moves them)."""
        token = new_token(bunch.prefix)
        path = working_root / token
        path.mkdir(parents=True)
        manifest = Manifest(
            token=token,
            prefix=bunch.prefix,
            entity=bunch.entity or "",
            source=str(source.resolve()),
            ok_file=bunch.ok_file,
            files=list(bunch.files),
            lock=lock,
            created=time.time(),
            problem=bunch.problem,
            options=dict(options or {}),
        )
        write_atomic(path / MANIFEST, manifest.to_json())
        fsync_dir(working_root)
        return cls(path, manifest)

    @classmethod
    def open(cls, path: Path) -> WorkingDir | None:
        """The working directory at ``path``; None when it has no manifest (it was never claimed into)."""
        try:
            data = (path / MANIFEST).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return cls(path, Manifest.from_json(data))

    def save(self) -> None:
        write_atomic(self.path / MANIFEST, self.manifest.to_json())

    def bump_attempts(self) -> int:
        """Count one more try at importing (a bunch that kills its watcher every time must not loop forever)."""
        self.manifest = replace(self.manifest, attempts=self.manifest.attempts + 1)
        self.save()
        return self.manifest.attempts

    def gather(self) -> list[str]:
        """Move the bunch's files, then its OK-file, from the source directory here; returns the files found in
        neither place. Files already here stay; safe to call again after a crash half-way."""
        missing = []
        for name in self.manifest.files:
            if not self._take(name):
                missing.append(name)
        self._take(self.manifest.ok_file)
        fsync_dir(self.path)
        fsync_dir(self.source)
        return missing

    def _take(self, name: str) -> bool:
        target = self.path / name
        if target.exists():
            return True
        try:
            os.rename(self.source / name, target)
        except FileNotFoundError:
            return False
        return True

    def missing(self) -> list[str]:
        return [n for n in self.manifest.files if not (self.path / n).is_file()]

    def files(self) -> list[Path]:
        """The data files, in the bunch's order."""
        return [self.path / n for n in self.manifest.files if (self.path / n).is_file()]

    def read_report(self) -> ImportReport | None:
        try:
            return ImportReport.from_dict(orjson.loads((self.path / REPORT).read_bytes()))
        except FileNotFoundError:
            return None

    def write_report(self, report: ImportReport) -> None:
        write_atomic(self.path / REPORT, report_json(report))

    def archive_path(self, archive_root: Path) -> Path:
        return archive_root / f"{self.token}.zip"

    def failed_path(self, failed_root: Path) -> Path:
        return failed_root / self.token

    def archive(self, archive_root: Path) -> Path:
        """Zip files, OK-file and report into ``<token>.zip`` (and the report beside it), then remove this
        directory. Repeatable: a crash before the removal only means the zip is written again."""
        archive_root.mkdir(parents=True, exist_ok=True)
        target = self.archive_path(archive_root)
        tmp = archive_root / f".{target.name}.{os.getpid()}.tmp"
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
            for name in [*self.manifest.files, self.manifest.ok_file, REPORT]:
                if (self.path / name).is_file():
                    zipped.write(self.path / name, arcname=name)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        if (self.path / REPORT).is_file():
            write_atomic(archive_root / f"{self.token}.json", (self.path / REPORT).read_bytes())
        fsync_dir(archive_root)
        # renamed out of sight before it is deleted: a crash half-way through the deletion must not leave a
        # working directory that looks like a bunch with files missing
        done = self.path.with_name(f".{self.path.name}{DONE_SUFFIX}")
        os.rename(self.path, done)
        fsync_dir(self.path.parent)
        shutil.rmtree(done)
        return target

    def fail(self, failed_root: Path) -> Path:
        """Rename this directory into the failed directory as a whole (files, OK-file, report)."""
        failed_root.mkdir(parents=True, exist_ok=True)
        target = self.failed_path(failed_root)
        os.rename(self.path, target)
        fsync_dir(failed_root)
        fsync_dir(self.path.parent)
        (target / MANIFEST).unlink(missing_ok=True)
        self.path = target
        return target


def report_json(report: ImportReport) -> bytes:
    return orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2)


def working_dirs(working_root: Path) -> list[Path]:
    """The candidate working directories, in name order."""
    if not working_root.is_dir():
        return []
    with os.scandir(working_root) as entries:
        return sorted(Path(e.path) for e in entries if e.is_dir(follow_symlinks=False) and not e.name.startswith("."))


def remove_finished(working_root: Path) -> None:
    """Delete what an archiving that crashed during its clean-up left behind (already archived)."""
    if not working_root.is_dir():
        return
    with os.scandir(working_root) as entries:
        done = [Path(e.path) for e in entries if e.name.startswith(".") and e.name.endswith(DONE_SUFFIX)]
    for path in done:
        shutil.rmtree(path, ignore_errors=True)
