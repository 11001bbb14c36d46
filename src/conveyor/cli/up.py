"""``conveyor up``: the whole system in one supervised process tree, on the configured store (SQLite under ./var/).

The processes are ``cli.processes.system_services`` (the API, the consumers, the heartbeat, refresh with the outbox
relay, the watches where configured), each a ``conveyor`` command run and restarted by ``conveyor.supervisor``.
Counters of every child land in one Prometheus multiprocess directory under ``var/``, which the API's
``/metrics`` reads.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import click
import httpx

from conveyor.cli.common import ConfigError, console, setup_logging, verbosity_option
from conveyor.cli.processes import Service, api_service, system_services
from conveyor.supervisor import Program, Supervisor

READY_TIMEOUT = 60.0
METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def programs(services: list[Service], prefix: list[str], env: dict[str, str]) -> list[Program]:
    """One program per process: a service with ``numprocs`` n becomes ``name-1`` … ``name-n``."""
    found = []
    for service in services:
        for n in range(1, service.numprocs + 1):
            name = service.name if service.numprocs == 1 else f"{service.name}-{n}"
            found.append(Program(name, [*prefix, *service.args], env))
    return found


def metrics_dir(var: Path) -> Path:
    """A fresh multiprocess directory: prometheus_client's files of a former run would be counted again."""
    directory = (var / "prometheus").resolve()
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


def port_free(host: str, port: int) -> None:
    """Refuse a port something else listens on: the API would crash and be restarted forever."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ConfigError(f"--port {port}: cannot listen on {host}:{port} ({exc.strerror}); pick another") from None


def wait_ready(url: str, alive: Callable[[], bool], timeout: float = READY_TIMEOUT) -> bool:
    """True once ``url`` answers 200, False if ``alive`` turns false or the timeout passes first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface the API and admin UI listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--watch",
    "watch_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Import OK-file bunches dropped here (default: CONVEYOR_IMPORT_WATCH_DIR; unset: no import watch).",
)
@click.option("--demo", is_flag=True, help="Load a demo into the running system: catalogue, ERP sync, orders.")
@verbosity_option
def up(host: str, port: int, watch_dir: Path | None, demo: bool, verbose: int) -> None:
    """Run the whole system until Ctrl+C or SIGTERM: the API, every consumer, the heartbeat, refresh and the
    watches, restarted when they crash; each output line starts with its process's name."""
    from conveyor.app import App
    from conveyor.db import make_engine, upgrade
    from conveyor.settings import get_settings

    setup_logging(verbose)
    port_free(host, port)
    settings = get_settings()
    var = Path("var")
    var.mkdir(exist_ok=True)
    upgrade(make_engine(settings.database_url))
    env = {METRICS_DIR: str(metrics_dir(var))}
    staged = None
    if demo:
        from conveyor.cli.up_demo import DemoStage

        staged = DemoStage.prepare(var, port)
        env.update(staged.env)
        os.environ.update(staged.env)
        get_settings.cache_clear()
        staged.login()
    prefix = [sys.executable, "-m", "conveyor"]
    supervisor = Supervisor(programs([api_service(host, port)], prefix, env))

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        console.print(f"stopping (signal {signum}): every process finishes its message")
        supervisor.request_stop()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    stopping = threading.Event()
    running = threading.Thread(target=supervisor.run, name="supervisor", daemon=True)
    running.start()  # the API first: it is what people wait for, and the others' start competes for the CPU
    with App(get_settings()) as app:
        services = system_services(app, host=host, port=port, group_commands=True, watch_dir=watch_dir)
    for program in programs([s for s in services if s.name != "api"], prefix, env):
        supervisor.add(program, held=True)
    console.print(f"store {settings.database_url}; {len(supervisor.children)} processes", highlight=False)
    url = f"http://{host}:{port}"
    if wait_ready(f"{url}/health/live", running.is_alive):
        supervisor.release()
        console.print(
            f"API at {url}/rest, admin UI at {url}/admin, metrics at {url}/metrics", highlight=False, soft_wrap=True
        )
        if staged is not None:
            console.print(f"admin UI: {url}/admin  login: {staged.username} / {staged.password}", highlight=False)
            demo_args = (url, supervisor.say, stopping)
            threading.Thread(target=staged.run, args=demo_args, name="demo", daemon=True).start()
    while running.is_alive():
        running.join(0.5)
    stopping.set()
    if staged is not None:
        staged.close()
    console.print("stopped")
