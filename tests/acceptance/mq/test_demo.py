"""``conveyor demo``: publishes, consumes and shows its progress bars full (N/N), on a fresh SQLite store."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from conveyor.cli.demo import demo
from conveyor.settings import get_settings


@pytest.fixture
def demo_env(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CONVEYOR_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_demo_progress_reaches_every_delivery(demo_env: None) -> None:
    done = CliRunner(env={"COLUMNS": "200"}).invoke(demo, ["--messages", "300"])
    assert done.exit_code == 0, done.output
    bars = dict(re.findall(r"^(publishing|consuming)\b.*?(\d+/\d+)", done.output, flags=re.MULTILINE))
    # 300 messages: 200 products (to products and audit) and 100 stock updates (to stock and audit); the
    # broken product is retried twice, yet the bar counts messages settled for good, not attempts
    assert bars == {"publishing": "300/300", "consuming": "600/600"}, done.output
    assert "handled 602 deliveries incl. retries" in done.output
