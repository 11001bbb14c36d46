"""``conveyor topology show`` in its three formats and ``validate``'s exit codes, through click's runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conveyor.cli import common
from conveyor.cli.render_topology import topology_mermaid
from conveyor.cli.topology import topology
from conveyor.mq.topology import Binding, Exchange, Queue, Topology
from conveyor.settings import Settings

MODULES = [str(Path(__file__).parent / "magento" / name) for name in ("ModuleA", "ModuleB")]
SMALL_YAML = """
exchanges:
  - name: conveyor
    bindings: [{id: orders, topic: orders.*, destination: orders}]
queues: [orders]
publishers:
  - topic: orders.created
    connections: [{name: db, exchange: conveyor}]
consumers:
  - {name: orders, queue: orders, handler: "shop.handlers:orders"}
"""


def run(*args: str) -> Result:
    # wide enough that rich does not fold the cells the assertions look for
    return CliRunner().invoke(topology, list(args), env={"COLUMNS": "250"})


def test_show_table() -> None:
    result = run("show", *MODULES)
    assert result.exit_code == 0, result.output
    for title in ("Topics", "Exchanges and bindings", "Queues", "Publishers", "Consumers"):
        assert title in result.output
    assert "PHP handler, not importable" in result.output
    assert "async.operations.#" in result.output


def test_show_text() -> None:
    result = run("show", "--format", "text", *MODULES)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    start = lines.index("topic segment1.segment2.segment3.wildcard")
    assert lines[start : start + 5] == [
        "topic segment1.segment2.segment3.wildcard",
        "  -> exchange magento (amqp)",
        "    -> binding #.wildcard [wildcard.one]",
        "      -> queue one",
        "        -> (no consumer)",
    ]
    assert "consumer product_action_attribute.update: " in result.output
    assert "(PHP handler, not importable)" in result.output
    # queue three is only reached by a topic nobody publishes here
    assert lines[-2:] == ["  queue three (amqp)", "    -> (no consumer)"]


def test_show_mermaid() -> None:
    result = run("show", "--format", "mermaid", *MODULES)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "flowchart LR"
    assert '    exchange_amqp_magento -->|"#35;.wildcard"| queue_one' in lines
    assert "    queue_conveyor_audit --> consumer_conveyor_audit" in lines


def test_mermaid_ids_are_safe_and_distinct() -> None:
    bindings = (Binding("1", "a.#", "a.b"), Binding("2", 'say "hi"|<b>', "a_b", disabled=True))
    graph = Topology(
        exchanges={("db", "x"): Exchange("x", bindings=bindings)},
        queues={"a.b": Queue("a.b"), "a_b": Queue("a_b")},
    )
    lines = topology_mermaid(graph).splitlines()
    assert '    queue_a_b[("queue a.b (db)")]' in lines
    assert '    queue_a_b_2[("queue a_b (db)")]' in lines
    assert '    exchange_db_x -.->|"say #quot;hi#quot;#124;#lt;b#gt; (disabled)"| queue_a_b_2' in lines


def test_show_defaults_to_configured_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(SMALL_YAML, encoding="utf-8")
    monkeypatch.setattr(common, "get_settings", lambda: Settings(topology_files=[path]))
    result = run("show", "--format", "text")
    assert result.exit_code == 0, result.output
    assert "consumer orders: shop.handlers:orders" in result.output


def test_show_without_files_is_the_running_systems_topology(monkeypatch: pytest.MonkeyPatch) -> None:
    """No configured files: the built-in topologies alone, never the packaged demo's (its queues would collect the
    domain events of a real system)."""
    monkeypatch.setattr(common, "get_settings", lambda: Settings(topology_files=[]))
    shown = run("show", "--format", "text").output
    assert "queue async.operations.all" in shown and "pipeline_process_steps" in shown
    assert "audit" not in shown and "catalog.product" not in shown


def test_validate_ok() -> None:
    result = run("validate", *MODULES)
    assert result.exit_code == 0, result.output
    assert result.output == "valid: 4 topics, 2 exchanges, 7 bindings, 7 queues, 3 publishers, 3 consumers\n"


def test_validate_invalid(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(SMALL_YAML.replace("topic: orders.*", "topic: orders..x"), encoding="utf-8")
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{path}: binding 'orders' of exchange 'conveyor', attribute 'topic'" in result.stderr


def test_validate_reports_every_problem_at_once(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    broken = SMALL_YAML.replace("topic: orders.*", "topic: orders..x").replace(
        "queue: orders, handler", "queue: nope, handler"
    )
    path.write_text(broken.replace("exchange: conveyor}", "exchange: elsewhere}"), encoding="utf-8")
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert "3 problems:" in result.stderr
    assert f"{path}: binding 'orders' of exchange 'conveyor', attribute 'topic'" in result.stderr
    assert "unknown exchange 'elsewhere'" in result.stderr and "unknown queue 'nope'" in result.stderr


def test_show_says_an_unbound_topic_is_refused_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(SMALL_YAML.replace("topic: orders.*", "topic: invoices.*"), encoding="utf-8")
    shown = run("show", "--format", "text", str(path)).output
    assert "no binding matches: publishing it is refused as unroutable" in shown and "dropped" not in shown


def test_validate_needs_files() -> None:
    assert run("validate").exit_code == 2
