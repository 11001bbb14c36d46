"""Fuzz the parsers of outside input for a set time: the CSV reader, the topology YAML and Magento queue XML
loaders, searchCriteria and the EDS change set.

Hypothesis generates structured input (``tests/support/fuzz_targets.py``: the same strategies as the unit tests,
which run a few examples each in CI); every input must be parsed or rejected with our named error type (a
``RowError``/``CsvFileError`` naming file and line, a ``TopologyError`` naming file and element, an ``ApiError`` 400
naming the parameter). The time is shared equally among the targets; the first crash of a target is shrunk to a
minimal input and printed, and the run goes on with the next target.

    .venv/bin/python bench/fuzz.py --seconds 600
    .venv/bin/python bench/fuzz.py --seconds 60 --targets csv search-criteria

The last line of stdout is one JSON object: per target, the cases tried, the seconds and the crash (if any).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the strategies live under tests/support

from tests.support.fuzz_targets import TARGETS, Target

BATCH = 500  # examples per hypothesis run: between runs the clock is checked


def fuzz(target: Target, seconds: float) -> dict[str, Any]:
    """Run ``target`` for about ``seconds``; the cases tried and the first crash, shrunk."""
    tried = 0

    def counted(value: Any) -> None:
        nonlocal tried
        tried += 1
        target.run(value)

    run = settings(
        max_examples=BATCH,
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )(given(target.strategy)(counted))
    started = time.monotonic()
    crash = None
    while time.monotonic() - started < seconds:
        try:
            run()
        except Exception as exc:  # hypothesis re-raises the shrunk failure
            crash = f"{type(exc).__name__}: {exc}"[:2000]
            break
    return {"target": target.name, "cases": tried, "seconds": round(time.monotonic() - started, 1), "crash": crash}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="the whole run, shared by the targets")
    parser.add_argument("--targets", nargs="+", choices=[t.name for t in TARGETS], default=[t.name for t in TARGETS])
    args = parser.parse_args()
    chosen = [t for t in TARGETS if t.name in args.targets]
    results = []
    for target in chosen:
        result = fuzz(target, args.seconds / len(chosen))
        print(
            f"{result['target']}: {result['cases']} cases in {result['seconds']} s, "
            + ("no crash" if result["crash"] is None else f"CRASH {result['crash']}"),
            file=sys.stderr,
            flush=True,
        )
        results.append(result)
    print(json.dumps({"seconds": args.seconds, "results": results}))


if __name__ == "__main__":
    main()
