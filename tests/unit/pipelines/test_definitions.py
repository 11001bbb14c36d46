"""Definitions: the YAML format, and every invalid case refused with file, pipeline, step and reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conveyor.pipelines.definitions import (
    DefinitionError,
    load_definitions,
    parse_duration,
    parse_pipeline,
    validate,
)
from tests.support.pipelines import register

register()

VALID = """
pipelines:
  - name: catalog
    description: Catalog import
    conditions:
      - test_always: {directory: drop}
      - not_running
    not_while: [prices]
    expire_in: 1h30m
    working_dir: true
    arguments: {profile: luma}
    stages:
      - name: claim
        steps:
          - {name: claim, executor: test, max_attempts: 3, expire_in: 10m}
      - name: import
        steps:
          - {name: attributes, executor: test}
          - {name: products, executor: test, depends_on: [attributes], with: {entity: products}}
          - {name: images, executor: test, depends_on: [products], conditions: [test_always]}
      - name: cleanup
        steps:
          - {name: archive, executor: test, conditions: [always], description: Archive the files}
  - name: prices
    after: catalog
    stages: [{name: only, steps: [{name: load, executor: test}]}]
"""


def write(tmp_path: Path, text: str, name: str = "defs.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_valid_file_loads_with_its_dependencies_and_conditions(tmp_path: Path) -> None:
    found = load_definitions([write(tmp_path, VALID)], plugins_too=False)
    catalog = found["catalog"]
    assert catalog.expire_in == 5400 and catalog.working_dir is True and catalog.arguments == {"profile": "luma"}
    assert [s.name for s in catalog.steps] == ["claim", "attributes", "products", "images", "archive"]
    deps = catalog.dependencies()
    assert deps["attributes"] == ("claim",)  # the previous stage is implied
    assert deps["products"] == ("claim", "attributes")
    assert deps["archive"] == ("attributes", "products", "images")
    assert catalog.order() == ["claim", "attributes", "products", "images", "archive"]
    claim, products, images, archive = (catalog.step(n) for n in ("claim", "products", "images", "archive"))
    assert claim.max_attempts == 3 and claim.expire_in == 600
    assert products.arguments == {"entity": "products"}
    assert [c.name for c in images.conditions] == ["test_always"] and not images.always
    assert archive.always and archive.conditions == () and archive.description == "Archive the files"
    assert [(c.name, dict(c.arguments)) for c in catalog.spawn_conditions()] == [
        ("test_always", {"directory": "drop"}),
        ("not_running", {}),
        ("not_running", {"pipeline": "prices"}),
    ]
    assert [(c.name, dict(c.arguments)) for c in found["prices"].spawn_conditions()] == [
        ("pipeline_finished", {"pipeline": "catalog"})
    ]


def one(stages: list[dict[str, Any]], **fields: Any) -> str:
    import yaml

    return yaml.safe_dump({"name": "p", **fields, "stages": stages})


STEP = {"name": "a", "executor": "test"}
INVALID = [
    (one([{"name": "s", "steps": [{"name": "a", "executor": "nope"}]}]), "'a'", "unknown executor 'nope'"),
    (one([{"name": "s", "steps": [STEP]}], conditions=["missing"]), None, "unknown condition 'missing'"),
    (
        one([{"name": "s", "steps": [{**STEP, "conditions": ["missing"]}]}]),
        "'a'",
        "unknown condition 'missing'",
    ),
    (
        one(
            [
                {
                    "name": "s",
                    "steps": [
                        {**STEP, "depends_on": ["c"]},
                        {"name": "b", "executor": "test", "depends_on": ["a"]},
                        {"name": "c", "executor": "test", "depends_on": ["b"]},
                    ],
                }
            ]
        ),
        "'a'",
        "dependency cycle: a -> c -> b -> a",
    ),
    (one([{"name": "s", "steps": [{**STEP, "depends_on": ["a"]}]}]), "'a'", "depends on itself"),
    (one([{"name": "s", "steps": [{**STEP, "depends_on": ["ghost"]}]}]), "'a'", "unknown step 'ghost'"),
    (one([{"name": "s", "steps": [STEP, STEP]}]), "'a'", "duplicate step name"),
    (one([{"name": "s", "steps": [STEP]}, {"name": "t", "steps": [STEP]}]), "'a'", "duplicate step name"),
    (one([{"name": "s", "steps": [STEP]}, {"name": "s", "steps": [{**STEP, "name": "b"}]}]), None, "duplicate stage"),
    (
        one([{"name": "s", "steps": [{**STEP, "depends_on": ["b"]}]}, {"name": "t", "steps": [{**STEP, "name": "b"}]}]),
        "'a'",
        "dependency cycle: depends on 'b' of the later stage 't'",
    ),
    (one([{"name": "s", "steps": [{**STEP, "max_attempt": 3}]}]), "'a'", "unknown step field(s) max_attempt"),
    (one([{"name": "s", "steps": [{**STEP, "max_attempts": 0}]}]), "'a'", "max_attempts 0 must be"),
    (one([{"name": "s", "steps": [STEP]}], expire_in="soon"), None, "expire_in: 'soon' is not a duration"),
    (one([{"name": "s", "steps": [{"name": "a"}]}]), "'a'", "executor is missing"),
    (one([{"name": "s", "steps": []}]), None, "steps must be a non-empty list"),
    (one([{"name": "s", "steps": [{**STEP, "conditions": ["always", "previous_succeeded"]}]}]), "'a'", "exclude"),
    (one([{"name": "s", "steps": [STEP]}], after=["ghost"]), None, "unknown pipeline 'ghost'"),
    ("name: [unclosed", None, "not valid YAML"),
]


@pytest.mark.parametrize(("text", "step", "reason"), INVALID)
def test_invalid_definitions_are_refused_with_where_and_why(
    tmp_path: Path, text: str, step: str | None, reason: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DefinitionError) as raised:
        load_definitions([path], plugins_too=False)
    message = str(raised.value)
    assert message.startswith(str(path))
    if "YAML" not in reason:
        assert "pipeline 'p'" in message
    if step:
        assert f"step {step}" in message
    assert reason in message


def test_pipeline_names_are_unique_across_files(tmp_path: Path) -> None:
    text = one([{"name": "s", "steps": [STEP]}])
    first, second = write(tmp_path, text, "a.yaml"), write(tmp_path, text, "b.yaml")
    with pytest.raises(DefinitionError, match=r"b\.yaml, pipeline 'p': duplicate pipeline name \(also in .*a\.yaml\)"):
        load_definitions([tmp_path], plugins_too=False)
    assert len(load_definitions([first], plugins_too=False)) == 1
    assert second.exists()


def test_a_missing_configured_path_is_an_error_but_an_optional_one_is_not(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="no such file or folder"):
        load_definitions([tmp_path / "missing"], plugins_too=False)
    assert load_definitions([], optional=[tmp_path / "missing"], plugins_too=False) == {}


@pytest.mark.parametrize(
    ("text", "seconds"),
    [(90, 90.0), ("30s", 30.0), ("15m", 900.0), ("2h", 7200.0), ("1h30m", 5400.0), ("7d", 604800.0)],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "5", "-1m", "1x", True, 0, "m"])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


# --- dependency graphs -------------------------------------------------------------------------------------------
@st.composite
def acyclic_graphs(draw: st.DrawFn) -> dict[str, list[str]]:
    """Steps n0… in a random order, each depending only on steps earlier in that order."""
    count = draw(st.integers(min_value=1, max_value=12))
    order = draw(st.permutations([f"n{i}" for i in range(count)]))
    graph: dict[str, list[str]] = {}
    for index, node in enumerate(order):
        graph[node] = draw(st.lists(st.sampled_from(order[:index]), unique=True)) if index else []
    return {f"n{i}": graph[f"n{i}"] for i in range(count)}  # declared in name order, not dependency order


def single_stage(graph: dict[str, list[str]]) -> dict[str, Any]:
    steps = [{"name": n, "executor": "test", "depends_on": deps} for n, deps in graph.items()]
    return {"name": "g", "stages": [{"name": "only", "steps": steps}]}


@settings(max_examples=150, deadline=None)
@given(acyclic_graphs())
def test_acyclic_graphs_are_accepted_and_ordered(graph: dict[str, list[str]]) -> None:
    definition = validate(parse_pipeline(single_stage(graph)))
    order = definition.order()
    assert sorted(order) == sorted(graph)
    position = {name: i for i, name in enumerate(order)}
    for name, deps in graph.items():
        assert all(position[dep] < position[name] for dep in deps)


@settings(max_examples=150, deadline=None)
@given(acyclic_graphs(), st.data())
def test_graphs_with_a_cycle_are_always_refused(graph: dict[str, list[str]], data: st.DataObject) -> None:
    names = list(graph)
    cycle = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
    # close a cycle: each node of `cycle` depends on the next one, and the last on the first
    for node, following in zip(cycle, [*cycle[1:], cycle[0]], strict=True):
        if following not in graph[node]:
            graph[node] = [*graph[node], following]
    with pytest.raises(DefinitionError, match="dependency cycle"):
        validate(parse_pipeline(single_stage(graph)))
