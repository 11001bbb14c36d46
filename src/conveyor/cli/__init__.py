"""The ``conveyor`` command: one click group per module, registered here."""

from __future__ import annotations

import click


@click.group()
@click.version_option(package_name="conveyor")
def main() -> None:
    """Conveyor: commerce integration — queues, async/bulk API, command bus, pipelines, imports."""
