"""Fixtures for sync tests: a real ERP simulator on a free port, a webhook receiver, sources pointed at them."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from conveyor.db import make_engine
from conveyor.sync import HttpSource
from conveyor.sync.simulator import SimulatorConfig, SimulatorServer

StartSimulator = Callable[..., SimulatorServer]


@pytest.fixture
def start_simulator() -> Iterator[StartSimulator]:
    """Start simulators with ``SimulatorConfig`` fields as keywords (no quota unless given); stopped after."""
    started: list[SimulatorServer] = []

    def start(**config: Any) -> SimulatorServer:
        config.setdefault("quota", "none")
        server = SimulatorServer(SimulatorConfig(**config)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def sim(start_simulator: StartSimulator) -> SimulatorServer:
    """A small seeded ERP: 12 customers, 8 products, 6 orders, no quota."""
    return start_simulator(seed=7, customers=12, products=8, orders=6)


def admin(server: SimulatorServer, method: str, path: str, body: Any = None) -> Any:
    """Call the simulator's /admin routes; fails the test on an error answer."""
    response = httpx.request(method, f"{server.url}/admin/{path}", json=body, timeout=30)
    assert response.is_success, response.text
    return response.json()


def make_source(server: SimulatorServer, **options: Any) -> HttpSource:
    """An HttpSource on the simulator with fast retries."""
    options.setdefault("retries", 2)
    options.setdefault("backoff", 0.01)
    options.setdefault("timeout", 10.0)
    return HttpSource(server.api_url, **options)


@pytest.fixture
def source(sim: SimulatorServer) -> Iterator[HttpSource]:
    with make_source(sim) as found:
        yield found


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    found = make_engine(db_url)
    yield found
    found.dispose()


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A tiny webhook endpoint that records what it is posted; answers ``status``."""

    url: str
    requests: list[Received] = field(default_factory=list)
    status: int = 200
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.requests) >= count, timeout), (
                f"{len(self.requests)} of {count} posts arrived"
            )
            return list(self.requests)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    holder: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            hook = holder["receiver"]
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with hook.arrived:
                hook.requests.append(Received(dict(self.headers.items()), body))
                hook.arrived.notify_all()
            self.send_response(hook.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["receiver"] = Receiver(f"http://127.0.0.1:{server.server_address[1]}/hook")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder["receiver"]
    server.shutdown()
    server.server_close()
