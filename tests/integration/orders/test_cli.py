"""``conveyor orders …`` against a real SQLite database: rules, preview, export (and again with --force), status
and the response scan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from conveyor.catalog import NO_EVENTS
from conveyor.catalog.sales import OrderInput, OrderRepository
from conveyor.cli import main
from conveyor.db import make_engine
from conveyor.orders import export_table

RULES = """
websites:
  base:
    conditions: [{{payment_method: checkmo}}]
    targets:
      - name: erp
        format: csv
        channel: file
        options: {{directory: "{out}"}}
        response: {{type: file, directory: "{responses}"}}
"""


@pytest.fixture
def cli(sqlite_url: str, tmp_path: Path) -> tuple[CliRunner, dict[str, str], Path]:
    rules = tmp_path / "orders.yaml"
    rules.write_text(RULES.format(out=tmp_path / "out", responses=tmp_path / "responses"))
    engine = make_engine(sqlite_url)
    address = {"firstname": "A", "lastname": "B", "street": ["S 1"], "city": "C", "postcode": "1", "country_id": "DE"}
    orders = [
        OrderInput.model_validate(
            {
                "increment_id": number,
                "customer_email": "c@example.com",
                "items": [{"sku": "SOCKS", "name": "Socks", "qty_ordered": 2, "price": 4.99}],
                "billing_address": address,
                "payment": {"method": method},
                "extension_attributes": {"shipping_assignments": [{"shipping": {"address": address}}]},
            }
        )
        for number, method in (("100", "checkmo"), ("101", "purchaseorder"))
    ]
    with engine.begin() as conn:
        OrderRepository().create_many(conn, orders, events=NO_EVENTS)
    engine.dispose()
    # wide enough that rich never wraps a line holding the (long) temporary path
    env = {"CONVEYOR_DATABASE_URL": sqlite_url, "CONVEYOR_ORDERS_RULES": str(rules), "COLUMNS": "250"}
    return CliRunner(), env, tmp_path


def invoke(cli: tuple[CliRunner, dict[str, str], Path], *args: str) -> Result:
    runner, env, _ = cli
    return runner.invoke(main, ["orders", *args], env=env, catch_exceptions=False)


def test_rules_are_validated_and_shown(cli: tuple[CliRunner, dict[str, str], Path]) -> None:
    valid = invoke(cli, "rules", "validate")
    assert valid.exit_code == 0 and "valid (1 website(s), 1 target(s))" in valid.output
    shown = invoke(cli, "rules", "show")
    assert shown.exit_code == 0 and "checkmo" in shown.output and "csv" in shown.output
    broken = cli[2] / "broken.yaml"
    broken.write_text("websites: {base: {targets: [{name: erp, format: csv, channel: file}]}}")
    refused = invoke(cli, "rules", "validate", "--file", str(broken))
    assert refused.exit_code == 2
    assert f"{broken}: websites.base.targets.0.options.directory: Field required" in refused.output


def test_preview_export_status_and_responses(cli: tuple[CliRunner, dict[str, str], Path]) -> None:
    preview = invoke(cli, "preview", "100", "--target", "erp")
    assert preview.exit_code == 0, preview.output
    assert "order_id,line_number,sku" in preview.output and "100,0010,SOCKS,Socks" in preview.output
    assert not (cli[2] / "out").exists()  # nothing sent

    skipped = invoke(cli, "export", "101")
    assert "not scheduled" in skipped.output and "do not select" in skipped.output
    scheduled = invoke(cli, "export", "100")
    assert scheduled.exit_code == 0 and "erp: scheduled, pipeline" in scheduled.output
    again = invoke(cli, "export", "100")
    assert "already exported (scheduled); --force to export again" in again.output
    forced = invoke(cli, "export", "100", "--force")
    assert "erp: forced, pipeline" in forced.output
    chosen = invoke(cli, "export", "101", "--target", "erp")  # a named target: whatever the conditions say
    assert "erp: scheduled" in chosen.output
    engine = make_engine(cli[1]["CONVEYOR_DATABASE_URL"])
    with engine.connect() as conn:
        rows = conn.execute(sa.select(export_table.c.increment_id, export_table.c.pipeline_id)).all()
    engine.dispose()
    assert sorted(number for number, _ in rows) == ["100", "101"]

    status = invoke(cli, "status", "--state", "scheduled")
    assert status.exit_code == 0 and "base/erp scheduled: 2" in status.output

    responses = cli[2] / "responses"
    responses.mkdir()
    (responses / "a.json").write_text(json.dumps({"increment_id": "100", "erp_order_id": "E-1"}))
    (responses / "b.json").write_text("[]")
    scanned = invoke(cli, "responses")
    assert "matched a.json: order 100 is ERP order E-1" in scanned.output
    assert "refused b.json: a JSON response must be an object" in scanned.output
    assert "1 matched, 1 refused" in scanned.output
    accepted = invoke(cli, "status", "--state", "accepted")
    assert "E-1" in accepted.output
    unknown = invoke(cli, "preview", "999", "--target", "erp")
    assert unknown.exit_code == 2 and "no order '999'" in unknown.output
