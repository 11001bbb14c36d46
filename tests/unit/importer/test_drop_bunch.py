"""``drop_bunch``: uploaded files land in the watched directory with a listing OK-file per bunch, or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from conveyor.importer import BunchError, discover, drop_bunch

ROWS = b"sku,name\nMH01,Hoodie\n"


def test_each_bunch_gets_a_listing_ok_file_the_watch_discovers(tmp_path: Path) -> None:
    written = drop_bunch(
        tmp_path,
        [
            ("product-import_20261207_01.csv", ROWS),
            ("product-import_20261207_02.csv", ROWS),
            ("customer-import_20261207_01.csv", b"email\n"),
        ],
    )
    assert [p.name for p in written] == ["customer-import_20261207.ok", "product-import_20261207.ok"]
    bunches = {b.prefix: (b.entity, list(b.files)) for b in discover(tmp_path)}
    assert bunches == {
        "customer-import_20261207": ("customers", ["customer-import_20261207_01.csv"]),
        "product-import_20261207": ("products", ["product-import_20261207_01.csv", "product-import_20261207_02.csv"]),
    }


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../product-import_1_01.csv", "not a plain file name"),
        ("product-import_1_01.xlsx", "only .csv files import"),
        ("holiday_01.csv", "its kind 'holiday' names no entity"),
        ("product-import_waiting_01.csv", "is in the watched directory already"),
        ("product-import_waiting_02.csv", "the bunch product-import_waiting is waiting to be imported already"),
    ],
)
def test_a_bad_name_writes_nothing_and_says_why(tmp_path: Path, name: str, reason: str) -> None:
    (tmp_path / "product-import_waiting_01.csv").write_bytes(ROWS)
    (tmp_path / "product-import_waiting.ok").write_bytes(b"")
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(BunchError, match=reason.replace(".", r"\.")):
        drop_bunch(tmp_path, [("customer-import_fine_01.csv", b"email\n"), (name, ROWS)])
    assert sorted(p.name for p in tmp_path.iterdir()) == before
