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
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from conveyor.api.app import create_app
from conveyor.api.eds import PATH
from conveyor.cli.bus import bus
from conveyor.db import make_engine
from conveyor.mq import MessageQueue, Topology
from conveyor.serving import BackgroundServer
from conveyor.settings import Settings, get_settings
from conveyor.sync import HttpSource
from conveyor.sync.signing import signed_headers
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


# -- event-driven sync: the API serving the webhook, the simulator posting to it --------------------------------

SECRET = "eds-shared-secret"
WIDE = CliRunner(env={"COLUMNS": "250"})  # rich tables as wide as their rows
QUEUES = ["price-groups", "attributes", "customers", "products", "fulfillments", "change-sets"]


@dataclass
class Eds:
    sim: SimulatorServer
    api: BackgroundServer
    engine: Engine

    def post(self, body: dict[str, Any], *, secret: str = SECRET, now: float | None = None) -> httpx.Response:
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", **signed_headers(secret, raw, now)}
        return httpx.post(self.api.url + PATH, content=raw, headers=headers, timeout=30)

    def work(self) -> None:
        """Drain every sync queue (dependencies first), as `conveyor bus consume --priority` does."""
        done = CliRunner().invoke(bus, ["consume", *QUEUES, "--priority", "--stop-when-empty"])
        assert done.exit_code == 0, done.output

    def row(self, change_set_id: str) -> Any:
        with self.engine.connect() as conn:
            query = sa.text("select * from eds_change_set where change_set_id = :i")
            return conn.execute(query, {"i": change_set_id}).one_or_none()

    def waiting(self) -> int:
        with self.engine.connect() as conn:
            query = sa.text("select count(*) from queue_message_status where status in (2, 5)")
            return int(conn.execute(query).scalar_one())


StartEds = Callable[..., Eds]


@pytest.fixture
def start_eds(start_simulator: StartSimulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[StartEds]:
    """The API on a free port with the simulator posting to its webhook; the environment the workers read."""
    servers: list[BackgroundServer] = []

    def start(database_url: str, amqp_url: str | None = None, **sim: Any) -> Eds:
        monkeypatch.setenv("CONVEYOR_DATABASE_URL", database_url)
        monkeypatch.setenv("CONVEYOR_EDS_SECRET", SECRET)
        if amqp_url is not None:
            monkeypatch.setenv("CONVEYOR_AMQP_URL", amqp_url)
            monkeypatch.setenv("CONVEYOR_BUS_CONNECTION", "amqp")
        api = BackgroundServer(create_app(Settings()), name="conveyor-api").start()
        servers.append(api)
        server = start_simulator(webhook_url=api.url + PATH, webhook_secret=SECRET, **sim)
        monkeypatch.setenv("CONVEYOR_SOURCE_URL", server.api_url)
        get_settings.cache_clear()
        return Eds(server, api, make_engine(database_url))

    yield start
    get_settings.cache_clear()
    for server in servers:
        server.stop()


def queue_on(engine: Engine) -> MessageQueue:
    """A MessageQueue on ``engine``'s database with no queue bound: sync runs write through its transactions, and
    the events they emit reach nobody."""
    return MessageQueue(Topology(), database_url=engine.url.render_as_string(hide_password=False))
