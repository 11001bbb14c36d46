"""Dynamic pipelines, ``delete_old``, cancelling, and the plug-ins' conformance to the ports."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from conveyor.mq.queue import MessageQueue
from conveyor.pipelines import registry, store
from conveyor.pipelines.conditions.state import MaintenanceOff, NotRunning, PipelineFinished
from conveyor.pipelines.executors.delete_old import DeleteOld
from conveyor.pipelines.heartbeat import Heartbeat, spawn
from conveyor.pipelines.initializer import FetchContext, Initialize
from conveyor.pipelines.ports import Condition, Executor, StepRun
from conveyor.settings import Settings
from tests.support.pipelines import definition, drain, linear, make_mq, pipeline_status, step_statuses


@pytest.fixture
def env(request: pytest.FixtureRequest) -> Iterator[tuple[MessageQueue, Settings]]:
    mq, settings = make_mq(request, "sqlite")
    yield mq, settings
    mq.close()


class Orders:
    """Data fetcher ``test_orders``: the orders its arguments list."""

    orders: list[Mapping[str, Any]] = []

    def fetch(self, context: FetchContext) -> Iterable[Mapping[str, Any]]:
        assert context.arguments == {"status": "new"}
        return list(Orders.orders)


registry.register_fetcher("test_orders", Orders)

EXPORT = {
    "name": "order_export",
    "conditions": ["test_always"],
    "fetcher": "test_orders",
    "fetcher_arguments": {"status": "new"},
    "key": "increment_id",
    "stages": [{"name": "export", "steps": [{"name": "send", "executor": "test"}]}],
}


def test_a_data_fetcher_creates_one_pipeline_per_new_item(env: tuple[MessageQueue, Settings]) -> None:
    mq, settings = env
    export = definition(EXPORT)
    Orders.orders = [{"increment_id": "000001", "output": "sent 1"}, {"increment_id": "000002", "output": "sent 2"}]
    pulse = Heartbeat(mq, {"order_export": export}, settings).run()
    assert pulse is not None and len(pulse.spawned) == 2
    Orders.orders = [*Orders.orders, {"increment_id": "000003", "output": "sent 3"}]
    pulse = Heartbeat(mq, {"order_export": export}, settings).run()
    assert pulse is not None and len(pulse.spawned) == 1  # only the new order
    drain(mq, settings)
    with mq.engine.connect() as conn:
        rows = store.list_pipelines(conn)
        assert sorted(r.key for r in rows) == ["000001", "000002", "000003"]
        outputs = sorted(store.steps_of(conn, r.id)[0].output for r in rows)
    assert outputs == ["sent 1", "sent 2", "sent 3"]  # each item's fields became its pipeline's arguments


def test_the_initialize_executor_runs_an_initializer_from_a_step(
    env: tuple[MessageQueue, Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    mq = env[0]
    folder = tmp_path / "defs"
    folder.mkdir()
    (folder / "export.yaml").write_text(yaml.safe_dump(EXPORT))
    monkeypatch.setenv("CONVEYOR_PIPELINE_PATHS", f'["{folder}"]')
    monkeypatch.setenv("CONVEYOR_PIPELINE_WORK_DIR", str(tmp_path / "work"))
    Orders.orders = [{"increment_id": "7"}]
    step = StepRun(1, 1, "init", "init", 1, {"pipeline": "order_export"}, None, mq.engine, logging.getLogger("t"))
    assert "created pipelines" in Initialize().process(step).output
    assert Initialize().process(step).status == "skipped"  # nothing new


def test_delete_old_removes_only_old_finished_pipelines(env: tuple[MessageQueue, Settings]) -> None:
    mq, settings = env
    old_done = spawn(mq.engine, linear("old", 2), settings, at=1.0)
    old_live = spawn(mq.engine, linear("live", 2), settings, at=1.0)
    with mq.engine.begin() as conn:
        assert store.cancel_pipeline(conn, old_done, 2.0)  # finished long ago
    step = StepRun(9, 9, "cleanup", "delete", 1, {"days": 30}, None, mq.engine, logging.getLogger("t"))
    outcome = DeleteOld().process(step)
    assert outcome.output == "deleted 1 pipeline(s)"
    with mq.engine.connect() as conn:
        assert store.pipeline(conn, old_done) is None and store.steps_of(conn, old_done) == []
        assert store.pipeline(conn, old_live) is not None
    assert DeleteOld().process(step).status == "skipped"


def test_a_cancelled_pipeline_runs_nothing_more(env: tuple[MessageQueue, Settings]) -> None:
    mq, settings = env
    pipeline_id = spawn(mq.engine, linear("cancelled", 3), settings, at=1.0)
    Heartbeat(mq, {}, settings).run()
    with mq.engine.begin() as conn:
        assert store.cancel_pipeline(conn, pipeline_id, 2.0)
    drain(mq, settings)  # the enqueued message finds a cancelled pipeline
    assert pipeline_status(mq, pipeline_id) == "cancelled"
    assert {s for s, _ in step_statuses(mq, pipeline_id).values()} == {"abandoned"}


def test_the_plugins_conform_to_the_ports() -> None:
    executors: list[Executor] = [DeleteOld(), Initialize()]
    conditions: list[Condition] = [NotRunning(), PipelineFinished(), MaintenanceOff()]
    assert all(callable(getattr(e, "process", None)) for e in executors)
    assert all(callable(getattr(c, "check", None)) for c in conditions)
    for name in ("delete_old", "initialize"):
        assert name in registry.executors
    for name in ("not_running", "pipeline_finished", "maintenance_off"):
        assert name in registry.conditions
        registry.conditions.create(name)  # the entry points load


def test_the_mini_heartbeat_is_skipped_during_a_heartbeat_pass_and_can_be_turned_off(
    env: tuple[MessageQueue, Settings],
) -> None:
    from conveyor.db.locks import LeaseLock
    from conveyor.pipelines.heartbeat import PASS_LOCK

    mq, settings = env
    first = spawn(mq.engine, linear("first", 2), settings, at=1.0)
    Heartbeat(mq, {}, settings).run()
    pass_lock = LeaseLock(mq.engine, PASS_LOCK, "another-heartbeat")
    assert pass_lock.acquire()
    drain(mq, settings)  # step0 runs; its mini heartbeat leaves step1 to the heartbeat under way
    pass_lock.release()
    assert step_statuses(mq, first) == {"step0": ("success", 1), "step1": ("pending", 0)}

    second = spawn(mq.engine, linear("second", 2), settings, at=1.0)
    Heartbeat(mq, {}, settings).run()
    drain(mq, settings.model_copy(update={"pipeline_mini_heartbeat": False}))
    assert step_statuses(mq, second)["step1"] == ("pending", 0)
    Heartbeat(mq, {}, settings).run()  # the next heartbeat moves both on
    drain(mq, settings)
    assert pipeline_status(mq, first) == pipeline_status(mq, second) == "success"
