"""The streaming CSV reader, property-tested against the csv module: records split without parsing come out
as the same rows, at the line they start on, with or without a byte-order mark and CRLF line endings; the
shortcut that reads a record's first fields agrees with the full parse."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conveyor.importer.readers import BOM, CsvFile, CsvFileError, CsvFormat, read_records
from conveyor.importer.report import RowError

cell = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\r"), max_size=12)
rows = st.lists(st.lists(cell, min_size=3, max_size=3), max_size=12)


def _write(
    path: Path, header: list[str], data: list[list[str]], *, bom: bool, crlf: bool, delimiter: str = ","
) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n").writerows([header, *data])
    path.write_bytes((BOM if bom else b"") + buffer.getvalue().encode("utf-8"))


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows, st.booleans(), st.booleans())
def test_records_are_the_csv_modules_rows_at_their_first_line(
    tmp_path: Path, data: list[list[str]], bom: bool, crlf: bool
) -> None:
    path = tmp_path / "file.csv"
    _write(path, ["sku", "store_view_code", "name"], data, bom=bom, crlf=crlf)
    expected: list[tuple[int, list[str]]] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        next(reader)
        previous = reader.line_num
        for fields in reader:
            start, previous = previous + 1, reader.line_num
            if fields:  # the csv module skips nothing but empty lines as well
                expected.append((start, fields))
    csv_file = CsvFile(path)
    assert csv_file.header == ["sku", "store_view_code", "name"]
    records = list(csv_file.records())
    parsed = csv_file.parse(records)
    assert [(record.line, fields) for record, fields in zip(records, parsed, strict=True)] == expected
    for record, cells in zip(records, parsed, strict=True):
        assert isinstance(cells, list)
        leading = csv_file.leading_fields(record.data, 2)
        if leading is not None:
            assert [value.decode() for value in leading] == cells[:2]


def test_semicolons_and_a_missing_or_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    _write(path, ["sku", "name"], [["A;1", "x"]], bom=False, crlf=False, delimiter=";")
    csv_file = CsvFile(path, CsvFormat(delimiter=";"))
    assert csv_file.parse(list(csv_file.records())) == [["A;1", "x"]]
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CsvFileError, match="empty"):
        CsvFile(empty)
    with pytest.raises(CsvFileError, match="cannot be read"):
        CsvFile(tmp_path / "missing.csv")
    twice = tmp_path / "twice.csv"
    twice.write_text("sku,name,sku\n", encoding="utf-8")
    with pytest.raises(CsvFileError) as raised:
        CsvFile(twice)
    assert (raised.value.error.line, raised.value.error.column) == (1, "sku")


def test_a_description_over_several_lines_is_one_record_at_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    path.write_text('sku,description\nA,"one\ntwo ""quoted""\nthree"\nB,plain\n', encoding="utf-8")
    csv_file = CsvFile(path)
    records = list(csv_file.records())
    assert [r.line for r in records] == [2, 5]
    assert csv_file.parse(records) == [["A", 'one\ntwo "quoted"\nthree'], ["B", "plain"]]


_piece = st.sampled_from([b",", b'"', b'""', b"\n", b"\r\n", b"a", b"Gr\xfcn", "é".encode(), b"\xff\xfe", b"x y", b""])
_content = st.lists(_piece, max_size=40).map(b"".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(_content, st.binary(max_size=200)), st.booleans(), st.booleans())
def test_any_bytes_never_crash_and_every_rejection_names_file_line_and_place(
    tmp_path: Path, body: bytes, with_header: bool, bom: bool
) -> None:
    """Random bytes and rows: the reader either rejects the file (naming it and line 1) or yields records whose
    rejections name the file, a line of the file, and — for bad text or an open quote — a byte of the file that
    is really the culprit."""
    path = tmp_path / "fuzz.csv"
    data = (BOM if bom else b"") + (b"sku,name,price\n" if with_header else b"") + body
    path.write_bytes(data)
    try:
        csv_file = CsvFile(path)
    except CsvFileError as error:
        assert error.error.file == "fuzz.csv" and error.error.line in (0, 1) and error.error.message
        return
    lines = data.count(b"\n") + 1
    records = list(csv_file.records())
    # a reading worker reads a partition again from the places the scan found: the same records, every one or some
    for chosen in (records, records[1::2]):
        assert read_records(path, [(r.line, r.offset, len(r.data)) for r in chosen]) == chosen
    for record, parsed in zip(records, csv_file.parse(records), strict=True):
        assert data[record.offset : record.offset + len(record.data)] == record.data
        if isinstance(parsed, list):
            continue
        assert parsed.file == "fuzz.csv" and 2 <= parsed.line <= lines and parsed.message
        assert parsed.column in ("", *csv_file.header)
        if parsed.message.startswith("byte "):
            offset = int(parsed.message.split()[1].rstrip(":"))
            assert data[offset] >= 0x80  # where the text really goes wrong
        elif "opens at byte" in parsed.message:
            offset = int(parsed.message.rsplit(" ", 1)[1].rstrip(").").rstrip(")"))
            assert data[offset : offset + 1] == b'"'


def test_rejections_name_the_column_and_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    data = b'sku,name,price\nA,ok,1\nB,"open,2\n'
    path.write_bytes(data)
    csv_file = CsvFile(path)
    records = list(csv_file.records())
    assert [r.offset for r in records] == [15, 22]
    quote = data.index(b'"')
    assert csv_file.parse(records)[1] == RowError(
        "bad.csv", 3, "name", f"A quoted value is not closed (it opens at byte {quote})."
    )
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"sku,name,price\nA,Gr\xfcn,1\nB,x,\x80\n")
    csv_file = CsvFile(latin)
    first, second = csv_file.parse(list(csv_file.records()))
    assert first == RowError(
        "latin.csv",
        2,
        "name",
        "byte 19: invalid utf-8 (invalid start byte); it looks like latin-1: use --encoding latin-1.",
    )
    assert second == RowError("latin.csv", 3, "price", "byte 28: invalid utf-8 (invalid start byte).")
