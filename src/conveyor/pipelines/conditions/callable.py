"""The ``callable`` condition: a Python function decides.

Argument ``callable`` names ``module:function``; it is called with the ConditionContext (its own arguments are
the condition's other arguments) and returns a bool or a ConditionResult (to give a reason or hand arguments to
the pipeline).
"""

from __future__ import annotations

from conveyor.pipelines.executors.arguments import Arguments
from conveyor.pipelines.executors.python_callable import resolve_callable
from conveyor.pipelines.ports import ConditionContext, ConditionResult


class CallableCondition:
    """Asks a user's function."""

    def check(self, context: ConditionContext) -> ConditionResult:
        arguments = Arguments(context.arguments, f"pipeline {context.pipeline_name!r}, condition 'callable'")
        function = resolve_callable(arguments)
        result = function(context)
        if isinstance(result, ConditionResult):
            return result
        if isinstance(result, bool):
            return ConditionResult(result, "" if result else f"{arguments.text('callable')} said no")
        raise TypeError(
            f"{arguments.owner}: {arguments.text('callable')} returned {type(result).__name__}, "
            "expected a bool or a ConditionResult"
        )


__all__ = ["CallableCondition"]
