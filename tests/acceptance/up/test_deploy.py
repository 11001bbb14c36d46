"""``conveyor deploy``: the generated configuration names every process with its consumer's processes and limits,
and the supervisord one runs under a real supervisord (Debian's ``supervisor``), whose consumers handle a bulk."""

from __future__ import annotations

import configparser
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from conveyor.cli import main
from conveyor.supervisor import with_watchdog
from tests.acceptance.up.system import (
    PASSWORD,
    USER,
    clean_env,
    free_port,
    processes_in,
    wait_for,
)

TOPOLOGY = """\
topics: [{name: shop.thing.saved}]
exchanges:
  - name: shop
    connection: db
    bindings: [{id: things, topic: shop.thing.#, destination: things}]
queues: [things]
publishers: [{topic: shop.thing.saved, connections: [{name: db, exchange: shop}]}]
consumers:
  - {name: things, queue: things, handler: "conveyor.demo:handle_audit", processes: 3, max_messages: 500}
"""


@pytest.fixture
def topology(tmp_path: Path) -> Path:
    path = tmp_path / "topology.yaml"
    path.write_text(TOPOLOGY)
    return path


def generate(kind: str, *args: str) -> str:
    done = CliRunner().invoke(main, ["deploy", kind, *args])
    assert done.exit_code == 0, done.output
    return done.output


def test_supervisor_config_has_a_program_per_consumer_with_its_processes_and_limits(
    topology: Path, sqlite_url: str, tmp_path: Path
) -> None:
    conf = configparser.RawConfigParser()
    conf.read_string(generate("supervisor", "--topology", str(topology), "--directory", str(tmp_path)))
    things = conf["program:conveyor-things"]
    assert things["numprocs"] == "3"
    assert things["process_name"] == "%%(program_name)s_%%(process_num)02d".replace("%%", "%")
    assert things["command"].endswith(f"queue consume things -v --sleep 1.0 --max-messages 500 --topology {topology}")
    assert things["directory"] == str(tmp_path)
    programs = {s.removeprefix("program:") for s in conf.sections() if s.startswith("program:")}
    assert {"conveyor-api", "conveyor-heartbeat", "conveyor-refresh", "conveyor-async-operations-all"} <= programs
    assert "conveyor-commands-customers" in programs  # every command queue is a consumer of its own
    assert conf["group:conveyor"]["programs"].split(",") == [
        s.removeprefix("program:") for s in conf.sections() if s.startswith("program:")
    ]


def test_systemd_units_template_consumers_and_one_target_wants_every_process(topology: Path, tmp_path: Path) -> None:
    out = tmp_path / "units"
    generate("systemd", "--topology", str(topology), "--output", str(out), "--user", "conveyor")
    unit = (out / "conveyor-things@.service").read_text()
    assert "ExecStart=" in unit and "queue consume things" in unit and "User=conveyor" in unit
    target = (out / "conveyor.target").read_text()
    wants = target.split("Wants=")[1].splitlines()[0].split()
    assert {"conveyor-things@1.service", "conveyor-things@2.service", "conveyor-things@3.service"} <= set(wants)
    assert "conveyor-api.service" in wants and (out / "conveyor-api.service").is_file()


def test_cron_runs_the_consumers_runner_and_the_heartbeat_each_minute(topology: Path) -> None:
    lines = generate("cron", "--topology", str(topology)).splitlines()
    assert any(
        line.startswith("* * * * * ") and line.endswith(f"queue run-consumers --once --topology {topology}")
        for line in lines
    )
    assert any(line.startswith("* * * * * ") and "pipeline heartbeat --quiet" in line for line in lines)
    assert any(line.startswith("@reboot ") and "api serve" in line for line in lines)
    assert any(line.startswith("*/5 * * * * ") and "queue refresh --topology" in line for line in lines)


def test_deploy_refuses_an_env_variable_that_is_not_set_and_an_unknown_service() -> None:
    done = CliRunner().invoke(main, ["deploy", "supervisor", "--env", "CONVEYOR_NOT_SET_ANYWHERE"])
    assert done.exit_code == 2
    assert "CONVEYOR_NOT_SET_ANYWHERE" in done.output
    done = CliRunner().invoke(main, ["deploy", "supervisor", "--only", "nope"])
    assert done.exit_code == 2
    assert "no service nope (known: api, " in done.output


@pytest.mark.serial
def test_the_supervisor_config_runs_under_supervisord_and_its_consumers_handle_a_bulk(tmp_path: Path) -> None:
    supervisord = shutil.which("supervisord")
    if supervisord is None:
        if os.environ.get("CONVEYOR_REQUIRE_SERVICES"):
            pytest.fail("supervisord is not installed (.ci/run installs Debian's supervisor)")
        pytest.skip("supervisord is not installed")
    directory = tmp_path / "site"
    directory.mkdir()
    env = clean_env({"CONVEYOR_QUEUE_HEARTBEAT_SECONDS": "1"})
    for args in (["db", "upgrade"], ["user", "create", USER, "--password", PASSWORD]):
        made = subprocess.run(
            [sys.executable, "-m", "conveyor", *args], cwd=directory, env=env, capture_output=True, check=False
        )
        assert made.returncode == 0, made.stderr.decode()
    metrics = directory / "var" / "prometheus"
    metrics.mkdir(parents=True)
    port = free_port()
    made = subprocess.run(
        [sys.executable, "-m", "conveyor", "deploy", "supervisor", "--port", str(port), "--metrics-dir", str(metrics),
         "--env", "PYTHONPATH", "--output", str(tmp_path / "conveyor.conf"), "--only", "api", "--only",
         "async.operations.all", "--only", "refresh"],
        cwd=directory, env=env, capture_output=True, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr.decode()
    main_conf = tmp_path / "supervisord.conf"
    main_conf.write_text(
        textwrap.dedent(f"""\
        [supervisord]
        logfile={tmp_path}/supervisord.log
        pidfile={tmp_path}/supervisord.pid
        childlogdir={tmp_path}
        [unix_http_server]
        file={tmp_path}/supervisor.sock
        [rpcinterface:supervisor]
        supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
        [supervisorctl]
        serverurl=unix://{tmp_path}/supervisor.sock
        [include]
        files={tmp_path}/conveyor.conf
        """)
    )
    server = subprocess.Popen(with_watchdog([supervisord, "-n", "-c", str(main_conf)]), cwd=tmp_path, env=env)
    url = f"http://127.0.0.1:{port}"
    try:

        def ready() -> bool:
            try:
                return httpx.get(f"{url}/health/ready", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(ready, 90, "the API under supervisord", tmp_path / "supervisord.log")
        token = httpx.post(
            f"{url}/rest/V1/integration/admin/token", json={"username": USER, "password": PASSWORD}, timeout=10
        ).json()
        headers = {"Authorization": f"Bearer {token}"}
        items = [{"group": {"code": f"Sv-{n}", "tax_class_id": 3}} for n in range(4)]
        sent = httpx.post(f"{url}/rest/async/bulk/V1/customerGroups", json=items, headers=headers, timeout=10)
        assert sent.status_code == 202, sent.text
        bulk_uuid = sent.json()["bulk_uuid"]

        def done() -> bool:
            found = httpx.get(f"{url}/rest/V1/bulk/{bulk_uuid}/detailed-status", headers=headers, timeout=5)
            return [o["status"] for o in found.json()["operations_list"]] == [1] * 4

        wait_for(done, 60, "the bulk handled by supervisord's consumer", tmp_path / "supervisord.log")
        assert len(processes_in(directory)) == 3  # the API, the bulk consumer, refresh: this host's share
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    deadline = time.monotonic() + 10
    while processes_in(directory) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_in(directory) == []
