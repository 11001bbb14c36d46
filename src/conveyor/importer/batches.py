"""Reading a partition of a file into what an entity importer writes: parse, map, convert, prepare.

The part of an import that needs no database. The runner's reading thread and the worker processes of a
parallel import (``conveyor.importer.parallel``) both run it, so a bunch makes the same batches either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conveyor.importer.base import EntityImporter, SourceRow
from conveyor.importer.changes import Stored
from conveyor.importer.profile import Profile
from conveyor.importer.readers import CsvFormat, parse_records, read_records
from conveyor.importer.report import RowError
from conveyor.importer.values import ParseError
from conveyor.importer.wire import compact_pickle


@compact_pickle
@dataclass(slots=True)
class Pending:
    """A record of the scan pass: where it is, what it names, and whether it must be processed."""

    line: int
    key: str
    store_code: str
    store_id: int | None
    content_hash: str
    process: bool = True
    stored: Stored | None = None
    folded: str = ""  # the key casefolded (keys compare case-insensitively), made once per record
    offset: int = 0  # where the record starts in its file, and its length in bytes (read again by the reader)
    size: int = 0


@dataclass(slots=True)
class BatchTask:
    """A partition of one file to read: its records as the scan found them (the reader reads their bytes from
    ``path``), and how many unchanged records before them it accounts for (so that progress counts every row)."""

    file: str
    columns: list[str]
    csv_format: CsvFormat
    records: list[Pending]
    passed: int = 0
    path: str = ""
    ids: dict[str, int] = field(default_factory=dict)  # folded key → the id reserved for its new entity


@dataclass(slots=True)
class Batch:
    """A partition read: what the importer's ``prepare`` made of its rows, and the rows' errors."""

    records: int  # records of the file this batch accounts for (skipped unchanged ones included)
    skipped: int = 0  # rows skipped by timestamp detection
    errors: list[RowError] = field(default_factory=list)
    prepared: Any = None
    warnings: list[str] = field(default_factory=list)  # what a worker process's importer warned about


class BatchReader:
    """Turns BatchTasks into Batches for one import (its profile and entity importer)."""

    def __init__(self, profile: Profile, importer: EntityImporter) -> None:
        self.profile = profile
        self.importer = importer
        self._clearable: dict[tuple[tuple[str, ...], bool], list[str]] = {}

    def read(self, task: BatchTask) -> Batch:
        batch = Batch(records=len(task.records) + task.passed)
        rows: list[SourceRow] = []
        raw = read_records(Path(task.path), [(item.line, item.offset, item.size) for item in task.records])
        parsed = parse_records(raw, task.csv_format, task.file, task.columns)
        clean = self.profile.clean_up.empty_values
        for item, fields in zip(task.records, parsed, strict=True):
            if isinstance(fields, RowError):
                batch.errors.append(fields)
                continue
            clear = self._cleared_columns(task.columns, bool(item.store_id)) if clean else []
            row = self._row(task.file, task.columns, item, fields, batch, clear)
            if row is not None:
                if task.ids:
                    row.reserved_id = task.ids.get(item.folded)
                rows.append(row)
        if rows:
            batch.prepared = self.importer.prepare(rows)
        return batch

    def _cleared_columns(self, columns: list[str], store_view: bool) -> list[str]:
        """The header's columns whose empty cells remove stored values (``clean_up.empty_values``)."""
        key = (tuple(columns), store_view)
        found = self._clearable.get(key)
        if found is None:
            clearable = self.importer.clearable
            found = self._clearable[key] = [c for c in dict.fromkeys(columns) if clearable(c, store_view)]
        return found

    def _row(
        self, file: str, columns: list[str], item: Pending, fields: list[str], batch: Batch, clear: list[str]
    ) -> SourceRow | None:
        """A record's cells by Magento column, with the profile's defaults, converters and observers applied;
        the cells of ``clear`` columns still empty then hold the empty-value marker."""
        if len(fields) != len(columns):
            message = f"The row has {len(fields)} values but the header {len(columns)}."
            if len(fields) < len(columns):  # the first column without a value
                batch.errors.append(RowError(file, item.line, columns[len(fields)], message))
            else:  # the first value without a column
                batch.errors.append(RowError(file, item.line, "", f"{message} Values after {columns[-1]!r} are extra."))
            return None
        values = {column: value for column, value in zip(columns, fields, strict=True) if value}
        for column, default in self.profile.defaults.items():
            if column not in values and default:
                values[column] = default
        for column, convert in self.profile.column_converters.items():
            if column in values:
                try:
                    values[column] = convert(values[column])
                except ParseError as error:
                    batch.errors.append(RowError(file, item.line, column, str(error)))
                    return None
                if not values[column]:
                    del values[column]
        observers = self.profile.row_observers
        if observers:
            try:
                for observe in observers:
                    observe(values)
            except ParseError as error:
                batch.errors.append(RowError(file, item.line, error.column or "", str(error)))
                return None
            for column in [column for column, value in values.items() if not value]:
                del values[column]
        for column in clear:
            if column not in values:
                values[column] = self.profile.values.empty_value
        key_column = self.importer.key_column
        if key_column and item.key and key_column not in values:
            values[key_column] = item.key  # a continuation row
        row = SourceRow(file, item.line, values, item.key, item.store_id or 0, item.content_hash)
        if self.profile.change_detection.timestamps and "updated_at" in values:
            try:
                row.updated_at = self.profile.parsers.datetime(values["updated_at"])
            except ParseError:
                row.updated_at = None  # the importer reports the bad date
            stored = item.stored.source_updated_at if item.stored is not None else None
            if row.updated_at is not None and stored is not None and row.updated_at <= stored:
                batch.skipped += 1
                return None
        return row


__all__ = ["Batch", "BatchReader", "BatchTask", "Pending"]
