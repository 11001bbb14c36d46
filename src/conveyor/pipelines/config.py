"""Where a process finds its pipeline definitions: the settings' paths (else the shipped ones and ./pipelines),
plus the ``conveyor.pipelines`` entry points."""

from __future__ import annotations

from conveyor.pipelines.definitions import PipelineDefinition, load_definitions
from conveyor.settings import Settings, settings_or_default


def definitions(settings: Settings | Settings | None = None) -> dict[str, PipelineDefinition]:
    """Every configured pipeline, validated (DefinitionError names the file, pipeline, step and reason)."""
    required, optional = settings_or_default(settings).definition_paths()
    return load_definitions(required, optional=optional)
