"""``conveyor api serve`` (the REST API under uvicorn) and ``conveyor api routes`` (what it serves)."""

from __future__ import annotations

from pathlib import Path

import click

from conveyor.cli.common import ConfigError, console, setup_logging, verbosity_option


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
        log_config=None,  # uvicorn's lines go through our handler: the correlation id, JSON when asked
        timeout_graceful_shutdown=5,  # open streams (the admin UI's live pages) must not hold a stop forever
    )


@api.command()
@click.option("--magento", is_flag=True, help="Compare with Magento's route tables (webapi.xml), per module.")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of <Module>/webapi.xml files (default: ../shared/testdata/magento-webapi).",
)
@click.option("--missing", is_flag=True, help="With --magento: list each route not served.")
def routes(magento: bool, directory: Path | None, missing: bool) -> None:
    """The routes served (method, path, ACL resource); with --magento, served/declared per Magento module."""
    from rich.table import Table

    from conveyor.api.magento_routes import DEFAULT_DIR, MODULES, SALES, coverage, in_scope
    from conveyor.api.operations import default_registry

    registry = default_registry()
    if not magento:
        table = Table("method", "path", "resource")
        for op in sorted(registry, key=lambda o: (o.path, o.method)):
            table.add_row(op.method, op.path, "anonymous" if op.public else op.resource)
        console.print(table)
        return
    folder = directory or DEFAULT_DIR
    if not (folder / "Store" / "webapi.xml").is_file():
        raise ConfigError(f"no Magento webapi.xml files under {folder} (give --dir)")
    result = coverage(in_scope(folder, (*MODULES, *SALES)), registry)
    table = Table("module", "served", "declared")
    for module, (served, declared) in result.by_module().items():
        table.add_row(module, str(served), str(declared))
    total = len(result.declared)
    table.add_row("total", str(len(result.served)), str(total), style="bold")
    console.print(table)
    if missing:
        for route in result.missing:
            click.echo(f"missing  {route.module:<36} {route}")
    for route, ours in result.wrong_resource:
        click.echo(f"resource {route.module:<36} {route}: declares {ours}, Magento {','.join(route.resources)}")
