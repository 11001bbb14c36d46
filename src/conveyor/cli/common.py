"""What every command group shares: logging verbosity, loading the topology, building the MessageQueue."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console

from conveyor.app import App
from conveyor.heap import freeze_loaded
from conveyor.logs import configure as configure_logs
from conveyor.mq.config import load_topology
from conveyor.mq.topology import Topology, TopologyError
from conveyor.settings import Settings, get_settings

if TYPE_CHECKING:
    from conveyor.mq.consumer import Worker

F = TypeVar("F", bound=Callable[..., Any])


class _CurrentConsole:
    """A rich ``Console`` for the environment a command runs in, so its width follows ``COLUMNS`` and the output
    stream as they are when it prints. One made at import would keep the width of whichever environment imported
    the CLI first (a test runner's, a narrower shell's) and fold every later table to it. Within one environment
    it is the same Console, as live displays (progress bars) need."""

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr
        self._made: dict[tuple[object, ...], Console] = {}

    def now(self) -> Console:
        """The Console itself, for what holds on to it (``Progress(console=console.now())``)."""
        key = (os.environ.get("COLUMNS"), os.environ.get("LINES"), id(sys.stdout), id(sys.stderr))
        found = self._made.get(key)
        if found is None:
            found = self._made[key] = Console(stderr=self._stderr)
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self.now(), name)


console = _CurrentConsole()
err_console = _CurrentConsole(stderr=True)

EXAMPLE_TOPOLOGY = Path(__file__).resolve().parent.parent / "examples" / "topology.yaml"

# Exit codes of the long-running commands (documented in the README).
EXIT_OK = 0
EXIT_STOPPED_ON_ERROR = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3


class ConfigError(click.ClickException):
    """A bad topology, queue name or handler: exit code 2 like a usage error."""

    exit_code = EXIT_USAGE


def setup_logging(verbosity: int) -> None:
    """-v info, -vv debug for conveyor, -vvv debug for everything (drivers included); text lines with the correlation
    id, or JSON (``CONVEYOR_LOG_FORMAT=json``)."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    configure_logs(logging.DEBUG if verbosity >= 3 else logging.WARNING, get_settings().log_format)
    logging.getLogger("conveyor").setLevel(level)
    # pika logs every failed reconnect attempt at ERROR; the transport reports what matters itself
    logging.getLogger("pika").setLevel(logging.DEBUG if verbosity >= 3 else logging.CRITICAL)


def run_worker(worker: Worker) -> int:
    """Run a long-running consumer until a limit or a signal stops it; its exit code. What it loaded to get here
    stays for the process's life, so it is frozen out of garbage collection first (``conveyor.heap`` says why)."""
    freeze_loaded()
    return worker.run()


def verbosity_option(func: F) -> F:
    return click.option("-v", "--verbose", "verbose", count=True, help="-v info, -vv debug, -vvv drivers too.")(func)


def topology_option(func: F) -> F:
    return click.option(
        "-t",
        "--topology",
        "topology_files",
        multiple=True,
        type=click.Path(exists=True, path_type=Path),
        help="YAML file or Magento module folder (repeatable; default: CONVEYOR_TOPOLOGY_FILES).",
    )(func)


def topology_paths(given: Sequence[Path], settings: Settings | None = None) -> list[Path]:
    """The files given, else the settings' (none: the packages' built-in topologies alone).

    The packaged example (``EXAMPLE_TOPOLOGY``) is the demo's, never a silent default: it binds the domain
    events (``catalog.product.*``, ``#``) to demo queues, which would fill up in a running system."""
    if given:
        return list(given)
    configured = (settings or get_settings()).topology_files
    return list(configured)


@lru_cache(maxsize=8)
def _load(paths: tuple[Path, ...]) -> Topology:
    return load_topology(paths, builtins=True)  # with async.operations.all and other packages' own queues


def load(given: Sequence[Path]) -> Topology:
    try:
        return _load(tuple(topology_paths(given)))
    except TopologyError as exc:
        raise ConfigError(str(exc)) from exc


@contextmanager
def opened(given: Sequence[Path]) -> Iterator[App]:
    """The App of the topology files (given, else the settings', else the example), closed afterwards; an unknown
    queue or handler exits 2."""
    settings = Settings()  # read now: tests change the environment
    app = App(settings, topology_files=topology_paths(given, settings))
    try:
        yield app
    except TopologyError as exc:
        raise ConfigError(str(exc)) from exc
    finally:
        app.close()


def refresh_options(what: str) -> Callable[[F], F]:
    """``--reserved`` and ``--attempts`` of every refresh command (queue refresh, bus refresh)."""

    def decorate(function: F) -> F:
        function = click.option(
            "--attempts",
            type=click.IntRange(min=1),
            default=3,
            show_default=True,
            help=f"Dead-letter {what} that already had this many attempts.",
        )(function)
        return click.option(
            "--reserved",
            type=click.IntRange(min=10),
            default=3600,
            show_default=True,
            help="Return reservations older than this many seconds.",
        )(function)

    return decorate
