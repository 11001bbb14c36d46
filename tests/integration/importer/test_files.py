"""OK-files, bunch discovery and working directories: real files in temporary folders, no database."""

from __future__ import annotations

import zipfile
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conveyor.importer.files import (
    MANIFEST,
    REPORT,
    Bunch,
    OkFileError,
    WorkingDir,
    bunch_prefix,
    create_ok_files,
    discover,
    entity_for,
    matches,
    new_token,
    parse_ok_file,
    plan,
    remove_finished,
    working_dirs,
)
from conveyor.importer.report import ImportReport, RowError

BUNCH = "product-import_20161021-161909"


def write(directory: Path, name: str, text: str = "sku,name\nA,a\n") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


# --- names and OK-files ------------------------------------------------------------------------------------------
def test_the_entity_comes_from_the_kind_before_the_first_underscore() -> None:
    assert entity_for(BUNCH) == "products"
    assert entity_for("product-import") == "products"
    assert entity_for("category-import_20161024-194026") == "categories"
    assert entity_for("customer-import_20181213-132802") == "customers"
    assert entity_for("customer-address-import_20181217-085523") == "customer-addresses"
    assert entity_for("attribute-set-import_20190104-114000") == "attribute-sets"
    assert entity_for("attribute-import_20170428-124902") == "attributes"
    assert entity_for("advanced-pricing-import_1") == entity_for("tier-price-import_1") == "tier-prices"
    assert entity_for("product-import-tier-price_20190425-131237") == "tier-prices"
    assert entity_for("inventory-msi-import_1") == entity_for("stock-import_1") == "stock"
    assert entity_for("product-import-inventory-msi_20190423-100739") == "stock"
    assert entity_for("unknown-import_1") is None
    assert entity_for("erp-items_1", {"erp-items": "products"}) == "products"


def test_a_token_is_unique_and_fits_the_history_run_key_whatever_the_prefix() -> None:
    long = "product-import_" + "x" * 300
    tokens = {new_token(long) for _ in range(100)}
    assert len(tokens) == 100 and all(len(t) <= 191 and t.startswith("product-import_x") for t in tokens)
    assert new_token(BUNCH).startswith(f"{BUNCH}.")


def test_bunch_prefix_drops_suffix_and_sequence_number() -> None:
    assert bunch_prefix(f"{BUNCH}_01.csv") == BUNCH
    assert bunch_prefix(f"{BUNCH}_04.CSV") == BUNCH
    assert bunch_prefix("stock-import.csv") == "stock-import"
    assert bunch_prefix("category-import_2016.csv") == "category-import"
    assert bunch_prefix("_01.csv") == "_01"


def test_an_empty_ok_file_takes_names_continuing_with_underscore_or_dot_only() -> None:
    assert matches("product-import", f"{BUNCH}_01.csv")
    assert matches("product-import", "product-import.csv")
    assert not matches("product-import", "product-import-price_2017_01.csv")
    assert not matches("product-import", "product-import")
    assert not matches(BUNCH, "product-import_20161021-161910_01.csv")


def test_parse_ok_file_reads_names_and_rejects_what_is_not_a_file_name() -> None:
    text = "\ufeff# the bunch\r\n\r\n a_01.csv \r\n/var/import/a_02.csv\r\nC:\\drop\\a_03.csv\r\na_01.csv\r\n"
    assert parse_ok_file(text) == ["a_01.csv", "a_02.csv", "a_03.csv"]
    assert parse_ok_file("") == parse_ok_file("\n  \n# only a comment\n") == []
    with pytest.raises(OkFileError, match="line 2"):
        parse_ok_file("a.csv\n..\n")
    with pytest.raises(OkFileError, match="OK-file"):
        parse_ok_file("other.ok\n")


NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=20).filter(
    lambda n: n not in (".", "..") and not n.lower().endswith(".ok")
)


@given(
    names=st.lists(NAME, max_size=8),
    noise=st.lists(st.sampled_from(["", "   ", "# comment", "#"]), max_size=8),
    newline=st.sampled_from(["\n", "\r\n"]),
    directory=st.sampled_from(["", "/srv/drop/", "C:\\drop\\"]),
)
def test_parse_ok_file_round_trips_any_listing(
    names: list[str], noise: list[str], newline: str, directory: str
) -> None:
    lines = [f" {directory}{n} " for n in names]
    for index, extra in enumerate(noise):
        lines.insert(min(index * 2, len(lines)), extra)
    expected = list(dict.fromkeys(names))
    assert parse_ok_file(newline.join(lines)) == expected


@given(st.text(max_size=200))
def test_parse_ok_file_never_fails_otherwise_and_returns_plain_names(text: str) -> None:
    try:
        names = parse_ok_file(text)
    except OkFileError:
        return
    for name in names:
        assert name and "/" not in name and "\\" not in name and name not in (".", "..")
        assert not name.lower().endswith(".ok") and name == name.strip()


# --- planning bunches --------------------------------------------------------------------------------------------
def test_plan_gives_each_file_to_one_bunch_and_leaves_files_without_ok_file_alone() -> None:
    names = [
        f"{BUNCH}_01.csv",
        f"{BUNCH}_02.csv",
        f"{BUNCH}.ok",
        "product-import_20170101-000000_01.csv",  # no OK-file of its own, but product-import.ok takes it
        "product-import.ok",
        "category-import_2016_01.csv",  # no OK-file at all
        "customer-import_1_01.csv",
        "customer-import_1_02.csv",
        "customer-import_1.ok",  # lists only one of them
        "notes.txt",
        "erp-items_1_01.csv",
        "erp-items_1.ok",
    ]
    contents = {"customer-import_1.ok": "customer-import_1_02.csv\n"}
    bunches = {b.ok_file: b for b in plan(names, lambda n: contents.get(n, ""))}
    assert bunches[f"{BUNCH}.ok"] == Bunch(BUNCH, "products", f"{BUNCH}.ok", (f"{BUNCH}_01.csv", f"{BUNCH}_02.csv"))
    assert bunches["product-import.ok"].files == ("product-import_20170101-000000_01.csv",)
    assert bunches["customer-import_1.ok"].files == ("customer-import_1_02.csv",)
    assert bunches["customer-import_1.ok"].listed
    assert bunches["erp-items_1.ok"].entity is None  # unknown kind: left alone by the watcher
    covered = {n for b in bunches.values() for n in b.files}
    assert "category-import_2016_01.csv" not in covered and "customer-import_1_01.csv" not in covered
    assert "notes.txt" not in covered
    assert all(b.problem is None for b in bunches.values())


def test_plan_reports_what_cannot_be_imported() -> None:
    names = ["a-import_1.ok", "b-import_1.ok", "b-import_1_01.csv", "c-import_1.ok", "d-import_1.ok", "x.csv"]
    contents = {
        "a-import_1.ok": "",  # empty and nothing matches
        "b-import_1.ok": "b-import_1_01.csv\nb-import_1_02.csv\n",  # lists a file that is not there
        "c-import_1.ok": "x.csv\n",
        "d-import_1.ok": "x.csv\nreport.json\n",  # x.csv is c's already; report.json is reserved
    }
    bunches = {b.ok_file: b for b in plan(names, contents.__getitem__)}
    assert "no file matches" in (bunches["a-import_1.ok"].problem or "")
    assert bunches["b-import_1.ok"].problem == "b-import_1.ok lists files that are not available: b-import_1_02.csv"
    assert bunches["b-import_1.ok"].files == ("b-import_1_01.csv",)  # goes to failed/ with the OK-file
    assert bunches["c-import_1.ok"].problem is None and bunches["c-import_1.ok"].files == ("x.csv",)
    problem = bunches["d-import_1.ok"].problem or ""
    assert "x.csv (also listed in c-import_1.ok)" in problem and "report.json (a reserved name)" in problem


def test_the_longest_prefix_keeps_its_files_beside_a_catch_all_ok_file() -> None:
    names = ["product-import.ok", f"{BUNCH}.ok", f"{BUNCH}_01.csv", "product-import_2017_01.csv"]
    bunches = {b.ok_file: b for b in plan(names, lambda n: "")}
    assert bunches[f"{BUNCH}.ok"].files == (f"{BUNCH}_01.csv",)
    assert bunches["product-import.ok"].files == ("product-import_2017_01.csv",)


KINDS = ["product-import", "category-import", "stock-import"]


@st.composite
def directories(draw: st.DrawFn) -> tuple[list[str], dict[str, str]]:
    """Random folders: data files of a few bunches, and OK-files (empty, or listing some present or absent files)."""
    files = draw(
        st.lists(
            st.builds(
                lambda k, b, n, s: f"{k}_{b}_{n:02d}{s}",
                st.sampled_from(KINDS),
                st.sampled_from(["1", "2"]),
                st.integers(1, 3),
                st.sampled_from([".csv", ".txt"]),
            ),
            max_size=10,
            unique=True,
        )
    )
    oks: dict[str, str] = {}
    for prefix in draw(st.lists(st.sampled_from(KINDS + [f"{k}_{b}" for k in KINDS for b in "12"]), unique=True)):
        candidates = [*files, f"{prefix}_9_01.csv"]
        listed = draw(st.lists(st.sampled_from(candidates), max_size=3)) if draw(st.booleans()) else []
        oks[f"{prefix}.ok"] = "".join(f"{n}\n" for n in listed)
    return files + list(oks), oks


@settings(max_examples=150, deadline=None)
@given(directories())
def test_plan_invariants(folder: tuple[list[str], dict[str, str]]) -> None:
    names, oks = folder
    bunches = plan(names, oks.__getitem__)
    assert sorted(b.ok_file for b in bunches) == sorted(oks)
    seen: set[str] = set()
    for bunch in bunches:
        assert not seen & set(bunch.files), "a file is in two bunches"
        seen |= set(bunch.files)
        listed = parse_ok_file(oks[bunch.ok_file])
        for name in bunch.files:
            assert name in names and not name.endswith(".ok")
            if listed:
                assert name in listed  # a listing OK-file takes nothing it does not list
            else:
                assert matches(bunch.prefix, name) and name.endswith(".csv")
        if listed and bunch.problem is None:
            assert sorted(bunch.files) == sorted(listed)
    uncovered = [n for n in names if not n.endswith(".ok")]
    for name in uncovered:
        claimable = any(
            name in parse_ok_file(text)
            or (not parse_ok_file(text) and matches(ok[:-3], name) and name.endswith(".csv"))
            for ok, text in oks.items()
        )
        if not claimable:
            assert name not in seen, "a file without its OK-file was taken"


# --- on disk -----------------------------------------------------------------------------------------------------
def test_discover_reads_the_folder_and_ignores_hidden_files_and_subfolders(tmp_path: Path) -> None:
    write(tmp_path, f"{BUNCH}_01.csv")
    write(tmp_path, f".{BUNCH}_02.csv")  # an upload in progress
    write(tmp_path, f"{BUNCH}.ok", "")
    (tmp_path / "working").mkdir()
    write(tmp_path / "working", f"{BUNCH}_03.csv")
    (bunch,) = discover(tmp_path)
    assert bunch.files == (f"{BUNCH}_01.csv",)


def test_create_ok_files_lists_each_bunch_present_once(tmp_path: Path) -> None:
    for n in (1, 2):
        write(tmp_path, f"{BUNCH}_0{n}.csv")
    write(tmp_path, "category-import_2016_01.csv")
    write(tmp_path, "customer-import_2018_01.csv")
    write(tmp_path, "customer-import_2018.ok", "")  # covered already
    write(tmp_path, "readme.txt")
    written = create_ok_files(tmp_path)
    assert sorted(p.name for p in written) == ["category-import_2016.ok", f"{BUNCH}.ok"]
    assert (tmp_path / f"{BUNCH}.ok").read_text() == f"{BUNCH}_01.csv\n{BUNCH}_02.csv\n"
    assert create_ok_files(tmp_path) == []  # nothing left without an OK-file
    write(tmp_path, f"{BUNCH}_03.csv")  # arrives later: not swept into the listed bunch
    bunches = {b.prefix: b for b in discover(tmp_path)}
    assert bunches[BUNCH].files == (f"{BUNCH}_01.csv", f"{BUNCH}_02.csv")
    assert bunches["customer-import_2018"].files == ("customer-import_2018_01.csv",)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_create_ok_files_with_a_prefix_writes_one_empty_ok_file(tmp_path: Path) -> None:
    write(tmp_path, f"{BUNCH}_01.csv")
    write(tmp_path, "product-import_2017_01.csv")
    write(tmp_path, "category-import_2016_01.csv")
    (written,) = create_ok_files(tmp_path, prefix="product-import", listing=False)
    assert written.name == "product-import.ok" and written.read_text() == ""
    (bunch,) = discover(tmp_path)
    assert bunch.files == (f"{BUNCH}_01.csv", "product-import_2017_01.csv")


def claim(tmp_path: Path, files: int = 3) -> tuple[Path, Path, WorkingDir]:
    source, working = tmp_path / "in", tmp_path / "in" / "working"
    source.mkdir()
    for n in range(1, files + 1):
        write(source, f"{BUNCH}_0{n}.csv", f"sku,name\nS{n},n{n}\n")
    write(source, f"{BUNCH}.ok", "")
    (bunch,) = discover(source)
    return source, working, WorkingDir.create(working, bunch, source, "lock-1", {"operation": "replace"})


def test_a_claim_writes_the_manifest_before_any_file_moves_and_can_be_finished_after_a_crash(tmp_path: Path) -> None:
    source, working, claimed = claim(tmp_path)
    assert sorted(p.name for p in claimed.path.iterdir()) == [MANIFEST]
    manifest = orjson.loads((claimed.path / MANIFEST).read_bytes())
    assert (
        manifest["files"] == [f"{BUNCH}_0{n}.csv" for n in (1, 2, 3)] and manifest["options"]["operation"] == "replace"
    )
    # the claimer died after moving one file: the OK-file is still in the source, the manifest knows the rest
    (source / f"{BUNCH}_02.csv").rename(claimed.path / f"{BUNCH}_02.csv")
    resumed = WorkingDir.open(working_dirs(working)[0])
    assert resumed is not None and resumed.manifest == claimed.manifest
    assert resumed.gather() == []
    assert sorted(p.name for p in source.iterdir() if p.is_file()) == []
    assert [p.name for p in resumed.files()] == [f"{BUNCH}_0{n}.csv" for n in (1, 2, 3)]
    assert (resumed.path / f"{BUNCH}.ok").exists()
    assert resumed.gather() == []  # again: nothing moves, nothing missing
    (resumed.path / f"{BUNCH}_03.csv").unlink()
    assert resumed.gather() == [f"{BUNCH}_03.csv"] and resumed.missing() == [f"{BUNCH}_03.csv"]


def test_archive_zips_files_ok_file_and_report_and_leaves_nothing_behind(tmp_path: Path) -> None:
    _, working, claimed = claim(tmp_path)
    claimed.gather()
    report = ImportReport("products", "add-update", files=[f"{BUNCH}_01.csv"], rows=3, created=3, committed=True)
    claimed.write_report(report)
    assert claimed.read_report() == report
    archive = tmp_path / "archive"
    zipped = claimed.archive(archive)
    assert zipped == archive / f"{claimed.token}.zip"
    with zipfile.ZipFile(zipped) as z:
        assert sorted(z.namelist()) == sorted([f"{BUNCH}_0{n}.csv" for n in (1, 2, 3)] + [f"{BUNCH}.ok", REPORT])
        assert z.read(f"{BUNCH}_02.csv") == b"sku,name\nS2,n2\n"
        assert ImportReport.from_dict(orjson.loads(z.read(REPORT))) == report
    assert ImportReport.from_dict(orjson.loads((archive / f"{claimed.token}.json").read_bytes())) == report
    assert list(working.iterdir()) == [] and sorted(p.name for p in archive.iterdir()) == [
        f"{claimed.token}.json",
        f"{claimed.token}.zip",
    ]


def test_fail_moves_the_whole_directory_with_its_report(tmp_path: Path) -> None:
    _, working, claimed = claim(tmp_path, files=2)
    claimed.gather()
    report = ImportReport("products", "add-update", failure="bad", errors=[RowError(f"{BUNCH}_02.csv", 2, "sku", "x")])
    claimed.write_report(report)
    moved = claimed.fail(tmp_path / "failed")
    assert moved == tmp_path / "failed" / claimed.token and list(working.iterdir()) == []
    assert sorted(p.name for p in moved.iterdir()) == sorted(
        [f"{BUNCH}_01.csv", f"{BUNCH}_02.csv", f"{BUNCH}.ok", REPORT]
    )
    assert ImportReport.from_dict(orjson.loads((moved / REPORT).read_bytes())) == report


def test_leftovers_of_an_interrupted_clean_up_are_removed_and_never_look_like_a_bunch(tmp_path: Path) -> None:
    working = tmp_path / "working"
    (working / ".product-import.x.done").mkdir(parents=True)
    write(working / ".product-import.x.done", "half-deleted.csv")
    assert working_dirs(working) == []
    remove_finished(working)
    assert list(working.iterdir()) == []
