"""The order export's test world: a real SMTP server, the ERP simulator, two websites, orders placed through REST,
and the pipelines driven in-process (heartbeat passes and draining runners)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import paramiko
import sqlalchemy as sa
import yaml
from aiosmtpd.controller import Controller

from conveyor.catalog.stores import store_group_table, store_table, website_table
from conveyor.mq.queue import MessageQueue
from conveyor.orders import ExportRules, export_table, parse_rules
from conveyor.pipelines.heartbeat import Heartbeat
from conveyor.pipelines.schema import pipeline_table, step_table
from conveyor.pipelines.topology import pipelines_topology
from conveyor.settings import Settings
from conveyor.sync.simulator.server import SimulatorServer
from tests.integration.api.harness import Harness
from tests.support.pipelines import drain
from tests.support.testdata import TESTDATA

OPENTRANS_SCHEMA = TESTDATA / "opentrans-2.1/opentrans_2_1.xsd"


class Mailbox:
    """aiosmtpd handler: every message received, parsed."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@contextmanager
def erp_simulator() -> Iterator[SimulatorServer]:
    server = SimulatorServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


@contextmanager
def sshd_server(root: Path, port: int | None = None) -> Iterator[tuple[int, Path, Path]]:
    """A real OpenSSH server on loopback (key authentication, internal-sftp) with its files under ``root``, on
    ``port`` or a free one: (port, the user's private key, a directory to upload into)."""
    import pytest

    from tests.conftest import REQUIRE

    if not os.path.exists(SSHD):
        if REQUIRE:
            pytest.fail("sshd is missing (.ci/run installs openssh-server)")
        pytest.skip("sshd is not installed (apt-get install openssh-server)")
    paramiko.RSAKey.generate(2048).write_private_key_file(str(root / "host_key"))
    user_key = paramiko.RSAKey.generate(2048)
    user_key.write_private_key_file(str(root / "user_key"))
    (root / "authorized_keys").write_text(f"{user_key.get_name()} {user_key.get_base64()}\n")
    os.chmod(root / "host_key", 0o600)
    Path("/run/sshd").mkdir(exist_ok=True)  # the privilege separation directory sshd insists on
    port = port or free_port()
    config = root / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {root / 'host_key'}\nPidFile {root / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {root / 'authorized_keys'}\nStrictModes no\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nUsePAM no\nPermitRootLogin yes\n"
        "MaxStartups 100:30:200\nSubsystem sftp internal-sftp\n"
    )
    process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                output = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"sshd did not start: {output}") from None
            time.sleep(0.05)
    drop = root / "drop"
    drop.mkdir(exist_ok=True)
    try:
        yield port, root / "user_key", drop
    finally:
        process.terminate()
        process.wait(5)


def add_website(engine: sa.Engine, website_id: int, code: str) -> int:
    """A website with one store group and store view (same id as the website); the store id."""
    with engine.begin() as conn:
        conn.execute(website_table.insert().values(website_id=website_id, code=code, name=code.title()))
        conn.execute(
            store_group_table.insert().values(
                group_id=website_id, website_id=website_id, code=f"{code}_group", name=code, default_store_id=website_id
            )
        )
        conn.execute(
            store_table.insert().values(
                store_id=website_id, code=f"{code}_view", website_id=website_id, group_id=website_id, name=code
            )
        )
    return website_id


def order_payload(store_id: int, number: str, method: str, *, created_at: str | None = None) -> dict[str, Any]:
    address = {
        "firstname": "Jane",
        "lastname": "Doe",
        "street": ["1 Main St"],
        "city": "Berlin",
        "postcode": "10115",
        "country_id": "DE",
        "telephone": "555-0100",
    }
    entity: dict[str, Any] = {
        "increment_id": number,
        "store_id": store_id,
        "customer_email": f"{number.lower()}@example.com",
        "customer_firstname": "Jane",
        "customer_lastname": "Doe",
        "grand_total": 24.99,
        "subtotal": 19.99,
        "order_currency_code": "EUR",
        "items": [
            {"sku": "SOCKS", "name": "Socks & more", "qty_ordered": 2, "price": 4.99, "row_total": 9.98},
            {"sku": "SHIRT", "name": "Shirt <red>", "qty_ordered": 1, "price": 10.01, "row_total": 10.01},
        ],
        "billing_address": address,
        "payment": {"method": method},
        "extension_attributes": {"shipping_assignments": [{"shipping": {"address": address, "method": "flat"}}]},
    }
    if created_at is not None:
        entity["created_at"] = created_at
    return entity


def place(api: Harness, entity: dict[str, Any]) -> dict[str, Any]:
    answer = api.send("POST", "/rest/V1/orders", {"entity": entity})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


@dataclass
class World:
    """What a test of the export drives: the API, the pipelines' queue, the rules file, the servers."""

    api: Harness
    mq: MessageQueue
    settings: Settings
    rules_path: Path
    root: Path
    mailbox: Mailbox
    smtp_port: int
    erp: SimulatorServer
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def engine(self) -> sa.Engine:
        return self.mq.engine

    def write_rules(self, raw: dict[str, Any]) -> ExportRules:
        """Write the rules file (read by the runners through CONVEYOR_ORDERS_RULES) and parse it."""
        rules = parse_rules(raw, str(self.rules_path))
        self.rules_path.write_text(yaml.safe_dump(raw), encoding="utf-8")
        return rules

    def run_pipelines(self) -> int:
        """A heartbeat pass, then runners until the queue is empty; how many steps ran."""
        Heartbeat(self.mq, {}, self.settings).run()
        return drain(self.mq, self.settings)

    def exports(self) -> list[sa.Row[Any]]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(sa.select(export_table).order_by(export_table.c.increment_id, export_table.c.target))
            )

    def steps(self, pipeline_id: int) -> dict[str, sa.Row[Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(step_table).where(step_table.c.pipeline_id == pipeline_id))
            return {row.name: row for row in rows}

    def pipeline_status(self, pipeline_id: int) -> str:
        with self.engine.connect() as conn:
            return str(
                conn.execute(sa.select(pipeline_table.c.status).where(pipeline_table.c.id == pipeline_id)).scalar()
            )

    def received(self) -> list[dict[str, Any]]:
        import httpx

        return list(httpx.get(f"{self.erp.url}/admin/sales-orders").json())


def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    """The SMTP server stores a message just after the client's QUIT returns: allow it a moment."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


def world_settings(db_url: str, rules_path: Path, work: Path) -> Settings:
    return Settings(database_url=db_url, amqp_url="amqp://unused", orders_rules=rules_path, pipeline_work_dir=work)


def pipelines_mq(settings: Settings, db_url: str) -> MessageQueue:
    mq = MessageQueue(pipelines_topology("db"), settings, database_url=db_url, amqp_url="amqp://unused")
    mq.declare()
    return mq
