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
    """One record as it stands in the file: the line it starts on, its bytes (line ending removed) and the byte
    offset in the file where it starts (so that an error can name the very byte)."""

    line: int
    data: bytes
    offset: int = 0


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
        position = start_offset = 0  # the file offset of the next line, and of the record's first line
        with self.path.open("rb") as handle:
            rest = b""
            while True:
                chunk = handle.read(_CHUNK)
                if first:
                    first = False
                    if chunk.startswith(BOM):
                        chunk = chunk[len(BOM) :]
                        position = len(BOM)
                if not chunk:
                    lines = [rest] if rest else []
                else:
                    lines = (rest + chunk).split(b"\n")
                    rest = lines.pop()
                for line in lines:
                    line_number += 1
                    if not parts:
                        start_line, start_offset = line_number, position
                    position += len(line) + 1
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
                        yield RawRecord(start_line, data, start_offset)
                if not chunk:
                    break
        if parts:  # an enclosure never closed: the rest of the file is one broken record
            yield RawRecord(start_line, b"\n".join(parts), start_offset)

    def parse(self, records: Sequence[RawRecord]) -> list[list[str] | RowError]:
        """Fields of each record (a RowError for a record that is not valid CSV or not valid text)."""
        return parse_records(records, self.format, self.name, getattr(self, "header", ()))

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


def read_records(path: Path, spans: Sequence[tuple[int, int, int]]) -> list[RawRecord]:
    """The records at ``spans`` (line, byte offset, bytes; in file order, as the scan found them) read again, in
    one read of the file from the first to the end of the last: a reading worker fetches its partition itself
    instead of receiving its bytes through the importing process."""
    if not spans:
        return []
    start = spans[0][1]
    with path.open("rb") as handle:
        handle.seek(start)
        block = handle.read(spans[-1][1] + spans[-1][2] - start)
    return [RawRecord(line, block[offset - start : offset - start + size], offset) for line, offset, size in spans]


def parse_records(
    records: Sequence[RawRecord], csv_format: CsvFormat, name: str, header: Sequence[str] = ()
) -> list[list[str] | RowError]:
    """Fields of each record of the file ``name`` (a RowError for a record that is not valid CSV or not valid
    text, naming the column — from ``header`` — and the byte offset in the file where it goes wrong). A function
    of the records alone, so that worker processes parse without opening the file."""
    out: list[list[str] | RowError] = []
    for record in records:
        try:
            text = record.data.decode(csv_format.encoding)
        except UnicodeDecodeError as error:
            out.append(_decode_error(record, error, csv_format, name, header))
            continue
        opened = _open_enclosure(text, csv_format)
        if opened is not None:
            field, position = opened
            offset = record.offset + len(text[:position].encode(csv_format.encoding))
            message = f"A quoted value is not closed (it opens at byte {offset})."
            out.append(RowError(name, record.line, _column(header, field), message))
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


def _scan(text: str, csv_format: CsvFormat, stop: int) -> tuple[int, int | None]:
    """The index of the field at character ``stop`` of a record, and where a still-open enclosure opened by then
    (None: none is open). Every enclosure toggles, as in the parity rule that splits the records."""
    field, opened = 0, None
    delimiter, enclosure = csv_format.delimiter, csv_format.enclosure
    for position, char in enumerate(text[:stop]):
        if char == enclosure:
            opened = position if opened is None else None
        elif char == delimiter and opened is None:
            field += 1
    return field, opened


def _open_enclosure(text: str, csv_format: CsvFormat) -> tuple[int, int] | None:
    """(field index, character position) of an enclosure never closed in the record, else None."""
    if text.count(csv_format.enclosure) % 2 == 0:
        return None
    _, opened = _scan(text, csv_format, len(text))
    if opened is None:  # an odd count always leaves one open; kept total for the type checker
        opened = text.rindex(csv_format.enclosure)
    field, _ = _scan(text, csv_format, opened)
    return field, opened


def _column(header: Sequence[str], field: int) -> str:
    return header[field] if field < len(header) else ""


def _decode_error(
    record: RawRecord, error: UnicodeDecodeError, csv_format: CsvFormat, name: str, header: Sequence[str]
) -> RowError:
    """The byte of the file that is not valid text, its column, and a hint when it reads as latin-1 letters."""
    # latin-1 maps every byte to one character: positions stay byte positions, delimiters stay themselves
    as_bytes = record.data.decode("latin-1")
    field, _ = _scan(as_bytes, csv_format, error.start)
    offset = record.offset + error.start
    bad = as_bytes[error.start : error.end]
    hint = ""
    if csv_format.encoding.replace("_", "-").lower() in ("utf-8", "utf8") and bad and all(c.isalpha() for c in bad):
        hint = "; it looks like latin-1: use --encoding latin-1"
    message = f"byte {offset}: invalid {csv_format.encoding} ({error.reason}){hint}."
    return RowError(name, record.line, _column(header, field), message)


__all__ = ["CsvFile", "CsvFileError", "CsvFormat", "RawRecord", "parse_records", "read_records"]
