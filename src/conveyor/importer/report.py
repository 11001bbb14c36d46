"""What an import reports: counts per outcome and every rejected row with file, line, column and reason.

Shared by the entity importers (which fill it), the file handling (which stores it beside the archived files)
and the history (which keeps it queryable).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class RowError:
    """One rejected row (or file): ``line`` counts from 1 with the header as line 1; column may be empty."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" + (f" column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    """The outcome of one import run (one bunch)."""

    entity: str
    operation: str
    files: list[str] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: int = 0  # unchanged (change-set or timestamp detection)
    skipped_not_newer: int = 0  # of those, the rows timestamp detection skipped (updated_at not newer)
    invalid: int = 0
    # valid rows that were not written because the bunch failed and rolled back (created, updated and deleted are
    # then 0: they count what the store holds, never what was undone)
    rolled_back: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # not errors: columns ignored, steps switched off …
    committed: bool = False  # False: nothing was written (dry run, or the bunch failed and rolled back)
    failure: str | None = None  # why the whole bunch failed, when it did
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.failure is None

    def roll_back(self) -> None:
        """The bunch failed and nothing of it was written: its would-be writes count as rolled back."""
        self.rolled_back += self.created + self.updated + self.deleted
        self.created = self.updated = self.deleted = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        fields = {k: v for k, v in data.items() if k != "ok"}
        fields["errors"] = [RowError(**e) for e in fields.get("errors", [])]
        fields["warnings"] = list(fields.get("warnings", []))
        return cls(**fields)
