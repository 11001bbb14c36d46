"""The scan pass over one file: every record split, keyed and hashed, without parsing the rest of it.

A function of the file and a few settings; the runner keeps what depends on the whole bunch (duplicates across
files, store view ids, the error policy). It runs in the importing process: at a few microseconds a row it is
cheaper than starting the worker processes, which only the parsing pass needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from conveyor.importer.changes import RowHasher
from conveyor.importer.readers import CsvFile, CsvFormat

_LEADING_LIMIT = 4  # key columns within the first four are read without parsing the record


@dataclass(frozen=True, slots=True)
class ScanTask:
    """What scanning one file needs (its header was checked by the runner)."""

    path: Path
    csv_format: CsvFormat
    key_index: int | None
    store_index: int | None
    continuation: bool  # a row without a key but with a store view continues the previous row's entity
    fingerprint: str
    operation: str


@dataclass(slots=True)
class FileScan:
    """Per record of the file, in file order: its line, key, store view code, content hash and place in the file."""

    lines: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    store_codes: list[str] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)  # (byte offset, bytes): where to read it again


def scan_file(task: ScanTask) -> FileScan:
    csv_file = CsvFile(task.path, task.csv_format)
    key_index, store_index = task.key_index, task.store_index
    wanted = [i for i in (key_index, store_index) if i is not None]
    leading = max(wanted) + 1 if wanted and max(wanted) < _LEADING_LIMIT else 0
    hasher = RowHasher(task.fingerprint, task.operation, csv_file.header_bytes)
    encoding = task.csv_format.encoding
    found = FileScan()
    lines, keys, store_codes, hashes, spans = found.lines, found.keys, found.store_codes, found.hashes, found.spans
    continuation = task.continuation
    last_key = ""
    for record in csv_file.records():
        fields: list[str] | None = None
        if wanted:
            raw = csv_file.leading_fields(record.data, leading) if leading else None
            if raw is not None:
                try:
                    fields = [value.decode(encoding) for value in raw]
                except UnicodeDecodeError:
                    fields = None
            if fields is None:
                parsed = csv_file.parse([record])[0]
                fields = parsed if isinstance(parsed, list) else None
        key = store_code = ""
        if fields is not None:
            key = fields[key_index].strip() if key_index is not None and key_index < len(fields) else ""
            store_code = fields[store_index].strip() if store_index is not None and store_index < len(fields) else ""
        if not key and store_code and continuation:
            key = last_key
        elif key:
            last_key = key
        lines.append(record.line)
        keys.append(key)
        store_codes.append(store_code)
        hashes.append(hasher(record.data))
        spans.append((record.offset, len(record.data)))
    return found


__all__ = ["FileScan", "ScanTask", "scan_file"]
