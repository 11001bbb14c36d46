"""The ``callable`` executor: calls ``module:function`` with the StepRun.

The function's return value becomes the step's output: None is a plain success, a StepOutcome is taken as it
is (so a function can say ``skipped``), a string is the output, anything else is stored as JSON. Raising fails
the attempt, as with every executor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from conveyor.mq.topology import HandlerRef
from conveyor.pipelines.executors.arguments import Arguments
from conveyor.pipelines.ports import StepOutcome, StepRun


def resolve_callable(arguments: Arguments, name: str = "callable") -> Callable[..., Any]:
    """The function ``arguments[name]`` names (``package.module:function``), with an error naming the argument."""
    spec = arguments.text(name)
    if ":" not in spec or spec.startswith(":") or spec.endswith(":"):
        raise arguments.error(name, f"must be 'module:function', not {spec!r}")
    try:
        return HandlerRef(spec).resolve()  # the queue's handler lookup: one way to name Python code everywhere
    except (ImportError, AttributeError, TypeError) as exc:
        raise arguments.error(name, f"{spec!r} cannot be loaded: {type(exc).__name__}: {exc}") from exc


def as_output(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return orjson.dumps(value, default=str, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()


class CallableExecutor:
    """Runs a Python function as a step."""

    def process(self, step: StepRun) -> StepOutcome:
        function = resolve_callable(Arguments(step.arguments, f"step {step.step_name!r} (callable)"))
        result = function(step)
        if isinstance(result, StepOutcome):
            return result
        return StepOutcome(output=as_output(result))


__all__ = ["CallableExecutor", "as_output", "resolve_callable"]
