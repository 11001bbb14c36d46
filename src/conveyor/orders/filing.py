"""Where an answered or refused file goes: the ERP's files are never deleted nor overwritten.

An ERP's response files (``conveyor.orders.responses``) and its documents (``conveyor.orders.update.files``) are
moved to an archive directory once used, or to an error directory with ``<file>.report.txt`` beside them saying
why, under a name not taken yet: a second file of the same name does not overwrite the first.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path


def move_into(path: Path, directory: Path) -> Path:
    """Move ``path`` into ``directory`` under a name not taken yet (``name.1.ext``, ``name.2.ext``, …)."""
    directory.mkdir(parents=True, exist_ok=True)
    destination = directory / path.name
    number = 1
    while destination.exists():
        destination = directory / f"{path.stem}.{number}{path.suffix}"
        number += 1
    os.replace(path, destination)
    return destination


def move_aside(path: Path, error_dir: Path, reason: str, now: float, **about: str) -> Path:
    """Move a refused file into ``error_dir`` with ``<name>.report.txt`` beside it: the file, what else ``about``
    names (in its order), the time and the reason."""
    moved = move_into(path, error_dir)
    stamp = datetime.fromtimestamp(now, UTC).isoformat()
    lines = {"file": path.name, **about, "at": stamp, "reason": reason}
    report = moved.with_name(moved.name + ".report.txt")
    report.write_text("".join(f"{key}: {value}\n" for key, value in lines.items()), encoding="utf-8")
    return moved
