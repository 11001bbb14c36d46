"""The order export end to end, as users run it: orders placed through REST on two websites, the rules file, a
heartbeat and runner processes (``conveyor pipeline heartbeat --loop`` and ``conveyor pipeline runner``), the ERP's
four ways in (a local directory, a real OpenSSH server, the ERP simulator's REST and SOAP routes), response files
read by ``conveyor orders responses``, mail through a real SMTP server.

``Plan`` says, from the orders the test placed and nothing the code computed, which orders each target must get;
``check`` compares that with what every target received. The acceptance tests and ``bench/orders_e2e.py`` (the
same run with 1,000 orders) share it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
import yaml
from lxml import etree

from conveyor.mq.queue import MessageQueue
from conveyor.orders import export_table, parse_rules
from conveyor.pipelines.schema import pipeline_table, step_table
from conveyor.pipelines.topology import pipelines_topology
from conveyor.settings import Settings
from tests.integration.api.harness import Harness, harness
from tests.integration.orders.support import (
    OPENTRANS_SCHEMA,
    Mailbox,
    add_website,
    erp_simulator,
    order_payload,
    smtp_server,
    sshd_server,
)

ROOT = Path(__file__).resolve().parents[3]
OT = {"o": "http://www.opentrans.org/XMLSchema/2.1", "b": "http://www.bmecat.org/bmecat/2005"}
# second numbers its lines 1, 2, 3… as L-001; base keeps the default 0010, 0020…
LINE_NUMBERS = {"second": {"start": 1, "step": 1, "width": 3, "prefix": "L-"}}
BASE_LINES, SECOND_LINES = ["0010", "0020"], ["L-001", "L-002"]
KEYED = ("order_export.erp-http", "order_export.erp-soap")  # channels that send an idempotency key


@dataclass(frozen=True)
class Placed:
    increment_id: str
    website: str
    method: str
    held: bool = False  # put on hold after placing: status holded
    old: bool = False  # placed ten days ago


@dataclass
class Plan:
    """The orders to place and, from them alone, what each target must receive."""

    orders: list[Placed]
    unanswered_every: int = 5  # of base's exported orders, every n-th gets no response file

    @classmethod
    def of(cls, count: int) -> Plan:
        base_methods = ("checkmo", "banktransfer", "purchaseorder", "banktransfer")
        second_methods = ("purchaseorder", "checkmo", "banktransfer")
        orders = []
        for n in range(count):
            if n % 2 == 0:
                method = base_methods[(n // 2) % len(base_methods)]
                held = method == "banktransfer" and (n // 2) % 4 == 3  # a held bank transfer is not pending
                orders.append(Placed(f"B{n:06d}", "base", method, held=held))
            else:
                method = second_methods[(n // 2) % len(second_methods)]
                orders.append(Placed(f"S{n:06d}", "second", method, old=(n // 2) % 7 == 6))
        return cls(orders)

    @property
    def base(self) -> list[str]:
        """base exports checkmo orders, and bank transfers while pending."""
        return [
            o.increment_id
            for o in self.orders
            if o.website == "base" and (o.method == "checkmo" or (o.method == "banktransfer" and not o.held))
        ]

    @property
    def second(self) -> list[str]:
        """second exports purchase orders and checkmo of the last day."""
        return [
            o.increment_id
            for o in self.orders
            if o.website == "second" and o.method in ("purchaseorder", "checkmo") and not o.old
        ]

    @property
    def answered(self) -> list[str]:
        return [n for i, n in enumerate(self.base) if i % self.unanswered_every != self.unanswered_every - 1]

    @property
    def unanswered(self) -> list[str]:
        return sorted(set(self.base) - set(self.answered))

    @property
    def accepted(self) -> list[str]:
        """The orders an ERP accepted on a target that notifies: one mail each."""
        return sorted(self.answered + self.second)

    def expected_exports(self) -> dict[tuple[str, str], str]:
        """(order, target) → the export's final status."""
        expected = {}
        for number in self.base:
            expected[(number, "erp-file")] = "notified" if number in self.answered else "sent"
            expected[(number, "erp-sftp")] = "accepted"
        for number in self.second:
            expected[(number, "erp-http")] = "notified"
            expected[(number, "erp-soap")] = "accepted"
        return expected


def rules(root: Path, erp_url: str, smtp_port: int, sftp: tuple[int, Path, Path]) -> dict[str, Any]:
    """base: openTRANS files answered by response files (mail on acceptance), CSV over SFTP (no answer);
    second: JSON over HTTP and openTRANS over SOAP to the ERP simulator, both answering with the ERP's id (mail
    for the HTTP one). Transform and transport are one step where nothing is gained by two."""
    port, key, drop = sftp
    email = {"sender": "shop@example.com", "host": "127.0.0.1", "port": smtp_port, "subject": "Order {increment_id}"}
    merged = {"merged": [["transform", "transport"]]}
    return {
        "websites": {
            "base": {
                "conditions": [{"payment_method": "checkmo"}, {"payment_method": "banktransfer", "status": "pending"}],
                "targets": [
                    {
                        "name": "erp-file",
                        "format": "opentrans",
                        "channel": "file",
                        "options": {"directory": str(root / "out"), "pattern": "{increment_id}.{extension}"},
                        "response": {"type": "file", "directory": str(root / "responses")},
                        "notify": {"email": email},
                        "steps": merged,
                    },
                    {
                        "name": "erp-sftp",
                        "format": "csv",
                        "channel": "sftp",
                        "options": {
                            "host": "127.0.0.1",
                            "port": port,
                            "username": _user(),
                            "key_file": str(key),
                            "directory": str(drop),
                            "pattern": "ORDER_{increment_id}.{extension}",
                            "host_key": "accept",
                            "timeout": 10,
                        },
                        "retries": 3,
                        "steps": merged,
                    },
                ],
            },
            "second": {
                "conditions": [{"payment_method": "purchaseorder"}, {"payment_method": "checkmo"}],
                "max_age": "1d",
                "targets": [
                    {
                        "name": "erp-http",
                        "format": "json",
                        "channel": "http",
                        "options": {
                            "url": f"{erp_url}/api/v1/sales-orders",
                            "auth": {"type": "hmac", "secret": "s3cret"},
                        },
                        "response": {"type": "sync"},
                        "retries": 3,
                        "notify": {"email": email},
                        "steps": {"merged": [["transform", "transport", "response"]]},
                    },
                    {
                        "name": "erp-soap",
                        "format": "opentrans",
                        "channel": "soap",
                        "options": {"wsdl": f"{erp_url}/api/v1/soap/orders?wsdl", "timeout": 10},
                        "response": {"type": "sync"},
                        "retries": 3,
                        "steps": {"merged": [["transform", "transport", "response"]]},
                    },
                ],
            },
        }
    }


def _user() -> str:
    import getpass

    return getpass.getuser()


@dataclass
class Run:
    """One end-to-end world: the API, the servers, the rules, and the processes once started."""

    api: Harness
    settings: Settings
    root: Path
    mailbox: Mailbox
    erp_url: str
    sftp_drop: Path
    rules_path: Path
    processes: list[tuple[str, subprocess.Popen[bytes], Path]] = field(default_factory=list)
    order_ids: dict[str, int] = field(default_factory=dict)

    @property
    def engine(self) -> sa.Engine:
        return self.api.engine

    # --- the shop's side ---------------------------------------------------------------------------------------
    def place(self, plan: Plan) -> None:
        """Every order through REST, half through ``PUT /V1/orders/create``, half through ``POST /V1/orders``;
        the held ones put on hold through ``POST /V1/orders/{id}/hold``."""
        stores = {"base": 1, "second": 2}
        old = (datetime.now(UTC) - timedelta(days=10)).strftime("%Y-%m-%d %H:%M:%S")
        for n, order in enumerate(plan.orders):
            entity = order_payload(
                stores[order.website], order.increment_id, order.method, created_at=old if order.old else None
            )
            method, path = ("PUT", "/rest/V1/orders/create") if n % 2 else ("POST", "/rest/V1/orders")
            answer = self.api.send(method, path, {"entity": entity})
            assert answer.status_code == 200, answer.text
            self.order_ids[order.increment_id] = int(answer.json()["entity_id"])
            if order.held:
                held = self.api.send("POST", f"/rest/V1/orders/{answer.json()['entity_id']}/hold")
                assert held.status_code == 200 and held.json() is True, held.text

    # --- processes ---------------------------------------------------------------------------------------------
    def environment(self) -> dict[str, str]:
        s = self.settings
        return {
            **os.environ,
            "CONVEYOR_DATABASE_URL": s.database_url,
            "CONVEYOR_AMQP_URL": s.amqp_url,
            "CONVEYOR_PIPELINE_CONNECTION": s.pipeline_connection,
            "CONVEYOR_PIPELINE_WORK_DIR": str(s.pipeline_work_dir),
            "CONVEYOR_ORDERS_RULES": str(self.rules_path),
            "CONVEYOR_QUEUE_WORKER_DEAD_AFTER_SECONDS": "3",
            "PYTHONPATH": str(ROOT),
        }

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = self.root / f"{name}.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "conveyor", *args],
                cwd=ROOT,
                env=self.environment(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.processes.append((name, process, log))
        return process

    def start_heartbeat(self) -> None:
        self.start("heartbeat", "pipeline", "heartbeat", "--loop", "0.3")

    def start_runner(self, name: str, batch: int = 5) -> subprocess.Popen[bytes]:
        return self.start(name, "pipeline", "runner", "--sleep", "0.1", "--batch-size", str(batch), "-v")

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "conveyor", *args],
            cwd=ROOT,
            env={**self.environment(), "COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def stop(self) -> None:
        for _, process, _ in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process, _ in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{log.read_text(errors='replace')[-3000:]}" for name, _, log in self.processes)

    def wait(self, done: Callable[[], bool], limit: float, what: str) -> None:
        deadline = time.monotonic() + limit
        while not done():
            for name, process, _ in self.processes:
                if process.poll() not in (None, -9):
                    raise AssertionError(f"{name} exited with {process.returncode}\n{self.logs()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not within {limit}s; exports {self.statuses()}\n{self.logs()}")
            time.sleep(0.2)

    # --- what the database says --------------------------------------------------------------------------------
    def exports(self) -> dict[tuple[str, str], sa.Row[Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(export_table))
            return {(row.increment_id, row.target): row for row in rows}

    def statuses(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            query = sa.select(export_table.c.target, export_table.c.status, sa.func.count()).group_by(
                export_table.c.target, export_table.c.status
            )
            return {f"{target}:{status}": int(count) for target, status, count in conn.execute(query)}

    def reached(self, expected: dict[tuple[str, str], str]) -> Callable[[], bool]:
        def check() -> bool:
            found = self.exports()
            return len(found) == len(expected) and all(row.status == expected.get(key) for key, row in found.items())

        return check

    def steps(self) -> list[tuple[str, str, int, str]]:
        """(step name, status, attempts, pipeline name) of every export step."""
        with self.engine.connect() as conn:
            query = sa.select(step_table.c.name, step_table.c.status, step_table.c.attempts, pipeline_table.c.name)
            query = query.join(pipeline_table, pipeline_table.c.id == step_table.c.pipeline_id)
            rows = conn.execute(query.where(pipeline_table.c.name.like("order_export.%")))
            return [(str(a), str(b), int(c), str(d)) for a, b, c, d in rows]

    def step_logs(self, *, attempts_over: int) -> list[str]:
        """The logs and errors of the export steps that ran more than ``attempts_over`` times."""
        with self.engine.connect() as conn:
            query = sa.select(pipeline_table.c.name, step_table.c.name, step_table.c.log, step_table.c.error)
            query = query.join(pipeline_table, pipeline_table.c.id == step_table.c.pipeline_id)
            query = query.where(pipeline_table.c.name.like("order_export.%"), step_table.c.attempts > attempts_over)
            return [f"{p} {n}: {log}\n{error}" for p, n, log, error in conn.execute(query)]

    # --- the ERP's side ----------------------------------------------------------------------------------------
    def received(self) -> list[dict[str, Any]]:
        return list(httpx.get(f"{self.erp_url}/admin/sales-orders", timeout=10).json())

    def answer(self, numbers: list[str]) -> None:
        """The ERP answers the files it got: one JSON response each, written under a dot-name and renamed, plus
        one malformed file and one for an order it never got."""
        responses = self.root / "responses"
        responses.mkdir(exist_ok=True)
        for number in numbers:
            temporary = responses / f".{number}.json"
            temporary.write_text(json.dumps({"increment_id": number, "erp_order_id": f"F-{number}"}))
            temporary.rename(responses / f"{number}.json")
        (responses / "broken.json").write_text("{not json")
        (responses / "stranger.json").write_text(json.dumps({"increment_id": "X-404", "erp_order_id": "F-0"}))


@contextmanager
def opened(db_url: str, amqp_url: str, connection: str, root: Path) -> Iterator[Run]:
    """The world for one run: servers up, the API on ``db_url`` (numbering second's lines its own way), the
    second website, the steps' queue declared; stops what it started."""
    rules_path = root / "orders.yaml"
    settings = Settings(
        database_url=db_url,
        amqp_url=amqp_url,
        pipeline_connection=connection,
        pipeline_work_dir=root / "work",
        orders_rules=rules_path,
    )
    mq = MessageQueue(pipelines_topology(connection), settings, database_url=db_url, amqp_url=amqp_url)
    mq.declare()
    mq.close()
    with ExitStack() as stack:
        stack.enter_context(_environment({"CONVEYOR_LINE_NUMBERS": json.dumps(LINE_NUMBERS)}))
        sftp = stack.enter_context(sshd_server(_fresh(root / "sshd")))
        mailbox, smtp_port = stack.enter_context(smtp_server())
        erp = stack.enter_context(erp_simulator())
        api = stack.enter_context(harness(db_url))
        add_website(api.engine, 2, "second")
        raw = rules(root, erp.url, smtp_port, sftp)
        parse_rules(raw, str(rules_path))  # refused here rather than in a runner
        rules_path.write_text(yaml.safe_dump(raw), encoding="utf-8")
        run = Run(api, settings, root, mailbox, erp.url, sftp[2], rules_path)
        try:
            yield run
        finally:
            run.stop()


def _fresh(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def drive(run: Run, plan: Plan, *, runners: int = 2, limit: float = 120.0, placed: bool = False) -> dict[str, float]:
    """Place the orders (unless ``placed``), start the heartbeat (unless running) and runners, answer the files,
    wait for the end; seconds per phase."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    if not placed:
        run.place(plan)
    timings["place"] = time.perf_counter() - start
    start = time.perf_counter()
    if not any(name == "heartbeat" for name, _, _ in run.processes):
        run.start_heartbeat()
    started = sum(name.startswith("runner-") for name, _, _ in run.processes)
    for n in range(started, started + runners):
        run.start_runner(f"runner-{n + 1}")
    before_answers = {
        (number, target): "sent" if target == "erp-file" else status
        for (number, target), status in plan.expected_exports().items()
    }
    run.wait(run.reached(before_answers), limit, "every export sent, the files waiting for their answers")
    timings["export"] = time.perf_counter() - start
    start = time.perf_counter()
    run.answer(plan.answered)
    output = run.cli("orders", "responses")  # the orders.responses pipeline may take some files first
    summary = re.search(r"(\d+) matched, (\d+) refused", output)
    assert summary is not None and int(summary[1]) <= len(plan.answered) and int(summary[2]) <= 2, output
    run.wait(run.reached(plan.expected_exports()), limit, "every answered export notified")
    timings["answer"] = time.perf_counter() - start
    print(f"{len(plan.orders)} orders: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    return timings


def check(run: Run, plan: Plan) -> list[tuple[str, str, int]]:
    """What each target got, against the plan. Returns the (pipeline, step, attempts) of the export steps that ran
    more than once: only HTTP and SOAP steps may (a transient failure, a killed runner), as their idempotency key
    keeps the ERP at one order each, which is checked; a file or SFTP step that ran twice would have delivered its
    document twice, and fails the check."""
    expected = plan.expected_exports()
    exports = run.exports()
    # each matching order exported exactly once to each of its website's targets, nothing else
    assert sorted(exports) == sorted(expected)
    assert {key: row.status for key, row in exports.items()} == expected
    with run.engine.connect() as conn:
        pipelines = conn.execute(
            sa.select(pipeline_table.c.name, sa.func.count())
            .where(pipeline_table.c.name.like("order_export.%"))
            .group_by(pipeline_table.c.name)
        )
        assert dict(pipelines.all()) == {
            "order_export.erp-file": len(plan.base),
            "order_export.erp-sftp": len(plan.base),
            "order_export.erp-http": len(plan.second),
            "order_export.erp-soap": len(plan.second),
        }
    # every step ran once: nothing was sent twice
    again = sorted({(target, name, attempts) for name, _, attempts, target in run.steps() if attempts > 1})
    assert [a for a in again if a[0] not in KEYED] == [], (again, run.step_logs(attempts_over=1))
    # the local directory: one openTRANS ORDER per order, valid, its lines numbered 0010, 0020
    out = run.root / "out"
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.xml" for n in plan.base)
    schema = etree.XMLSchema(etree.parse(str(OPENTRANS_SCHEMA)))
    for number in plan.base[:20]:
        document = etree.parse(str(out / f"{number}.xml"))
        assert schema.validate(document), schema.error_log
        assert document.findtext(".//o:ORDER_ID", namespaces=OT) == number
        assert [e.text for e in document.findall(".//o:ORDER_ITEM/o:LINE_ITEM_ID", namespaces=OT)] == BASE_LINES
    # SFTP: one CSV per order, uploaded whole under its name
    uploaded = sorted(p.name for p in run.sftp_drop.iterdir())
    assert uploaded == sorted(f"ORDER_{n}.csv" for n in plan.base)
    for number in plan.base:
        rows = list(csv.DictReader(io.StringIO((run.sftp_drop / f"ORDER_{number}.csv").read_text())))
        assert [(r["order_id"], r["line_number"], r["sku"]) for r in rows] == [
            (number, BASE_LINES[0], "SOCKS"),
            (number, BASE_LINES[1], "SHIRT"),
        ]
    # the ERP's order book: each order of second once over HTTP and once over SOAP, lines numbered L-001, L-002
    received = {order["key"]: order for order in run.received()}
    assert sorted(received) == sorted([f"{n}-erp-http" for n in plan.second] + [f"{n}-erp-soap" for n in plan.second])
    for number in plan.second:
        body = json.loads(received[f"{number}-erp-http"]["body"])
        assert body["order_id"] == number and body["website"] == "second"
        assert [line["line_number"] for line in body["lines"]] == SECOND_LINES
        assert received[f"{number}-erp-http"]["erp_order_id"] == exports[(number, "erp-http")].erp_order_id
        assert received[f"{number}-erp-soap"]["erp_order_id"] == exports[(number, "erp-soap")].erp_order_id
        soap = etree.fromstring(received[f"{number}-erp-soap"]["body"].encode())
        assert [e.text for e in soap.findall(".//o:ORDER_ITEM/o:LINE_ITEM_ID", namespaces=OT)] == SECOND_LINES
    # responses: matched files archived, the malformed and the unknown one in the error directory with reports
    responses = run.root / "responses"
    assert sorted(p.name for p in (responses / "archive").iterdir()) == sorted(f"{n}.json" for n in plan.answered)
    errors = sorted(p.name for p in (responses / "error").iterdir())
    assert errors == ["broken.json", "broken.json.report.txt", "stranger.json", "stranger.json.report.txt"]
    assert "unknown order X-404" in (responses / "error" / "stranger.json.report.txt").read_text()
    # the ERP ids, through REST: extension_attributes.erp_exports of each order
    found = run.api.get("/rest/V1/orders", params={"searchCriteria[pageSize]": str(len(plan.orders) + 10)})
    assert found.status_code == 200, found.text
    by_number = {item["increment_id"]: item for item in found.json()["items"]}
    assert len(by_number) == len(plan.orders)
    for order in plan.orders:
        shown = by_number[order.increment_id].get("extension_attributes", {}).get("erp_exports")
        mine = {(n, t): row for (n, t), row in exports.items() if n == order.increment_id}
        if not mine:
            assert shown is None, order
            continue
        assert shown is not None
        assert {e["target"]: (e["status"], e.get("erp_order_id")) for e in shown} == {
            t: (row.status, row.erp_order_id) for (_, t), row in mine.items()
        }
    for number in plan.answered[:3]:
        one = run.api.get(f"/rest/V1/orders/{run.order_ids[number]}").json()
        shown = {e["target"]: e for e in one["extension_attributes"]["erp_exports"]}
        assert shown["erp-file"]["erp_order_id"] == f"F-{number}" and shown["erp-file"]["status"] == "notified"
        assert shown["erp-sftp"]["status"] == "accepted" and "erp_order_id" not in shown["erp-sftp"]
    # mail: one per accepted order on a notifying target, none for the unanswered or the unexported
    time.sleep(0.2)
    mails = sorted(str(m["Subject"]) for m in run.mailbox.messages)
    assert mails == sorted(f"Order {n}" for n in plan.accepted)
    assert sorted(str(m["To"]) for m in run.mailbox.messages) == sorted(
        f"{n.lower()}@example.com" for n in plan.accepted
    )
    return again
