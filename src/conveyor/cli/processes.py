"""The processes that make the running system, read from the topology and settings.

One list for both ways of running it: ``conveyor up`` supervises them on one machine, ``conveyor deploy`` writes
them as supervisord programs, systemd units or crontab lines for many. Each service is a ``conveyor`` command line.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from conveyor.app import App
from conveyor.bus.topology import QUEUE_PREFIX

HEARTBEAT_SECONDS = 2.0
REFRESH_SECONDS = 5.0
RESPONSES_SECONDS = 10.0
WATCH_SECONDS = 1.0
CONSUMER_SLEEP = 1.0


@dataclass(frozen=True)
class Service:
    """A long-running ``conveyor`` command: ``numprocs`` copies of ``args``; ``once`` is its cron form (None:
    it cannot run from cron) and ``schedule`` the crontab time of that form."""

    name: str
    args: tuple[str, ...]
    description: str
    numprocs: int = 1
    once: tuple[str, ...] | None = None
    schedule: str = "* * * * *"
    consumer: bool = False


def conveyor_argv() -> list[str]:
    """How to run ``conveyor`` from a generated file: the installed script beside this Python, else ``-m``."""
    script = Path(sys.executable).parent / "conveyor"
    if script.is_file():
        return [str(script)]
    found = shutil.which("conveyor")
    return [found] if found else [sys.executable, "-m", "conveyor"]


def topology_args(app: App) -> tuple[str, ...]:
    return tuple(arg for path in app.topology_files for arg in ("--topology", str(path)))


def consumer_services(app: App, *, group_commands: bool) -> list[Service]:
    """One service per declared consumer with a Python handler, ``numprocs`` its declared processes and the
    consumer's limits on its command line. With ``group_commands`` the command queues share one worker that drains
    them by priority (``bus consume``, SkyLink's queue worker): fewer processes on one machine."""
    topology = app.topology_files and topology_args(app)
    services: list[Service] = []
    commands = []
    for consumer in app.topology.consumers.values():
        if consumer.handler is None or not consumer.handler.is_python:
            continue
        if group_commands and consumer.queue.startswith(QUEUE_PREFIX):
            commands.append(consumer.name)
            continue
        args = ["queue", "consume", consumer.name, "-v", "--sleep", str(consumer.sleep or CONSUMER_SLEEP)]
        if consumer.max_messages:
            args += ["--max-messages", str(consumer.max_messages)]
        if consumer.max_idle_time:
            args += ["--max-idle", str(consumer.max_idle_time)]
        services.append(
            Service(
                name=consumer.name,
                args=(*args, *(topology or ())),
                description=f"consumer {consumer.name} (queue {consumer.queue}, {consumer.connection})",
                numprocs=max(1, consumer.processes),
                consumer=True,
            )
        )
    if commands:
        services.insert(
            0,
            Service(
                name="commands",
                args=(
                    "bus",
                    "consume",
                    "--priority",
                    "-v",
                    "--pause-when-empty",
                    str(CONSUMER_SLEEP),
                    *(topology or ()),
                ),
                description=f"command worker ({', '.join(commands)})",
                consumer=True,
            ),
        )
    return services


def api_service(host: str, port: int) -> Service:
    return Service("api", ("api", "serve", "--host", host, "--port", str(port)), "the REST API (uvicorn)")


def system_services(
    app: App,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    group_commands: bool = False,
    watch_dir: Path | None = None,
) -> list[Service]:
    """The API, the consumers, the heartbeat, refresh (with the outbox relay) and, where configured, the import
    watch and the order-response watch."""
    settings = app.settings
    topology = topology_args(app)
    services = [
        api_service(host, port),
        *consumer_services(app, group_commands=group_commands),
        Service(
            "heartbeat",
            ("pipeline", "heartbeat", "--quiet", "--loop", str(HEARTBEAT_SECONDS), *topology),
            "the pipelines' heartbeat",
            once=("pipeline", "heartbeat", "--quiet", *topology),
        ),
        Service(
            "refresh",
            ("queue", "refresh", "--loop", str(REFRESH_SECONDS), *topology),
            "refresh: stuck reservations back, the outbox relayed",
            once=("queue", "refresh", *topology),
            schedule="*/5 * * * *",
        ),
    ]
    directory = watch_dir or settings.import_watch_dir
    if directory is not None:
        services.append(
            Service(
                "import-watch",
                ("import", "watch", str(Path(directory).resolve()), "--interval", str(WATCH_SECONDS)),
                f"the import watch of {directory}",
                once=("import", "watch", str(Path(directory).resolve()), "--once"),
            )
        )
    if Path(settings.orders_rules).is_file():
        services.append(
            Service(
                "order-responses",
                ("orders", "responses", "--loop", str(RESPONSES_SECONDS)),
                "the order-response watch",
                once=("orders", "responses"),
            )
        )
    return services
