"""Export rules: the file's shape, errors naming file and key, periods, and how targets shape their steps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conveyor.orders import RulesError, export_definition, load_rules, parse_rules
from conveyor.orders.rules import parse_period

TARGET: dict[str, Any] = {"name": "erp", "format": "json", "channel": "file", "options": {"directory": "out"}}


def rules(**website: Any) -> dict[str, Any]:
    return {"websites": {"base": {"targets": [TARGET], **website}}}


def problems(raw: Any) -> list[tuple[str, str]]:
    with pytest.raises(RulesError) as caught:
        parse_rules(raw, "orders.yaml")
    return caught.value.problems


def test_a_complete_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "orders.yaml"
    path.write_text(
        """
websites:
  base:
    conditions:
      - {payment_method: checkmo, status: pending}
      - {payment_method: banktransfer}
    max_age: 30d
    targets:
      - {name: erp-file, format: opentrans, channel: file, options: {directory: out}, retries: 4}
      - name: erp-http
        format: json
        channel: http
        options: {url: "http://127.0.0.1:1/orders", auth: {type: hmac, secret: s}}
        response: {type: sync}
        notify: {email: {sender: shop@example.com, port: 2525}}
  second:
    enabled: false
    targets: [{name: other, format: csv, channel: file, options: {directory: out2}}]
""",
        encoding="utf-8",
    )
    loaded = load_rules(path)
    base = loaded.websites["base"]
    assert base.max_age == 30 * 86400
    assert [(c.payment_method, c.status) for c in base.conditions] == [("checkmo", "pending"), ("banktransfer", None)]
    assert [t.name for t in base.targets] == ["erp-file", "erp-http"]
    assert base.targets[0].max_attempts == 5
    assert loaded.websites["second"].enabled is False
    assert sorted(loaded.targets()) == ["erp-file", "erp-http", "other"]


def test_no_file_means_no_rules(tmp_path: Path) -> None:
    assert load_rules(tmp_path / "missing.yaml").websites == {}


def test_errors_name_the_file_and_each_key() -> None:
    found = problems(
        {
            "websites": {
                "base": {
                    "targets": [{**TARGET, "channel": "pigeon", "retries": -1}],
                    "conditions": [{}],
                    "max_age": "soon",
                    "colour": "red",
                }
            }
        }
    )
    keys = {key for key, _ in found}
    assert {"websites.base.targets.0.retries", "websites.base.conditions.0", "websites.base.max_age"} <= keys
    assert "websites.base.colour" in keys
    with pytest.raises(RulesError, match=r"^orders.yaml: websites\.base\.max_age: .*not a period"):
        parse_rules(rules(max_age="soon"), "orders.yaml")


def test_unknown_plug_ins_and_bad_channel_options_are_refused() -> None:
    found = problems(rules(targets=[{**TARGET, "channel": "pigeon"}]))
    assert found[0][0] == "websites.base.targets.0.channel" and "pigeon" in found[0][1]
    found = problems(rules(targets=[{**TARGET, "format": "edifact"}]))
    assert found[0][0] == "websites.base.targets.0.format"
    found = problems(rules(targets=[{**TARGET, "options": {"directory": "out", "colour": 1}}]))
    assert found == [("websites.base.targets.0.options.colour", "Extra inputs are not permitted")]
    found = problems(rules(targets=[{**TARGET, "channel": "http", "options": {"url": "x", "auth": {"type": "basic"}}}]))
    assert found[0][0] == "websites.base.targets.0.options.auth" and "username, password" in found[0][1]


def test_a_file_that_is_not_yaml_or_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "orders.yaml"
    path.write_text("websites: [unclosed", encoding="utf-8")
    with pytest.raises(RulesError, match=r"orders\.yaml: not valid YAML"):
        load_rules(path)
    path.write_text("- a list", encoding="utf-8")
    with pytest.raises(RulesError, match="must be a mapping"):
        load_rules(path)


def test_a_target_name_belongs_to_one_website() -> None:
    raw = {"websites": {"a": {"targets": [TARGET]}, "b": {"targets": [TARGET]}}}
    assert "used by websites a and b" in problems(raw)[0][1]


def test_steps_are_one_per_phase_unless_disabled_or_merged() -> None:
    def steps(**shape: Any) -> list[tuple[str, dict[str, Any], tuple[str, ...]]]:
        target = parse_rules(rules(targets=[{**TARGET, **shape}])).target("erp")
        return [
            (s.name, dict(s.arguments), tuple(c.name for c in s.conditions)) for s in export_definition(target).steps
        ]

    assert [name for name, _, _ in steps()] == ["transform", "transport"]  # no answer awaited, nobody told
    notified = {"notify": {"webhook": {"url": "http://shop/hook"}}, "response": {"type": "sync"}}
    assert [name for name, _, _ in steps(**notified)] == ["transform", "transport", "response", "notify"]
    merged = steps(steps={"merged": [["transform", "transport"]], "disabled": ["notify"]}, **notified)
    assert merged == [
        ("transform_transport", {"phases": ["transform", "transport"]}, ()),
        ("response", {"phases": ["response"]}, ()),
    ]
    waiting = steps(response={"type": "file", "directory": "in"}, notify=notified["notify"])
    assert waiting[2] == ("response", {"phases": ["response"]}, ("order_answered",))
    assert "adjacent" in problems(rules(targets=[{**TARGET, "steps": {"merged": [["transform", "response"]]}}]))[0][1]
    assert "cannot be disabled" in problems(rules(targets=[{**TARGET, "steps": {"disabled": ["transport"]}}]))[0][1]


def test_every_step_has_the_targets_attempts() -> None:
    target = parse_rules(rules(targets=[{**TARGET, "retries": 3}])).target("erp")
    assert {s.max_attempts for s in export_definition(target).steps} == {4}


@given(st.integers(min_value=1, max_value=10_000), st.sampled_from(["s", "m", "h", "d", "w"]))
def test_periods_read_as_seconds(count: int, unit: str) -> None:
    assert parse_period(f"{count}{unit}") == count * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]


@given(st.text(max_size=8))
def test_a_period_is_a_number_of_seconds_or_refused(text: str) -> None:
    try:
        seconds = parse_period(text)
    except ValueError:
        return
    assert seconds > 0


def test_the_shipped_example_is_valid() -> None:
    example = Path(__file__).resolve().parents[3] / "src/conveyor/examples/orders.yaml"
    rules = load_rules(example)
    assert sorted(rules.targets()) == ["erp-api", "erp-files"]
    steps = [s.name for s in export_definition(rules.target("erp-api")).steps]
    assert steps == ["transform_transport", "response"]
