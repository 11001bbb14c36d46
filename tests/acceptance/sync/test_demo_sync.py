"""``conveyor demo-sync``: the README's sync demo runs end to end on a fresh SQLite store."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from conveyor.cli.demo_sync import demo_sync
from conveyor.db import make_engine
from conveyor.settings import get_settings


def test_demo_sync_fills_the_store_and_acknowledges_every_change_set(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVEYOR_DATABASE_URL", sqlite_url)
    for name in ("CONVEYOR_SOURCE_URL", "CONVEYOR_EDS_SECRET", "CONVEYOR_RATE_LIMITS"):  # restored afterwards
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    try:
        done = CliRunner(env={"COLUMNS": "200"}).invoke(
            demo_sync, ["--customers", "25", "--products", "4", "--changes", "8"]
        )
    finally:
        get_settings.cache_clear()
    assert done.exit_code == 0, done.output
    assert "EDS: 8 changes synced and acknowledged" in done.output
    bar = re.search(r"^bulk sync \(queued commands\).*?(\d+)/(\d+)", done.output, re.MULTILINE)
    assert bar is not None and int(bar[2]) > 0 and bar[1] == bar[2], done.output  # the bar follows the worker
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from customer_entity")).scalar() == 25
        statuses = conn.execute(sa.text("select distinct status from eds_change_set")).scalars().all()
        failures = conn.execute(sa.text("select count(*) from bus_sync_log where outcome = 'failure'")).scalar()
    assert statuses == ["acknowledged"] and failures == 0
    engine.dispose()
