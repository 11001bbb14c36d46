"""``conveyor api serve``: the REST API under uvicorn."""

from __future__ import annotations

import click

from conveyor.cli.common import setup_logging, verbosity_option


@click.group()
def api() -> None:
    """The Magento-compatible REST API."""


@api.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@verbosity_option
def serve(host: str, port: int, workers: int, verbose: int) -> None:
    """Serve the API (OpenAPI at /openapi.json, docs at /docs) on CONVEYOR_DATABASE_URL."""
    import uvicorn

    setup_logging(verbose)
    uvicorn.run(
        "conveyor.app:create_api",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level={0: "warning", 1: "info"}.get(verbose, "debug"),
    )
