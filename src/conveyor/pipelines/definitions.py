"""Pipeline definitions: the YAML format, Python-defined pipelines (entry points) and their validation.

A definition file holds one pipeline, or several under ``pipelines:``::

    name: catalog_import
    description: Catalog files from the ERP drop folder
    conditions:                       # spawn conditions, all must hold (none: only `pipeline create` spawns it)
      - files: {directory: var/drop, pattern: "*.csv"}
      - not_running                   # a name alone: no arguments
    after: [erp_export]               # spawn only once X succeeded since our last instance (pipeline_finished)
    not_while: [reindex]              # never spawn while Y is pending or running (not_running)
    expire_in: 2h                     # seconds, or 30s / 15m / 2h / 7d / 1h30m; extended whenever a step starts
    working_dir: true                 # a directory per pipeline (true: under CONVEYOR_PIPELINE_WORK_DIR, or a base)
    arguments: {profile: luma}        # handed to every step, overlaid by the step's own arguments
    fetcher: orders_to_export         # dynamic pipelines: one instance per item the data fetcher returns
    fetcher_arguments: {status: new}
    key: increment_id                 # the item field that makes each instance unique
    stages:
      - name: import
        steps:
          - name: attributes
            executor: import          # a registered executor
            arguments: {entity: attributes}   # (alias: with)
            max_attempts: 3           # default 1
            expire_in: 30m            # a running attempt older than this fails (its runner is presumed dead)
          - name: products
            executor: import
            depends_on: [attributes]  # within the stage; steps of a stage otherwise run in parallel
            conditions: [previous_succeeded]   # the default; `always` runs it once its dependencies finished
            description: Products last

Every step of a stage depends on every step of the previous stage; ``depends_on`` adds dependencies on steps of the
same or an earlier stage. Invalid definitions are refused with the file, pipeline, step and reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from conveyor.pipelines import registry as plugins
from conveyor.plugins import PIPELINES, default_plugins

ALWAYS = "always"
PREVIOUS_SUCCEEDED = "previous_succeeded"
STEP_BUILTINS = (PREVIOUS_SUCCEEDED, ALWAYS)
DEFINITIONS_GROUP = PIPELINES
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,190}$")
DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

PIPELINE_KEYS = {
    "name",
    "description",
    "conditions",
    "after",
    "not_while",
    "expire_in",
    "working_dir",
    "arguments",
    "stages",
    "fetcher",
    "fetcher_arguments",
    "key",
}
STAGE_KEYS = {"name", "steps", "description"}
STEP_KEYS = {
    "name",
    "executor",
    "arguments",
    "with",
    "conditions",
    "depends_on",
    "max_attempts",
    "expire_in",
    "description",
}


class DefinitionError(ValueError):
    """A refused definition: where (file, pipeline, step) and why."""

    def __init__(self, source: str, pipeline: str | None, step: str | None, reason: str) -> None:
        self.source, self.pipeline, self.step, self.reason = source, pipeline, step, reason
        where = [source]
        if pipeline is not None:
            where.append(f"pipeline {pipeline!r}")
        if step is not None:
            where.append(f"step {step!r}")
        super().__init__(f"{', '.join(where)}: {reason}")


@dataclass(frozen=True)
class ConditionSpec:
    """A condition by registered name with its own arguments."""

    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": dict(self.arguments)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ConditionSpec:
        return cls(str(data["name"]), dict(data.get("arguments") or {}))


@dataclass(frozen=True)
class StepDefinition:
    """One task: which executor runs it, with what, when and how often."""

    name: str
    executor: str
    stage: str = ""
    arguments: Mapping[str, Any] = field(default_factory=dict)
    conditions: tuple[ConditionSpec, ...] = ()  # registered conditions checked before the step is enqueued
    always: bool = False  # run once the dependencies finished, whatever their outcome (clean-up)
    depends_on: tuple[str, ...] = ()  # explicit; the previous stage is implied
    max_attempts: int = 1
    expire_in: float | None = None
    description: str = ""


@dataclass(frozen=True)
class StageDefinition:
    name: str
    steps: tuple[StepDefinition, ...]
    description: str = ""


@dataclass(frozen=True)
class Initializer:
    """Dynamic pipelines: the data fetcher whose items each become one pipeline, unique by ``key``."""

    fetcher: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    key: str | None = None


@dataclass(frozen=True)
class PipelineDefinition:
    """A validated pipeline: what spawns it, and its stages of steps."""

    name: str
    stages: tuple[StageDefinition, ...]
    description: str = ""
    conditions: tuple[ConditionSpec, ...] = ()
    after: tuple[str, ...] = ()
    not_while: tuple[str, ...] = ()
    expire_in: float | None = None
    working_dir: bool | str = False
    arguments: Mapping[str, Any] = field(default_factory=dict)
    initializer: Initializer | None = None
    source: str = "<python>"

    @property
    def steps(self) -> tuple[StepDefinition, ...]:
        return tuple(step for stage in self.stages for step in stage.steps)

    def step(self, name: str) -> StepDefinition:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def dependencies(self) -> dict[str, tuple[str, ...]]:
        """Each step's direct dependencies: the previous stage's steps plus its own ``depends_on``."""
        result: dict[str, tuple[str, ...]] = {}
        previous: tuple[str, ...] = ()
        for stage in self.stages:
            for step in stage.steps:
                result[step.name] = tuple(dict.fromkeys((*previous, *step.depends_on)))
            previous = tuple(s.name for s in stage.steps)
        return result

    def order(self) -> list[str]:
        """The steps in an order where each comes after its dependencies (definition order among equals)."""
        return topological_order(self.dependencies())

    def spawn_conditions(self) -> tuple[ConditionSpec, ...]:
        """``conditions`` plus ``after`` and ``not_while`` as the state conditions they stand for."""
        return (
            *self.conditions,
            *(ConditionSpec("pipeline_finished", {"pipeline": name}) for name in self.after),
            *(ConditionSpec("not_running", {"pipeline": name}) for name in self.not_while),
        )


# --- parsing -----------------------------------------------------------------------------------------------------
def parse_duration(value: Any) -> float:
    """Seconds from a number or ``30s`` / ``15m`` / ``2h`` / ``7d`` / ``1h30m``; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        if value <= 0:
            raise ValueError(f"{value!r} is not a positive duration")
        return float(value)
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        parts = DURATION.findall(text)
        if parts and "".join(n + u for n, u in parts) == text:
            seconds = sum(float(n) * UNITS[u] for n, u in parts)
            if seconds > 0:
                return seconds
    raise ValueError(f"{value!r} is not a duration (seconds, or like 30s, 15m, 2h, 7d, 1h30m)")


class _Parser:
    """Turns one raw mapping into a PipelineDefinition, raising DefinitionError at the first problem."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.pipeline: str | None = None
        self.step: str | None = None

    def fail(self, reason: str) -> DefinitionError:
        return DefinitionError(self.source, self.pipeline, self.step, reason)

    def mapping(self, value: Any, what: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(f"{what} must be a mapping, not {type(value).__name__}")
        if not all(isinstance(k, str) for k in value):
            raise self.fail(f"{what} must have string keys")
        return dict(value)

    def keys(self, raw: Mapping[str, Any], allowed: set[str], what: str) -> None:
        unknown = sorted(set(raw) - allowed)
        if unknown:
            raise self.fail(f"unknown {what} field(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")

    def name(self, value: Any, what: str) -> str:
        if not isinstance(value, str) or not NAME.match(value):
            raise self.fail(f"{what} name {value!r} is missing or invalid (letters, digits, _ . -; up to 191)")
        return value

    def names(self, value: Any, what: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{what} must be a name or a list of names")
        return tuple(value)

    def text(self, value: Any, what: str) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.fail(f"{what} must be text")
        return value

    def duration(self, value: Any, what: str) -> float | None:
        if value is None:
            return None
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise self.fail(f"{what}: {exc}") from None

    def conditions(self, value: Any) -> tuple[ConditionSpec, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail("conditions must be a list")
        result = []
        for item in value:
            if isinstance(item, str):
                result.append(ConditionSpec(item))
            elif isinstance(item, Mapping) and len(item) == 1:
                ((name, arguments),) = item.items()
                if not isinstance(name, str):
                    raise self.fail(f"condition {name!r} is not a name")
                result.append(ConditionSpec(name, self.mapping(arguments, f"arguments of condition {name!r}")))
            else:
                raise self.fail(f"condition {item!r} must be a name or a mapping of one name to its arguments")
        return tuple(result)

    def pipeline_definition(self, raw: Any) -> PipelineDefinition:
        raw = self.mapping(raw, "a pipeline")
        self.pipeline = raw.get("name") if isinstance(raw.get("name"), str) else None
        name = self.name(raw.get("name"), "pipeline")
        self.keys(raw, PIPELINE_KEYS, "pipeline")
        stages_raw = raw.get("stages")
        if not isinstance(stages_raw, list) or not stages_raw:
            raise self.fail("stages must be a non-empty list")
        stages = tuple(self.stage_definition(s) for s in stages_raw)
        self.step = None
        working_dir = raw.get("working_dir", False)
        if working_dir is None:
            working_dir = False
        if not isinstance(working_dir, bool | str) or working_dir == "":
            raise self.fail("working_dir must be true, false or a base directory")
        initializer = None
        if raw.get("fetcher") is not None:
            fetcher = self.name(raw["fetcher"], "fetcher")
            key = raw.get("key")
            if key is not None and not isinstance(key, str):
                raise self.fail("key must be the name of an item field")
            initializer = Initializer(fetcher, self.mapping(raw.get("fetcher_arguments"), "fetcher_arguments"), key)
        elif raw.get("fetcher_arguments") is not None or raw.get("key") is not None:
            raise self.fail("fetcher_arguments and key need a fetcher")
        return PipelineDefinition(
            name=name,
            stages=stages,
            description=self.text(raw.get("description"), "description"),
            conditions=self.conditions(raw.get("conditions")),
            after=self.names(raw.get("after"), "after"),
            not_while=self.names(raw.get("not_while"), "not_while"),
            expire_in=self.duration(raw.get("expire_in"), "expire_in"),
            working_dir=working_dir,
            arguments=self.mapping(raw.get("arguments"), "arguments"),
            initializer=initializer,
            source=self.source,
        )

    def stage_definition(self, raw: Any) -> StageDefinition:
        self.step = None
        raw = self.mapping(raw, "a stage")
        name = self.name(raw.get("name"), "stage")
        self.keys(raw, STAGE_KEYS, f"stage {name!r}")
        steps_raw = raw.get("steps")
        if not isinstance(steps_raw, list) or not steps_raw:
            raise self.fail(f"stage {name!r}: steps must be a non-empty list")
        return StageDefinition(
            name=name,
            steps=tuple(self.step_definition(s, name) for s in steps_raw),
            description=self.text(raw.get("description"), "description"),
        )

    def step_definition(self, raw: Any, stage: str) -> StepDefinition:
        self.step = None
        raw = self.mapping(raw, "a step")
        self.step = raw.get("name") if isinstance(raw.get("name"), str) else None
        name = self.name(raw.get("name"), "step")
        self.keys(raw, STEP_KEYS, "step")
        executor = raw.get("executor")
        if not isinstance(executor, str) or not executor:
            raise self.fail("executor is missing")
        if raw.get("arguments") is not None and raw.get("with") is not None:
            raise self.fail("give arguments or with, not both")
        arguments = self.mapping(raw.get("arguments", raw.get("with")), "arguments")
        conditions = self.conditions(raw.get("conditions"))
        builtins = {c.name for c in conditions if c.name in STEP_BUILTINS}
        if len(builtins) > 1:
            raise self.fail(f"conditions {PREVIOUS_SUCCEEDED} and {ALWAYS} exclude each other")
        max_attempts = raw.get("max_attempts", 1)
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
            raise self.fail(f"max_attempts {max_attempts!r} must be a whole number of at least 1")
        return StepDefinition(
            name=name,
            executor=executor,
            stage=stage,
            arguments=arguments,
            conditions=tuple(c for c in conditions if c.name not in STEP_BUILTINS),
            always=ALWAYS in builtins,
            depends_on=self.names(raw.get("depends_on"), "depends_on"),
            max_attempts=max_attempts,
            expire_in=self.duration(raw.get("expire_in"), "expire_in"),
            description=self.text(raw.get("description"), "description"),
        )


def parse_pipeline(raw: Any, source: str = "<python>") -> PipelineDefinition:
    """One pipeline from its raw mapping; structure only (``validate`` checks names and the graph)."""
    return _Parser(source).pipeline_definition(raw)


# --- validation --------------------------------------------------------------------------------------------------
def find_cycle(dependencies: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A dependency cycle as ``[a, b, …, a]``, or None."""
    state: dict[str, int] = {}  # 1 visiting, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for dep in dependencies.get(node, ()):
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in dependencies:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def topological_order(dependencies: Mapping[str, Sequence[str]]) -> list[str]:
    """Kahn's order, stable on the mapping's order; ValueError on a cycle."""
    remaining = {node: set(deps) for node, deps in dependencies.items()}
    order: list[str] = []
    while remaining:
        ready = [node for node, deps in remaining.items() if not deps]
        if not ready:
            raise ValueError(f"dependency cycle: {' -> '.join(find_cycle(dependencies) or remaining)}")
        for node in ready:
            del remaining[node]
            order.append(node)
        for deps in remaining.values():
            deps.difference_update(ready)
    return order


def validate(
    definition: PipelineDefinition,
    executors: plugins.Registry[Any] | None = None,
    conditions: plugins.Registry[Any] | None = None,
    fetchers: plugins.Registry[Any] | None = None,
) -> PipelineDefinition:
    """Refuse unknown executors, conditions and steps, duplicate names and dependency cycles."""
    executors = executors or plugins.executors
    conditions = conditions or plugins.conditions
    fetchers = fetchers or plugins.fetchers
    source, pipeline = definition.source, definition.name

    def fail(step: str | None, reason: str) -> DefinitionError:
        return DefinitionError(source, pipeline, step, reason)

    if not NAME.match(definition.name):
        raise fail(None, f"pipeline name {definition.name!r} is invalid")
    if not definition.stages or not all(stage.steps for stage in definition.stages):
        raise fail(None, "a pipeline needs stages of at least one step")
    for spec in definition.conditions:
        if spec.name in STEP_BUILTINS or spec.name not in conditions:
            raise fail(None, f"unknown condition {spec.name!r} (known: {', '.join(conditions.names()) or 'none'})")
    if definition.initializer is not None and definition.initializer.fetcher not in fetchers:
        known = ", ".join(fetchers.names()) or "none"
        raise fail(None, f"unknown data fetcher {definition.initializer.fetcher!r} (known: {known})")
    stage_names: set[str] = set()
    for stage in definition.stages:
        if stage.name in stage_names:
            raise fail(None, f"duplicate stage name {stage.name!r}")
        stage_names.add(stage.name)
    seen: dict[str, int] = {}
    for index, stage in enumerate(definition.stages):
        for step in stage.steps:
            if step.name in seen:
                raise fail(step.name, "duplicate step name")
            seen[step.name] = index
    for index, stage in enumerate(definition.stages):
        for step in stage.steps:
            if not NAME.match(step.name):
                raise fail(step.name, "invalid step name")
            if step.executor not in executors:
                known = ", ".join(executors.names()) or "none"
                raise fail(step.name, f"unknown executor {step.executor!r} (known: {known})")
            for spec in step.conditions:
                if spec.name not in conditions:
                    known = ", ".join([*STEP_BUILTINS, *conditions.names()])
                    raise fail(step.name, f"unknown condition {spec.name!r} (known: {known})")
            if step.max_attempts < 1:
                raise fail(step.name, "max_attempts must be at least 1")
            for dep in step.depends_on:
                if dep == step.name:
                    raise fail(step.name, "dependency cycle: it depends on itself")
                if dep not in seen:
                    raise fail(step.name, f"depends_on names unknown step {dep!r}")
                if seen[dep] > index:
                    stage_of = definition.stages[seen[dep]].name
                    raise fail(
                        step.name,
                        f"dependency cycle: depends on {dep!r} of the later stage {stage_of!r}, which runs after it",
                    )
    cycle = find_cycle(definition.dependencies())
    if cycle:
        raise fail(cycle[0], f"dependency cycle: {' -> '.join(cycle)}")
    return definition


# --- loading -----------------------------------------------------------------------------------------------------
def _yaml_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return [path]


def load_file(path: Path) -> list[PipelineDefinition]:
    """The pipelines of one YAML file, parsed (not yet validated)."""
    source = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DefinitionError(source, None, None, f"cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise DefinitionError(source, None, None, f"not valid YAML: {exc}") from exc
    if isinstance(raw, Mapping) and "pipelines" in raw and "stages" not in raw:
        items = raw["pipelines"]
        if not isinstance(items, list):
            raise DefinitionError(source, None, None, "pipelines must be a list")
    elif isinstance(raw, list):
        items = raw
    else:
        items = [raw]
    return [parse_pipeline(item, source) for item in items]


def python_definitions() -> Iterator[PipelineDefinition]:
    """Python-defined pipelines: each ``conveyor.pipelines`` plug-in is a function returning a list of
    definitions (PipelineDefinition objects or raw mappings in the YAML shape)."""
    group = default_plugins().pipelines
    for name in group.names():
        source = f"entry point {DEFINITIONS_GROUP}:{name}"
        try:
            items = list(group.load(name)())
        except Exception as exc:
            raise DefinitionError(source, None, None, f"cannot load: {type(exc).__name__}: {exc}") from exc
        for item in items:
            yield item if isinstance(item, PipelineDefinition) else parse_pipeline(item, source)


def load_definitions(
    paths: Iterable[Path],
    *,
    plugins_too: bool = True,
    extra: Iterable[PipelineDefinition] = (),
    optional: Iterable[Path] = (),
) -> dict[str, PipelineDefinition]:
    """Every pipeline of ``paths`` (files or folders of ``*.yaml``), of ``optional`` paths that exist, of the
    entry points and ``extra``, validated; pipeline names are unique across all of them."""
    found: list[PipelineDefinition] = list(extra)
    for path in [*paths, *(p for p in optional if p.exists())]:
        if not path.exists():
            raise DefinitionError(str(path), None, None, "no such file or folder")
        for file in _yaml_files(path):
            found.extend(load_file(file))
    if plugins_too:
        found.extend(python_definitions())
    result: dict[str, PipelineDefinition] = {}
    for definition in found:
        validate(definition)
        if definition.name in result:
            other = result[definition.name].source
            raise DefinitionError(
                definition.source, definition.name, None, f"duplicate pipeline name (also in {other})"
            )
        result[definition.name] = definition
    for definition in result.values():
        for name in (*definition.after, *definition.not_while):
            if name not in result:
                raise DefinitionError(definition.source, definition.name, None, f"unknown pipeline {name!r}")
    return result
