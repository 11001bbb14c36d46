"""The shipped pipeline definitions load with the engine's loader, ship as package data, and say what they do."""

from __future__ import annotations

from importlib.resources import files

from conveyor.pipelines.definitions import PipelineDefinition, load_definitions
from conveyor.settings import SHIPPED_PIPELINES

NAMES = ["catalog_import", "clean_up", "media_import", "price_delta", "stock_delta"]


def shipped() -> dict[str, PipelineDefinition]:
    return load_definitions([SHIPPED_PIPELINES], plugins_too=False)


def test_every_shipped_definition_loads_and_validates() -> None:
    assert sorted(shipped()) == NAMES
    packaged = files("conveyor") / "examples" / "pipelines"
    assert sorted(p.name for p in packaged.iterdir() if p.name.endswith(".yaml")) == [f"{n}.yaml" for n in NAMES]


def test_the_catalog_import_imports_in_dependency_order_and_always_cleans_up() -> None:
    catalog = shipped()["catalog_import"]
    assert catalog.order() == [
        "claim_files",
        "attribute_sets",
        "attributes",
        "categories",
        "products",
        "archive_files",
        "keep_for_retry",
    ]
    entities = [catalog.step(s).arguments.get("entity") for s in ("attribute_sets", "attributes", "categories")]
    assert entities == ["attribute-sets", "attributes", "categories"]
    assert catalog.step("products").arguments == {"entity": "products", "images": "media/changed-images.txt"}
    assert catalog.dependencies()["products"] == ("claim_files", "categories")
    assert [s.name for s in catalog.steps if s.always] == ["keep_for_retry"]
    assert [c.name for c in catalog.conditions] == ["files", "not_running"]
    assert catalog.conditions[0].arguments["entities"] == ["attribute-sets", "attributes", "categories", "products"]
    assert catalog.working_dir is True


def test_the_deltas_are_one_step_on_a_schedule() -> None:
    for name, profile in (("stock_delta", "products-stock-only"), ("price_delta", None)):
        delta = shipped()[name]
        (step,) = delta.steps
        assert step.executor == "import" and step.arguments.get("profile") == profile
        schedule, found, _ = delta.conditions
        assert (schedule.name, schedule.arguments) == ("schedule", {"cron": "*/5 * * * *"})
        assert step.arguments["source"] == found.arguments["directory"]


def test_the_clean_up_compresses_and_deletes() -> None:
    clean_up = shipped()["clean_up"]
    assert [(s.executor, dict(s.arguments)) for s in clean_up.steps] == [
        ("compress", {"older_than": "7d"}),
        ("delete_old", {"days": 30}),
    ]
