"""``conveyor db upgrade`` migrates the configured database; ``db current`` reports it; ``db diff`` compares it with
every package's tables."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from conveyor.cli import main
from conveyor.db.migrate import head_revision
from conveyor.settings import get_settings


def test_upgrade_then_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("CONVEYOR_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert f"revision {head_revision()}" in result.output
        engine = sa.create_engine(url)
        assert {"queue", "queue_message", "queue_message_status", "queue_outbox"} <= set(
            sa.inspect(engine).get_table_names()
        )
        engine.dispose()
        current = CliRunner().invoke(main, ["db", "current"])
        assert f"current {head_revision()}, head {head_revision()}" in current.output
        # Nothing to migrate: ``diff`` sees every package's tables (with some missing it would print drop_table).
        diff = CliRunner().invoke(main, ["db", "diff"])
        assert diff.exit_code == 0, diff.output
        assert "op." not in diff.output
        assert "pass" in diff.output
    finally:
        get_settings.cache_clear()
