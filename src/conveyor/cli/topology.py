"""``conveyor topology``: show and validate queue topologies (YAML files and Magento module folders)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from conveyor.cli.common import topology_paths
from conveyor.cli.render_topology import topology_mermaid, topology_summary, topology_tables, topology_text_graph
from conveyor.mq.config import load_topology
from conveyor.mq.topology import Topology, TopologyError

TOPOLOGY_PATHS = click.Path(exists=True, path_type=Path)


def _load(paths: list[Path], *, builtins: bool = False) -> Topology:
    """The merged, validated topology, its warnings on stderr; an invalid one ends the command with status 1."""
    try:
        loaded = load_topology(paths, builtins=builtins, log_warnings=False)
    except TopologyError as exc:
        click.echo(f"invalid topology: {exc}", err=True)
        raise click.exceptions.Exit(1) from exc
    for warning in loaded.warnings:
        click.echo(f"warning: {warning}", err=True)
    return loaded


@click.group()
def topology() -> None:
    """Inspect the queue topology: topics, exchanges, bindings, queues, publishers, consumers."""


@topology.command()
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "text", "mermaid"]),
    default="table",
    show_default=True,
    help="Tables per element, an ASCII route graph, or a Mermaid flowchart.",
)
@click.argument("files", nargs=-1, type=TOPOLOGY_PATHS)
def show(output: str, files: tuple[Path, ...]) -> None:
    """Show the topology merged from FILES (YAML files or Magento module folders, in order).

    Without FILES: the configured topology files (CONVEYOR_TOPOLOGY_FILES) over the built-in topologies, as the
    running system sees them.
    """
    loaded = _load(topology_paths(files), builtins=not files)
    if output == "table":
        console = Console()
        for table in topology_tables(loaded):
            console.print(table)
    elif output == "text":
        click.echo(topology_text_graph(loaded), nl=False)
    else:
        click.echo(topology_mermaid(loaded), nl=False)


@topology.command()
@click.argument("files", nargs=-1, required=True, type=TOPOLOGY_PATHS)
def validate(files: tuple[Path, ...]) -> None:
    """Check that FILES merge into a valid topology; exit 1 naming the file, element and attribute if not."""
    click.echo(f"valid: {topology_summary(_load(list(files)))}")
