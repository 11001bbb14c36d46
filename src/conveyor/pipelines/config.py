"""Where a process finds its pipeline definitions: the settings' paths (else the shipped ones and ./pipelines),
plus the ``conveyor.pipelines`` entry points."""

from __future__ import annotations

from conveyor.pipelines.definitions import PipelineDefinition, load_definitions
from conveyor.pipelines.settings import PipelineSettings, pipeline_settings
from conveyor.settings import Settings


def definitions(settings: Settings | PipelineSettings | None = None) -> dict[str, PipelineDefinition]:
    """Every configured pipeline, validated (DefinitionError names the file, pipeline, step and reason)."""
    required, optional = pipeline_settings(settings).definition_paths()
    return load_definitions(required, optional=optional)
