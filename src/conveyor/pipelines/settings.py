"""Settings of pipelines, on top of the process-wide ``Settings`` (same ``CONVEYOR_`` environment)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator

from conveyor.settings import Settings

SHIPPED_PIPELINES = Path(__file__).resolve().parent.parent / "examples" / "pipelines"
LOCAL_PIPELINES = Path("pipelines")


class PipelineSettings(Settings):
    """``Settings`` plus where definitions live, where steps travel and how the heartbeat behaves."""

    pipeline_paths: list[Path] = Field(
        default_factory=list,
        description="YAML files or folders of pipeline definitions (default: the shipped ones and ./pipelines).",
    )
    pipeline_connection: str = Field(
        default="db",
        description="Connection of the pipeline_process_steps queue: a name of CONVEYOR_CONNECTIONS (db, amqp…).",
    )
    pipeline_work_dir: Path = Field(
        default=Path("var/pipelines"), description="Where pipelines asking for a working directory get one."
    )
    pipeline_mini_heartbeat: bool = Field(
        default=True, description="After a step, enqueue that pipeline's next ready steps at once."
    )
    pipeline_heartbeat_ttl: float = Field(
        default=300.0, gt=0, description="Seconds a heartbeat's lock outlives a heartbeat that died holding it."
    )

    def definition_paths(self) -> tuple[list[Path], list[Path]]:
        """(required, optional) definition paths: the configured ones, else the shipped folder and ./pipelines."""
        if self.pipeline_paths:
            return list(self.pipeline_paths), []
        return [], [SHIPPED_PIPELINES, LOCAL_PIPELINES]

    @model_validator(mode="after")
    def _known_pipeline_connection(self) -> PipelineSettings:
        self.check_connection(self.pipeline_connection, "CONVEYOR_PIPELINE_CONNECTION")
        return self


def pipeline_settings(settings: Settings | None = None) -> PipelineSettings:
    """``settings`` widened to ``PipelineSettings`` (the pipeline fields then come from the environment)."""
    if settings is None:
        return get_pipeline_settings()
    if isinstance(settings, PipelineSettings):
        return settings
    return PipelineSettings(**settings.model_dump())


@lru_cache(maxsize=1)
def get_pipeline_settings() -> PipelineSettings:
    """The process-wide pipeline settings, read once."""
    return PipelineSettings()
