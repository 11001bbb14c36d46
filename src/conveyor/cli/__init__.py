"""The ``conveyor`` command: one click group per module, registered here."""

from __future__ import annotations

import click

from conveyor.cli.api import api
from conveyor.cli.bulk import bulk
from conveyor.cli.bus import bus, commands
from conveyor.cli.change_sets import change_sets
from conveyor.cli.db import db
from conveyor.cli.demo import demo
from conveyor.cli.demo_sync import demo_sync
from conveyor.cli.deploy import deploy
from conveyor.cli.erp_sim import erp_sim
from conveyor.cli.errors import GuardedGroup
from conveyor.cli.importer import importer
from conveyor.cli.orders import orders
from conveyor.cli.pipeline import pipeline
from conveyor.cli.queue import queue
from conveyor.cli.sync import sync
from conveyor.cli.sync_log import log as sync_log
from conveyor.cli.token import token, user
from conveyor.cli.topology import topology
from conveyor.cli.up import up


@click.group(cls=GuardedGroup)
@click.version_option(package_name="conveyor")
def main() -> None:
    """Conveyor: commerce integration — queues, async/bulk API, command bus, pipelines, imports."""


sync.add_command(sync_log)
sync.add_command(change_sets)
for command in (
    api,
    bulk,
    bus,
    commands,
    db,
    demo,
    deploy,
    demo_sync,
    erp_sim,
    importer,
    orders,
    pipeline,
    queue,
    sync,
    token,
    topology,
    up,
    user,
):
    main.add_command(command)
