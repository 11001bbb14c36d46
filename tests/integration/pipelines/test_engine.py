"""The engine end to end: heartbeat, runners and mini heartbeat on SQLite (DB queue) and PostgreSQL + RabbitMQ."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from conveyor.mq.queue import MessageQueue
from conveyor.pipelines import maintenance, store
from conveyor.pipelines.heartbeat import Heartbeat, spawn
from conveyor.pipelines.schema import step_table
from conveyor.pipelines.topology import QUEUE
from conveyor.settings import Settings
from tests.support.pipelines import definition, drain, linear, make_mq, pipeline_status, step_statuses

BACKENDS = ["sqlite", "pg+amqp"]


@pytest.fixture(params=BACKENDS)
def env(request: pytest.FixtureRequest) -> Iterator[tuple[MessageQueue, Settings]]:
    mq, settings = make_mq(request, request.param)
    yield mq, settings
    mq.close()


def test_a_linear_pipeline_runs_to_success_through_the_mini_heartbeat(
    env: tuple[MessageQueue, Settings],
) -> None:
    mq, settings = env
    pipeline = linear("linear", 5)
    pipeline_id = spawn(mq.engine, pipeline, settings, at=1.0)
    pulse = Heartbeat(mq, {}, settings).run()
    assert pulse is not None and pulse.enqueued == 1  # only the first step is ready
    assert drain(mq, settings) == 5  # the others were enqueued by the runners' mini heartbeats
    assert pipeline_status(mq, pipeline_id) == "success"
    assert set(step_statuses(mq, pipeline_id).values()) == {("success", 1)}
    with mq.engine.connect() as conn:
        rows = store.steps_of(conn, pipeline_id)
    assert rows[0].output == "step0 done"
    assert "running step0 attempt 1" in (rows[0].log or "")
    assert all(r.started_at is not None and r.finished_at >= r.started_at for r in rows)


def _failing_with_cleanup(flag: Path) -> dict[str, object]:
    return {
        "name": "import_with_cleanup",
        "stages": [
            {"name": "fetch", "steps": [{"name": "fetch", "executor": "test"}]},
            {
                "name": "import",
                "steps": [
                    {"name": "load", "executor": "test", "max_attempts": 3, "arguments": {"fail_while": str(flag)}},
                    {"name": "report", "executor": "test", "depends_on": ["load"]},
                ],
            },
            {"name": "publish", "steps": [{"name": "publish", "executor": "test"}]},
            {"name": "cleanup", "steps": [{"name": "cleanup", "executor": "test", "conditions": ["always"]}]},
        ],
    }


def test_a_failing_step_is_retried_then_fails_the_pipeline_while_cleanup_runs_and_retry_completes_it(
    env: tuple[MessageQueue, Settings], tmp_path: Path
) -> None:
    mq, settings = env
    flag = tmp_path / "broken"
    flag.write_text("the ERP file is broken")
    pipeline_id = spawn(mq.engine, definition(_failing_with_cleanup(flag)), settings, at=1.0)
    Heartbeat(mq, {}, settings).run()
    drain(mq, settings)

    assert pipeline_status(mq, pipeline_id) == "error"
    assert step_statuses(mq, pipeline_id) == {
        "fetch": ("success", 1),
        "load": ("error", 3),  # all three attempts used
        "report": ("abandoned", 0),
        "publish": ("abandoned", 0),
        "cleanup": ("success", 1),  # `always`: ran although the import failed
    }
    with mq.engine.connect() as conn:
        load = next(r for r in store.steps_of(conn, pipeline_id) if r.name == "load")
    assert "StepFailedError" in (load.error or "") and "Traceback" in (load.log or "")

    flag.unlink()  # fixed: retry the failed step
    with mq.engine.begin() as conn:
        assert store.retry_steps(conn, pipeline_id, 2.0, step_id=load.id) == 3  # load, report, publish
    assert pipeline_status(mq, pipeline_id) == "running"
    Heartbeat(mq, {}, settings).run()
    drain(mq, settings)
    assert pipeline_status(mq, pipeline_id) == "success"
    statuses = step_statuses(mq, pipeline_id)
    assert statuses["load"] == ("success", 1) and statuses["publish"] == ("success", 1)
    assert statuses["cleanup"] == ("success", 1)  # not run twice


def test_an_expired_pipeline_is_expired_and_its_waiting_steps_abandoned(
    env: tuple[MessageQueue, Settings],
) -> None:
    mq, settings = env
    pipeline = definition(
        {
            "name": "slowpoke",
            "expire_in": "10m",
            "stages": [{"name": f"s{i}", "steps": [{"name": f"step{i}", "executor": "test"}]} for i in range(3)],
        }
    )
    now = 1_000_000.0
    pipeline_id = spawn(mq.engine, pipeline, settings, at=now)
    # nobody runs the first step; 11 minutes later the heartbeat expires the pipeline
    Heartbeat(mq, {}, settings, clock=lambda: now).run()
    assert pipeline_status(mq, pipeline_id) == "running"
    pulse = Heartbeat(mq, {}, settings, clock=lambda: now + 660).run()
    assert pulse is not None and pulse.expired == 1 and pulse.enqueued == 0
    assert pipeline_status(mq, pipeline_id) == "expired"
    assert {s for s, _ in step_statuses(mq, pipeline_id).values()} == {"abandoned"}
    drain(mq, settings)  # the message of the enqueued step finds a stopped pipeline: nothing runs
    assert {s for s, _ in step_statuses(mq, pipeline_id).values()} == {"abandoned"}


def test_a_step_start_extends_the_pipeline_expiry(env: tuple[MessageQueue, Settings]) -> None:
    mq, settings = env
    raw = {
        "name": "extended",
        "expire_in": 600,
        "stages": [{"name": "a", "steps": [{"name": "a", "executor": "test"}]}],
    }
    pipeline_id = spawn(mq.engine, definition(raw), settings, at=1000.0)
    Heartbeat(mq, {}, settings, clock=lambda: 1000.0).run()
    drain(mq, settings, clock=lambda: 1500.0)
    with mq.engine.connect() as conn:
        row = store.pipeline(conn, pipeline_id)
    assert row is not None and row.expires_at == 2100.0 and row.status == "success"


def test_maintenance_mode_spawns_and_enqueues_nothing(env: tuple[MessageQueue, Settings]) -> None:
    mq, settings = env
    spawned_by_condition = definition(
        {
            "name": "auto",
            "conditions": ["test_always"],
            "stages": [{"name": "a", "steps": [{"name": "a", "executor": "test"}]}],
        }
    )
    waiting = spawn(mq.engine, linear("waiting", 2), settings, at=1.0)
    maintenance.switch(mq.engine, True)
    pulse = Heartbeat(mq, {"auto": spawned_by_condition}, settings).run()
    assert pulse is not None and pulse.maintenance and pulse.id is None
    with mq.engine.connect() as conn:
        assert [r.id for r in store.list_pipelines(conn)] == [waiting]
        assert conn.execute(sa.select(sa.func.count()).where(step_table.c.status != "pending")).scalar() == 0
    assert mq.transport_for_queue(QUEUE).counts(QUEUE).waiting == 0

    maintenance.switch(mq.engine, False)
    pulse = Heartbeat(mq, {"auto": spawned_by_condition}, settings).run()
    assert pulse is not None and len(pulse.spawned) == 1 and pulse.enqueued == 2


def test_maintenance_mode_stops_a_running_pipeline_between_steps(env: tuple[MessageQueue, Settings]) -> None:
    """The runners' mini heartbeat obeys maintenance mode as the heartbeat does (it used to enqueue the next step)."""
    mq, settings = env
    pipeline_id = spawn(mq.engine, linear("running", 3), settings, at=1.0)
    pulse = Heartbeat(mq, {}, settings).run()
    assert pulse is not None and pulse.enqueued == 1
    maintenance.switch(mq.engine, True)
    assert drain(mq, settings) == 1  # the step already enqueued runs; the next one is not enqueued after it
    assert sorted(status for status, _ in step_statuses(mq, pipeline_id).values()) == ["pending", "pending", "success"]
    maintenance.switch(mq.engine, False)
    Heartbeat(mq, {}, settings).run()
    assert drain(mq, settings) == 2
    assert pipeline_status(mq, pipeline_id) == "success"


def test_two_heartbeats_at_once_one_runs_one_is_refused(env: tuple[MessageQueue, Settings]) -> None:
    import threading

    from tests.support.pipelines import Slow

    mq, settings = env
    busy = definition(
        {
            "name": "busy",
            "conditions": [{"test_slow": {"seconds": 1.0}}],
            "stages": [{"name": "a", "steps": [{"name": "a", "executor": "test"}]}],
        }
    )
    Slow.calls = 0
    barrier = threading.Barrier(2)
    results: list[object] = []

    def beat() -> None:
        heartbeat = Heartbeat(mq, {"busy": busy}, settings)
        barrier.wait()
        results.append(heartbeat.run())

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r is None for r in results) == [False, True]  # one pulse, one refusal
    assert Slow.calls == 1
    with mq.engine.connect() as conn:
        assert len(store.list_pipelines(conn)) == 1


def test_spawn_conditions_hand_arguments_to_steps_and_state_conditions_hold_back(
    env: tuple[MessageQueue, Settings], tmp_path: Path
) -> None:
    mq, settings = env
    record = tmp_path / "record.txt"
    feed = definition(
        {
            "name": "feed",
            "conditions": [{"test_always": {"output": "from the condition"}}, "not_running"],
            "arguments": {"record": str(record), "output": "default"},
            "stages": [{"name": "a", "steps": [{"name": "a", "executor": "test"}]}],
        }
    )
    follower = definition(
        {"name": "follower", "after": ["feed"], "stages": [{"name": "b", "steps": [{"name": "b", "executor": "test"}]}]}
    )
    definitions = {"feed": feed, "follower": follower}
    pulse = Heartbeat(mq, definitions, settings).run()
    assert pulse is not None and len(pulse.spawned) == 1
    (feed_id,) = pulse.spawned
    assert "follower" in pulse.not_spawned and "never finished" in pulse.not_spawned["follower"]
    pulse = Heartbeat(mq, definitions, settings).run()  # feed still pending: not_running holds it back
    assert pulse is not None and pulse.spawned == [] and "pending or running" in pulse.not_spawned["feed"]
    drain(mq, settings)
    with mq.engine.connect() as conn:
        (feed_row,) = store.steps_of(conn, feed_id)
    assert feed_row.output == "from the condition"  # the condition's argument overlaid the definition's
    pulse = Heartbeat(mq, definitions, settings).run()  # feed succeeded: follower spawns, and feed again
    assert pulse is not None and len(pulse.spawned) == 2
    pulse = Heartbeat(mq, {"follower": follower}, settings).run()  # feed has not succeeded since: not again
    assert pulse is not None and pulse.spawned == []
    assert "has not finished with success since" in pulse.not_spawned["follower"]


def test_skipped_steps_count_as_done_and_overdue_attempts_fail(env: tuple[MessageQueue, Settings]) -> None:
    mq, settings = env
    raw = {
        "name": "skippy",
        "stages": [
            {"name": "a", "steps": [{"name": "a", "executor": "test", "arguments": {"skip": True}}]},
            {"name": "b", "steps": [{"name": "b", "executor": "test", "expire_in": 30, "max_attempts": 2}]},
        ],
    }
    pipeline_id = spawn(mq.engine, definition(raw), settings, at=100.0)
    Heartbeat(mq, {}, settings, clock=lambda: 100.0).run()
    without_mini = settings.model_copy(update={"pipeline_mini_heartbeat": False})
    drain(mq, without_mini, clock=lambda: 100.0)
    assert step_statuses(mq, pipeline_id)["a"] == ("skipped", 1)
    Heartbeat(mq, {}, settings, clock=lambda: 101.0).run()
    with mq.engine.connect() as conn:
        b_id = next(r.id for r in store.steps_of(conn, pipeline_id) if r.name == "b")
    with mq.engine.begin() as conn:  # a runner claims b and hangs (its message is consumed elsewhere)
        assert store.claim_step(conn, b_id, "hung-runner", 101.0) is not None
    pulse = Heartbeat(mq, {}, settings, clock=lambda: 140.0).run()  # 39 s > expire_in: attempt 1 failed, retried
    assert pulse is not None and pulse.failed_attempts == 1 and pulse.enqueued == 1
    drain(mq, settings, clock=lambda: 141.0)
    assert step_statuses(mq, pipeline_id) == {"a": ("skipped", 1), "b": ("success", 2)}
    assert pipeline_status(mq, pipeline_id) == "success"
