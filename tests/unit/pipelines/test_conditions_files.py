"""The ``files`` and ``callable`` conditions: ready bunches in a real directory, a user's function."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.pipelines.conditions.callable import CallableCondition
from conveyor.pipelines.conditions.files import FilesCondition
from conveyor.pipelines.executors.arguments import ArgumentError
from conveyor.pipelines.ports import ConditionContext, ConditionResult

HERE = "tests.unit.pipelines.test_conditions_files"
PRODUCTS = "product-import_20161021-161909"
CATEGORIES = "category-import_20161024-194026"


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = sa.create_engine("sqlite://")
    yield engine
    engine.dispose()


def context(engine: Engine, arguments: dict[str, Any], name: str = "catalog_import") -> ConditionContext:
    return ConditionContext(engine=engine, now=datetime.now(UTC), pipeline_name=name, arguments=arguments)


def write(directory: Path, prefix: str, count: int, ok: str | None = "") -> list[str]:
    names = [f"{prefix}_{n:02d}.csv" for n in range(1, count + 1)]
    for name in names:
        (directory / name).write_text("sku\n1\n")
    if ok is not None:
        (directory / f"{prefix}.ok").write_text(ok)
    return names


def test_ready_bunches_are_found_and_handed_to_the_pipeline(engine: Engine, tmp_path: Path) -> None:
    products = write(tmp_path, PRODUCTS, 4)
    categories = write(tmp_path, CATEGORIES, 1)
    write(tmp_path, "attribute-import_20170428-124902", 1, ok=None)  # no OK-file: not seen
    result = FilesCondition().check(context(engine, {"directory": str(tmp_path)}))
    assert result.ok
    assert result.arguments == {
        "directory": str(tmp_path),
        "ok_files": [f"{CATEGORIES}.ok", f"{PRODUCTS}.ok"],
        "files": [*categories, *products],
    }


def test_files_without_their_ok_file_do_not_hold(engine: Engine, tmp_path: Path) -> None:
    write(tmp_path, PRODUCTS, 2, ok=None)
    result = FilesCondition().check(context(engine, {"directory": str(tmp_path), "pattern": "product-import_*"}))
    assert not result.ok
    assert result.reason == f"no ready bunch matching 'product-import_*' in {tmp_path}"
    assert result.arguments == {}


def test_pattern_and_entities_narrow_what_counts(engine: Engine, tmp_path: Path) -> None:
    write(tmp_path, PRODUCTS, 1)
    write(tmp_path, "customer-import_20181213-132802", 1)
    found = FilesCondition().check(context(engine, {"directory": str(tmp_path), "pattern": "customer-*.csv"}))
    assert found.arguments["ok_files"] == ["customer-import_20181213-132802.ok"]
    catalog = {"directory": str(tmp_path), "entities": ["attributes", "attribute-sets", "categories", "products"]}
    assert FilesCondition().check(context(engine, catalog)).arguments["ok_files"] == [f"{PRODUCTS}.ok"]
    assert not FilesCondition().check(context(engine, {**catalog, "entities": ["stock"]})).ok


def test_an_ok_file_listing_missing_files_says_why(engine: Engine, tmp_path: Path) -> None:
    write(tmp_path, PRODUCTS, 1, ok=f"{PRODUCTS}_01.csv\n{PRODUCTS}_02.csv\n")
    result = FilesCondition().check(context(engine, {"directory": str(tmp_path)}))
    assert not result.ok
    assert "lists files that are not available: product-import_20161021-161909_02.csv" in result.reason


def test_a_missing_directory_does_not_hold_and_bad_arguments_are_named(engine: Engine, tmp_path: Path) -> None:
    result = FilesCondition().check(context(engine, {"directory": str(tmp_path / "nope")}))
    assert not result.ok and result.reason == f"{tmp_path / 'nope'} is not a directory"
    with pytest.raises(ArgumentError, match="pipeline 'catalog_import', condition 'files': argument 'directory'"):
        FilesCondition().check(context(engine, {}))
    with pytest.raises(ArgumentError, match="argument 'entities' must be a list"):
        FilesCondition().check(context(engine, {"directory": str(tmp_path), "entities": [1]}))


# --- callable -----------------------------------------------------------------------------------------------------
def weekend_only(ctx: ConditionContext) -> bool:
    return ctx.now.weekday() >= 5


def orders_waiting(ctx: ConditionContext) -> ConditionResult:
    with ctx.engine.connect() as conn:
        waiting = conn.execute(sa.text("SELECT :n"), {"n": ctx.arguments["waiting"]}).scalar_one()
    if not waiting:
        return ConditionResult(False, "no order waits")
    return ConditionResult(True, arguments={"orders": waiting})


def not_an_answer(ctx: ConditionContext) -> str:
    return "yes"


def test_a_callable_decides_and_can_hand_arguments(engine: Engine) -> None:
    result = CallableCondition().check(context(engine, {"callable": f"{HERE}:orders_waiting", "waiting": 3}))
    assert result == ConditionResult(True, arguments={"orders": 3})
    assert CallableCondition().check(context(engine, {"callable": f"{HERE}:orders_waiting", "waiting": 0})) == (
        ConditionResult(False, "no order waits")
    )
    saturday = ConditionContext(engine, datetime(2025, 6, 7, tzinfo=UTC), "p", {"callable": f"{HERE}:weekend_only"})
    monday = ConditionContext(engine, datetime(2025, 6, 9, tzinfo=UTC), "p", {"callable": f"{HERE}:weekend_only"})
    assert CallableCondition().check(saturday).ok
    assert CallableCondition().check(monday) == ConditionResult(False, f"{HERE}:weekend_only said no")


def test_a_callable_with_a_wrong_answer_or_name_fails_clearly(engine: Engine) -> None:
    with pytest.raises(TypeError, match="returned str, expected a bool or a ConditionResult"):
        CallableCondition().check(context(engine, {"callable": f"{HERE}:not_an_answer"}))
    with pytest.raises(ArgumentError, match=r"condition 'callable': argument 'callable' .* cannot be loaded"):
        CallableCondition().check(context(engine, {"callable": f"{HERE}:nothing"}))
