"""Setup mistakes give one line naming the setting or argument and exit 2, never a traceback (issue 17, item 9)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conveyor.cli import main

CASES = {
    "unreachable server": (
        {"CONVEYOR_DATABASE_URL": "postgresql+psycopg://someone:s3cret@127.0.0.1:1/x"},
        "CONVEYOR_DATABASE_URL",
    ),
    "database that does not exist": (
        {"CONVEYOR_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/conveyor_no_such_database"},
        "does not exist",
    ),
    "unknown URL scheme": ({"CONVEYOR_DATABASE_URL": "foo://bar"}, "unknown transport 'foo'"),
    "unwritable SQLite path": ({"CONVEYOR_DATABASE_URL": "sqlite:////proc/no/such/dir/x.db"}, "/proc/no"),
    "attempts that are no number": ({"CONVEYOR_QUEUE_MAX_ATTEMPTS": "abc"}, "CONVEYOR_QUEUE_MAX_ATTEMPTS"),
    "topology files that are not JSON": ({"CONVEYOR_TOPOLOGY_FILES": "not json"}, "CONVEYOR_TOPOLOGY_FILES"),
    "a missing topology file": ({"CONVEYOR_TOPOLOGY_FILES": '["/no/such/topology.yaml"]'}, "/no/such/topology.yaml"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_setup_error_is_one_line_naming_it_and_exit_2(case: str, sqlite_url: str) -> None:
    env, named = CASES[case]
    result = CliRunner().invoke(main, ["queue", "list"], env={"CONVEYOR_DATABASE_URL": sqlite_url, **env})
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert named in lines[0] and "Traceback" not in result.output
    assert "s3cret" not in result.output  # the password never shows


def test_replay_names_a_bad_id_and_fails_on_ids_that_are_not_dead_letters(sqlite_url: str) -> None:
    env = {"CONVEYOR_DATABASE_URL": sqlite_url}
    bad = CliRunner().invoke(main, ["queue", "replay", "async.operations.all", "abc"], env=env)
    assert bad.exit_code == 2 and "IDS" in bad.output and "'abc'" in bad.output
    missing = CliRunner().invoke(main, ["queue", "replay", "async.operations.all", "9999"], env=env)
    assert missing.exit_code == 1 and "not dead letters of async.operations.all" in missing.output


def test_purge_checks_the_queue_before_asking(sqlite_url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["queue", "purge", "nope"], env={"CONVEYOR_DATABASE_URL": sqlite_url}, input="")
    assert result.exit_code == 2 and "unknown queue 'nope'" in result.output
    assert "Delete every waiting message" not in result.output


def test_an_unforeseen_error_is_one_line_with_its_type(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from conveyor.mq.queue import MessageQueue

    def broken(self: MessageQueue, connection: str) -> None:
        raise RuntimeError("a bug\nwith a second line")

    monkeypatch.setattr(MessageQueue, "transport", broken)
    result = CliRunner().invoke(main, ["queue", "list"], env={"CONVEYOR_DATABASE_URL": sqlite_url})
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: internal error: RuntimeError: a bug (CONVEYOR_DEBUG=1 shows the traceback)"
    )
