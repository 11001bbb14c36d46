"""Dynamic pipelines: a data fetcher's items each become one pipeline (e.g. one per order to export).

A definition with ``fetcher: NAME`` (a ``conveyor.pipeline_fetchers`` entry point: a class with a no-argument
constructor and ``fetch(context) -> iterable of mappings``) is initialized instead of spawned: when its conditions
hold, the heartbeat asks the fetcher for items and creates one pipeline per item whose ``key`` field has no
pipeline yet; the item's fields overlay the pipeline's arguments. The same can run as a step of an init pipeline
(executor ``initialize``, argument ``pipeline: NAME``) instead of from the heartbeat.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import Engine

from conveyor.pipelines import registry as plugins
from conveyor.pipelines import store
from conveyor.pipelines.definitions import PipelineDefinition
from conveyor.pipelines.ports import StepOutcome, StepRun
from conveyor.settings import Settings


@dataclass(frozen=True)
class FetchContext:
    """What a data fetcher gets."""

    engine: Engine
    now: datetime  # timezone-aware UTC
    pipeline_name: str
    arguments: Mapping[str, Any]  # the definition's fetcher_arguments


class DataFetcher(Protocol):
    def fetch(self, context: FetchContext) -> Iterable[Mapping[str, Any]]: ...


def initialize(
    engine: Engine,
    definition: PipelineDefinition,
    settings: Settings,
    *,
    at: float,
    pulse_id: int | None = None,
    arguments: Mapping[str, Any] = {},
) -> list[int]:
    """Create the pipelines of the fetcher's new items (all or none); their ids."""
    spec = definition.initializer
    if spec is None:
        raise ValueError(f"pipeline {definition.name!r} has no fetcher")
    fetcher: DataFetcher = plugins.fetchers.create(spec.fetcher)
    context = FetchContext(engine, datetime.fromtimestamp(at, UTC), definition.name, spec.arguments)
    items = [dict(item) for item in fetcher.fetch(context)]
    keyed: list[tuple[str | None, dict[str, Any]]] = []
    for item in items:
        if spec.key is None:
            keyed.append((None, item))
        elif item.get(spec.key) is None:
            raise ValueError(f"fetcher {spec.fetcher!r}: an item has no {spec.key!r}: {item!r}")
        else:
            keyed.append((str(item[spec.key]), item))
    created: list[int] = []
    with engine.begin() as conn:
        taken = store.existing_keys(conn, definition.name, [k for k, _ in keyed if k is not None])
        for key, item in keyed:
            if key is not None and key in taken:
                continue
            if key is not None:
                taken.add(key)
            created.append(
                store.create_pipeline(
                    conn,
                    definition,
                    arguments={**definition.arguments, **arguments, **item},
                    now=at,
                    work_root=Path(settings.pipeline_work_dir),
                    pulse_id=pulse_id,
                    key=key,
                )
            )
    return created


class Initialize:
    """Executor ``initialize``: runs the initializer of pipeline ``pipeline`` from a step (an init pipeline)."""

    def process(self, step: StepRun) -> StepOutcome:
        from conveyor.db.engine import now
        from conveyor.pipelines.config import definitions
        from conveyor.pipelines.executors.arguments import Arguments

        name = Arguments(step.arguments, f"step {step.step_name!r}, executor 'initialize'").text("pipeline")
        settings = Settings()  # read now: the definitions may have changed since the runner started
        found = definitions(settings).get(name)
        if found is None:
            raise ValueError(f"unknown pipeline {name!r}")
        created = initialize(step.engine, found, settings, at=now())
        step.log.info("created %d pipeline(s) %r", len(created), name)
        if not created:
            return StepOutcome("skipped", "no new items")
        return StepOutcome(output=f"created pipelines {', '.join(map(str, created))}")
