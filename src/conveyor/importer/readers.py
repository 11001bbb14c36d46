"""Reading Magento CSV files as a stream of records, cheaply.

A file is split into records on the bytes, without parsing fields: a physical line ends a record when the
enclosure characters seen so far balance (a doubled enclosure inside a value counts twice, so the parity rule
holds for well-formed CSV). That costs a few microseconds per record, so an unchanged record can be hashed
and skipped without ever being parsed; only records that have to be looked at go through the csv module.

Lines count from 1 with the header as line 1; a record that spans several lines (a description with newlines)
is reported at the line it starts on. A UTF-8 byte-order mark is tolerated.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from conveyor.importer.report import RowError

BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 22  # bytes read at a time


@dataclass(frozen=True, slots=True)
class CsvFormat:
    """How a file is written: Magento's defaults (comma, double quote, UTF-8)."""

    delimiter: str = ","
    enclosure: str = '"'
    encoding: str = "utf-8"


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as it stands in the file: the line it starts on and its bytes (line ending removed)."""

    line: int
    data: bytes


class CsvFileError(Exception):
    """The file cannot be read at all (missing, empty, no header); the whole file is rejected."""

    def __init__(self, error: RowError) -> None:
        self.error = error
        super().__init__(str(error))


class CsvFile:
    """A CSV file opened for streaming: ``header`` is read at once, records on demand."""

    def __init__(self, path: Path, csv_format: CsvFormat | None = None, name: str | None = None) -> None:
        self.path = path
        self.format = csv_format or CsvFormat()
        self.name = name or path.name
        self._quote = self.format.enclosure.encode(self.format.encoding)
        self._records = self._split()
        try:
            first = next(self._records)
        except StopIteration:
            raise CsvFileError(RowError(self.name, 1, "", "The file is empty: it has no header row.")) from None
        except OSError as error:
            raise CsvFileError(RowError(self.name, 0, "", f"The file cannot be read: {error}")) from None
        header = self.parse([first])
        if not header or isinstance(header[0], RowError):
            raise CsvFileError(RowError(self.name, 1, "", "The header row cannot be read."))
        self.header = [column.strip() for column in header[0]]
        self.header_bytes = first.data
        if any(not column for column in self.header):
            raise CsvFileError(RowError(self.name, 1, "", "The header row has an empty column name."))
        duplicates = sorted({c for c in self.header if self.header.count(c) > 1})
        if duplicates:
            raise CsvFileError(RowError(self.name, 1, duplicates[0], "The column is in the header twice."))

    def records(self) -> Iterator[RawRecord]:
        """The data records in file order (blank lines skipped)."""
        return self._records

    def _split(self) -> Iterator[RawRecord]:
        quote = self._quote
        line_number = 0
        start_line = 1
        parts: list[bytes] = []
        open_quotes = 0
        first = True
        with self.path.open("rb") as handle:
            rest = b""
            while True:
                chunk = handle.read(_CHUNK)
                if first:
                    first = False
                    if chunk.startswith(BOM):
                        chunk = chunk[len(BOM) :]
                if not chunk:
                    lines = [rest] if rest else []
                else:
                    lines = (rest + chunk).split(b"\n")
                    rest = lines.pop()
                for line in lines:
                    line_number += 1
                    if not parts:
                        start_line = line_number
                    parts.append(line)
                    open_quotes += line.count(quote)
                    if open_quotes % 2:
                        continue
                    data = parts[0] if len(parts) == 1 else b"\n".join(parts)
                    parts = []
                    open_quotes = 0
                    if data.endswith(b"\r"):
                        data = data[:-1]
                    if data.strip():
                        yield RawRecord(start_line, data)
                if not chunk:
                    break
        if parts:  # an enclosure never closed: the rest of the file is one broken record
            yield RawRecord(start_line, b"\n".join(parts))

    def parse(self, records: Sequence[RawRecord]) -> list[list[str] | RowError]:
        """Fields of each record (a RowError for a record that is not valid CSV or not valid text)."""
        return parse_records(records, self.format, self.name)

    def leading_fields(self, data: bytes, count: int) -> list[bytes] | None:
        """The first ``count`` fields of a record without parsing the rest (None when a field is quoted in a
        way this shortcut does not handle; the caller then parses the record)."""
        delimiter = self.format.delimiter.encode(self.format.encoding)
        quote = self._quote
        fields = data.split(delimiter, count)  # the usual case: no enclosure among the first fields (C calls)
        end = len(data) - len(fields[count]) - 1 if len(fields) > count else len(data)
        if data.find(quote, 0, end) < 0:
            return fields[:count] if len(fields) >= count else fields + [b""] * (count - len(fields))
        fields = []
        position = 0
        size = len(data)
        for _ in range(count):
            if position > size:
                fields.append(b"")
                continue
            if data.startswith(quote, position):
                end = data.find(quote, position + 1)
                if end < 0:
                    return None
                following = data[end + 1 : end + 2]
                if following not in (delimiter, b""):
                    return None  # an escaped enclosure or text after the closing one
                fields.append(data[position + 1 : end])
                position = end + 2
            else:
                end = data.find(delimiter, position)
                if end < 0:
                    end = size
                value = data[position:end]
                if quote in value:
                    return None
                fields.append(value)
                position = end + 1
        return fields


def parse_records(records: Sequence[RawRecord], csv_format: CsvFormat, name: str) -> list[list[str] | RowError]:
    """Fields of each record of the file ``name`` (a RowError for a record that is not valid CSV or not valid
    text). A function of the records alone, so that worker processes parse without opening the file."""
    texts: list[str | RowError] = []
    for record in records:
        try:
            texts.append(record.data.decode(csv_format.encoding))
        except UnicodeDecodeError as error:
            texts.append(RowError(name, record.line, "", f"The row is not valid {csv_format.encoding}: {error.reason}"))
    out: list[list[str] | RowError] = []
    for record, text in zip(records, texts, strict=True):
        if isinstance(text, RowError):
            out.append(text)
            continue
        if text.count(csv_format.enclosure) % 2:
            out.append(RowError(name, record.line, "", "A quoted value is not closed."))
            continue
        try:
            fields = next(
                csv.reader([text], delimiter=csv_format.delimiter, quotechar=csv_format.enclosure, strict=False)
            )
        except (csv.Error, StopIteration) as error:
            out.append(RowError(name, record.line, "", f"The row is not valid CSV: {error}"))
            continue
        out.append(fields)
    return out


__all__ = ["CsvFile", "CsvFileError", "CsvFormat", "RawRecord", "parse_records"]
