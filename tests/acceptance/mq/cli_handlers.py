"""Handlers the CLI tests point consumers at."""

from __future__ import annotations

import os
import time
from pathlib import Path

from conveyor.mq.envelope import Envelope


def slow(envelope: Envelope) -> None:
    """Takes half a second and leaves a marker file per message, so a test can signal mid-handler."""
    marker = Path(os.environ["CLI_TEST_MARKERS"]) / f"{envelope.json()}.started"
    marker.touch()
    time.sleep(0.5)


def fail_on_two(envelope: Envelope) -> None:
    if envelope.json() == 2:
        raise RuntimeError("two is not allowed")


def ok(envelope: Envelope) -> None:
    """Accepts everything."""
