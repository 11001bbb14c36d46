"""The ``files`` condition: bunches with their OK-file are ready in a directory.

Arguments: ``directory`` (watched), ``pattern`` (a glob every data file of a bunch must match; default ``*``),
``entities`` (only bunches of these import entities, e.g. products, categories) and ``suffixes`` (default
``.csv``). Readiness is the import framework's: an OK-file ``<prefix>.ok``, empty or listing its files; a file
no OK-file covers is not seen. The spawned pipeline gets ``directory``, ``ok_files`` and ``files`` (the data
file names) as arguments, so its claim step takes exactly the bunches found here and no later arrival.
"""

from __future__ import annotations

from conveyor.importer.files import DEFAULT_ENTITIES, DEFAULT_SUFFIXES, discover
from conveyor.pipelines.executors.arguments import Arguments
from conveyor.pipelines.executors.files import select_bunches
from conveyor.pipelines.ports import ConditionContext, ConditionResult


class FilesCondition:
    """Holds while at least one selected bunch is ready in the directory."""

    def check(self, context: ConditionContext) -> ConditionResult:
        arguments = Arguments(context.arguments, f"pipeline {context.pipeline_name!r}, condition 'files'")
        directory = arguments.path("directory").absolute()
        pattern = arguments.text("pattern", "*")
        entities = arguments.names("entities") if arguments.has("entities") else None
        suffixes = tuple(arguments.names("suffixes", DEFAULT_SUFFIXES))
        if not directory.is_dir():
            return ConditionResult(False, f"{directory} is not a directory")
        found = discover(directory, entities=DEFAULT_ENTITIES, suffixes=suffixes)
        ready = select_bunches(found, pattern=pattern, entities=entities)
        if not ready:
            problems = [b.problem for b in found if b.problem is not None]
            reason = f"no ready bunch matching {pattern!r} in {directory}"
            return ConditionResult(False, reason + (f" ({'; '.join(problems)})" if problems else ""))
        return ConditionResult(
            True,
            arguments={
                "directory": str(directory),
                "ok_files": [b.ok_file for b in ready],
                "files": [name for b in ready for name in b.files],
            },
        )


__all__ = ["FilesCondition"]
