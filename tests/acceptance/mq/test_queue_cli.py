"""``conveyor queue …`` end to end: real processes for signals and exit codes, CliRunner for the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from conveyor.cli import main
from conveyor.mq.config import load_topology
from conveyor.mq.queue import MessageQueue
from conveyor.settings import get_settings

ROOT = Path(__file__).resolve().parents[3]
TOPOLOGY = """
exchanges:
  - name: conveyor
    bindings:
      - {{id: work, topic: "work.#", destination: work}}
      - {{id: other, topic: "other.#", destination: other}}
queues: [work, other]
publishers:
  - {{topic: work.item, connections: [{{name: db, exchange: conveyor}}]}}
  - {{topic: other.item, connections: [{{name: db, exchange: conveyor}}]}}
consumers:
  - {{name: worker, queue: work, handler: "{handler}", only_spawn_when_message_available: true}}
  - {{name: php, queue: other, handler: 'Magento\\Catalog\\Model\\Consumer::process'}}
"""


@pytest.fixture
def setup(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, MessageQueue]]:
    """A topology file, settings pointing at a fresh SQLite database, and a MessageQueue on both."""
    topology = tmp_path / "topology.yaml"
    topology.write_text(TOPOLOGY.format(handler="tests.acceptance.mq.cli_handlers:ok"))
    monkeypatch.setenv("CONVEYOR_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CONVEYOR_TOPOLOGY_FILES", f'["{topology}"]')
    monkeypatch.setenv("CLI_TEST_MARKERS", str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    get_settings.cache_clear()
    mq = MessageQueue(load_topology([topology]), database_url=sqlite_url)
    yield topology, mq
    mq.close()
    get_settings.cache_clear()


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conveyor", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_sigterm_finishes_the_current_message_and_gives_back_the_batch(
    setup: tuple[Path, MessageQueue], tmp_path: Path
) -> None:
    _, mq = setup
    mq.publish_batch("work.item", range(10))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "conveyor",
            "queue",
            "consume",
            "work",
            "--handler",
            "tests.acceptance.mq.cli_handlers:slow",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while not (tmp_path / "1.started").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    counts = mq.transport_for_queue("work").counts("work")
    assert (counts.complete, counts.in_progress, counts.waiting) == (2, 0, 8)


def test_exit_codes(setup: tuple[Path, MessageQueue]) -> None:
    _, mq = setup
    mq.publish_batch("work.item", range(4))
    failing = run(
        "queue",
        "consume",
        "work",
        "--handler",
        "tests.acceptance.mq.cli_handlers:fail_on_two",
        "--stop-on-error",
        "--retry-delay",
        "60",
    )
    assert failing.returncode == 1
    assert run("queue", "consume", "work", "--stop-when-empty", "--sleep", "0").returncode == 0
    unknown = run("queue", "consume", "nosuchqueue")
    assert unknown.returncode == 2 and "nosuchqueue" in unknown.stderr
    php = run("queue", "consume", "php")
    assert php.returncode == 2 and "not a Python" in php.stderr


def test_inspect_replay_and_purge(setup: tuple[Path, MessageQueue]) -> None:
    _, mq = setup
    transport = mq.transport_for_queue("work")
    mq.publish_batch("work.item", range(3))
    (delivery, *_rest) = transport.reserve("work", 1, "w")
    transport.dead_letter(delivery, "ValueError: bad sku 'X'")
    runner = CliRunner()
    listing = runner.invoke(main, ["queue", "list"])
    assert listing.exit_code == 0, listing.output
    assert "work" in listing.output
    letters = runner.invoke(main, ["queue", "dead-letters", "work"])
    assert "bad sku" in letters.output
    assert runner.invoke(main, ["queue", "replay", "work"]).exit_code == 2  # neither ids nor --all
    replayed = runner.invoke(main, ["queue", "replay", "work", str(delivery.tag[0])])
    assert "replayed 1" in replayed.output
    assert transport.counts("work").dead == 0
    purged = runner.invoke(main, ["queue", "purge", "work", "--yes"])
    assert "purged 3" in purged.output
    status = runner.invoke(main, ["queue", "status"])
    assert status.exit_code == 0 and "worker" in status.output


def test_refresh_requeues_stale_reservations_and_dead_letters_exhausted_ones(
    setup: tuple[Path, MessageQueue],
) -> None:
    _, mq = setup
    transport = mq.transport_for_queue("work")
    mq.publish_batch("work.item", range(2))
    first, second = transport.reserve("work", 2, "dead-worker")
    too_soon = CliRunner().invoke(main, ["queue", "refresh", "--reserved", "5"])
    assert too_soon.exit_code == 2  # the minimum is 10 seconds
    # age the reservations instead of waiting: the first has used up its attempts
    from conveyor.mq.schema import status_table

    with mq.engine.begin() as conn:
        conn.execute(status_table.update().values(updated_at=time.time() - 3600))
        conn.execute(status_table.update().where(status_table.c.id == first.tag[0]).values(number_of_trials=3))
    from conveyor.mq.schema import worker_table

    with mq.engine.begin() as conn:  # a worker killed two days ago never removed its row
        conn.execute(
            worker_table.insert().values(
                id="gone", queues="work", hostname="h", pid=1, started_at=0.0, seen_at=time.time() - 2 * 86400
            )
        )
    result = CliRunner().invoke(main, ["queue", "refresh", "--reserved", "60", "--attempts", "3"])
    assert "requeued 1, dead-lettered 1" in result.output, result.output
    with mq.engine.connect() as conn:  # silent for days on another host: reaped as dead, its row forgotten
        assert conn.execute(sa.select(sa.func.count()).select_from(worker_table)).scalar_one() == 0
    (letter,) = transport.dead_letters("work")
    assert letter.id == first.tag[0] and "dead-worker" in (letter.error or "")
    transport.ack(second)  # the old reservation is gone: this ack must not complete anything
    again = transport.reserve("work", 5, "new-worker")
    assert [d.envelope.json() for d in again] == [1]
    assert transport.counts("work").complete == 0


def test_consumers_runner_spawns_when_messages_wait_and_excludes_a_second_runner(
    setup: tuple[Path, MessageQueue],
) -> None:
    topology, mq = setup
    from conveyor.mq.runner import ConsumersRunner

    runner = ConsumersRunner(mq, [str(topology)], max_messages=5)
    assert runner.lock.acquire()
    second = run("queue", "run-consumers", "--once")
    assert second.returncode == 3 and "holds the lock" in second.stderr
    assert [c.name for c in runner.consumers()] == ["worker"]  # the PHP consumer cannot run
    assert runner.spawn_missing() == 0  # only_spawn_when_message_available and nothing waits
    mq.publish_batch("work.item", range(12))
    runner.supervise(interval=0.3, rounds=12)  # restarts the consumer each time it stops after 5 messages
    deadline = time.monotonic() + 30
    while mq.transport_for_queue("work").counts("work").complete < 12 and time.monotonic() < deadline:
        runner.supervise(interval=0.5, rounds=8)  # long enough for a child to start before the next check stops it
    assert mq.transport_for_queue("work").counts("work").complete == 12
    runner.lock.release()
    assert os.environ["CONVEYOR_DATABASE_URL"] == mq.database_url
