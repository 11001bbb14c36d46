"""Export rules: which orders of which website go to which targets, read from ``orders.yaml`` and validated.

The file (``CONVEYOR_ORDERS_RULES``)::

    websites:
      base:                              # website code
        enabled: true
        conditions:                      # any of these pairs; none: every order
          - {payment_method: checkmo, status: pending}
          - {payment_method: banktransfer}          # a missing half matches anything
        max_age: 30d                     # older orders are never exported
        targets:
          - name: erp
            format: opentrans            # an entry point of conveyor.order_formats
            template: templates/erp.xml.j2           # optional: a template of your own for that format
            channel: http                # an entry point of conveyor.order_channels
            options: {url: "https://erp.example.com/orders", auth: {type: bearer, token: "…"}}
            retries: 3                   # further attempts of a failing step
            response: {type: sync}       # sync (the id in the answer) | file (a response directory) | none
            notify: {email: {to: "{customer_email}", sender: shop@example.com, host: localhost, port: 25}}
            steps: {disabled: [notify], merged: [[transform, transport]]}

Every error names the file and the key (``orders.yaml: websites.base.targets.0.channel: …``), so a broken file
is refused as a whole before anything is exported.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from conveyor.plugins import PluginError, default_plugins

PHASES = ("transform", "transport", "response", "notify")
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$"
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class RulesError(ValueError):
    """A refused rules file: each problem as ``file: key: message``."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source, self.problems = source, problems
        super().__init__(
            "\n".join(f"{source}: {key}: {message}" if key else f"{source}: {message}" for key, message in problems)
        )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_period(value: Any) -> float:
    """Seconds from a number or ``90s`` / ``15m`` / ``12h`` / ``30d`` / ``2w``."""
    if isinstance(value, bool):
        raise ValueError("must be a period like 30d")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and value.strip()[:-1].replace(".", "", 1).isdigit() and value.strip()[-1] in UNITS:
        text = value.strip()
        seconds = float(text[:-1]) * UNITS[text[-1]]
    else:
        raise ValueError(f"{value!r} is not a period (seconds, or like 90s, 15m, 12h, 30d, 2w)")
    if seconds <= 0:
        raise ValueError("must be a positive period")
    return seconds


class Condition(_Strict):
    """One (payment method, order status) pair; a missing half matches any value."""

    payment_method: str | None = None
    status: str | None = None

    @model_validator(mode="after")
    def _one_half(self) -> Condition:
        if self.payment_method is None and self.status is None:
            raise ValueError("give payment_method, status or both")
        return self


class Response(_Strict):
    """How the ERP answers: in the channel's reply (sync), with a file in a directory (file), or not at all."""

    type: Literal["sync", "file", "none"] = "none"
    directory: Path | None = None  # file: where response files appear
    archive: Path | None = None  # file: where matched files go (default: <directory>/archive)
    errors: Path | None = None  # file: where unknown or malformed files go, with a report (default: <directory>/error)
    id_field: str = "erp_order_id"  # sync: the answer's JSON field holding the ERP's order id

    @model_validator(mode="after")
    def _directory(self) -> Response:
        if self.type == "file" and self.directory is None:
            raise ValueError("a file response needs a directory")
        return self

    @property
    def archive_dir(self) -> Path:
        assert self.directory is not None
        return self.archive or self.directory / "archive"

    @property
    def error_dir(self) -> Path:
        assert self.directory is not None
        return self.errors or self.directory / "error"


class Email(_Strict):
    """A mail through SMTP once the ERP accepted; ``to`` and ``subject`` may name order fields (``{increment_id}``)."""

    to: str = "{customer_email}"
    sender: str
    subject: str = "Your order {increment_id} was accepted"
    template: Path | None = None  # a Jinja2 template of your own (default: the shipped one)
    host: str = "localhost"
    port: int = Field(default=25, ge=1, le=65535)
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = Field(default=10.0, gt=0)


class Webhook(_Strict):
    """A JSON POST once the ERP accepted."""

    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    timeout: float = Field(default=10.0, gt=0)


class Notify(_Strict):
    email: Email | None = None
    webhook: Webhook | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Notify:
        if (self.email is None) == (self.webhook is None):
            raise ValueError("give email or webhook")
        return self


class Steps(_Strict):
    """A target's steps: some left out, some run together in one pipeline step."""

    disabled: tuple[Literal["transform", "transport", "response", "notify"], ...] = ()
    merged: tuple[tuple[Literal["transform", "transport", "response", "notify"], ...], ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Steps:
        if "transform" in self.disabled or "transport" in self.disabled:
            raise ValueError("transform and transport cannot be disabled")
        seen: set[str] = set()
        for group in self.merged:
            if len(group) < 2:
                raise ValueError("a merged group needs two steps or more")
            positions = [PHASES.index(p) for p in group]
            if positions != list(range(positions[0], positions[0] + len(group))):
                raise ValueError(f"merged steps {list(group)} must be adjacent and in order: {', '.join(PHASES)}")
            if seen & set(group) or set(group) & set(self.disabled):
                raise ValueError(f"step(s) {sorted(seen & set(group) or set(group) & set(self.disabled))} twice")
            seen |= set(group)
        return self

    def groups(self, idle: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
        """The pipeline's steps, each the phases it runs, in order; ``idle`` phases (nothing to do) left out."""
        skipped = set(self.disabled) | set(idle)
        result: list[tuple[str, ...]] = []
        for phase in PHASES:
            if any(phase in g and g[0] != phase for g in self.merged):
                continue
            group = tuple(p for p in next((g for g in self.merged if g[0] == phase), (phase,)) if p not in skipped)
            if group:
                result.append(group)
        return result


class Target(_Strict):
    """Where a website's orders go, in which format, how the answer comes back and who is told."""

    name: str = Field(pattern=NAME_PATTERN)
    format: str
    template: Path | None = None
    channel: str
    options: dict[str, Any] = Field(default_factory=dict)
    retries: int = Field(default=2, ge=0, le=100)
    response: Response = Field(default_factory=Response)
    notify: Notify | None = None
    steps: Steps = Field(default_factory=Steps)

    @property
    def max_attempts(self) -> int:
        return self.retries + 1

    def step_groups(self) -> list[tuple[str, ...]]:
        """The steps of this target's export pipeline: no response step when no answer is expected (Transport
        marks the export accepted), no notify step without a notification."""
        idle = tuple(
            phase
            for phase, unused in (("response", self.response.type == "none"), ("notify", self.notify is None))
            if unused
        )
        return self.steps.groups(idle)

    @property
    def pipeline_name(self) -> str:
        return f"order_export.{self.name}"


class WebsiteRules(_Strict):
    enabled: bool = True
    conditions: tuple[Condition, ...] = ()
    max_age: float | None = None  # seconds
    targets: tuple[Target, ...] = Field(min_length=1)

    @field_validator("max_age", mode="before")
    @classmethod
    def _period(cls, value: Any) -> float | None:
        return None if value is None else parse_period(value)


class ExportRules(_Strict):
    """Every website's rules, by website code; target names are unique across the file."""

    websites: dict[str, WebsiteRules] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique_targets(self) -> ExportRules:
        seen: dict[str, str] = {}
        for code, website in self.websites.items():
            for target in website.targets:
                if target.name in seen and seen[target.name] != code:
                    raise ValueError(f"target {target.name!r} is used by websites {seen[target.name]} and {code}")
                seen[target.name] = code
        return self

    def targets(self) -> dict[str, tuple[str, Target]]:
        """Every target by name, with its website code (a target shared by name is one target)."""
        return {t.name: (code, t) for code, w in self.websites.items() for t in w.targets}

    def target(self, name: str) -> Target:
        found = self.targets().get(name)
        if found is None:
            raise KeyError(f"unknown target {name!r} (known: {', '.join(sorted(self.targets())) or 'none'})")
        return found[1]


def _key(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def parse_rules(raw: Any, source: str = "<rules>") -> ExportRules:
    """Validated rules from a mapping; RulesError naming ``source`` and each key at fault."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise RulesError(source, [("", f"must be a mapping with 'websites', not {type(raw).__name__}")])
    try:
        rules = ExportRules.model_validate(raw)
    except ValidationError as exc:
        raise RulesError(source, [(_key(e["loc"]), e["msg"]) for e in exc.errors()]) from None
    problems = _plugin_problems(rules)
    if problems:
        raise RulesError(source, problems)
    return rules


def _plugin_problems(rules: ExportRules) -> list[tuple[str, str]]:
    """Formats and channels must be installed, and each channel must accept its options."""
    plugins = default_plugins()
    problems: list[tuple[str, str]] = []
    for code, website in rules.websites.items():
        for index, target in enumerate(website.targets):
            where = f"websites.{code}.targets.{index}"
            for field, group in (("format", plugins.order_formats), ("channel", plugins.channels)):
                name = getattr(target, field)
                try:
                    loaded = group.load(name)
                except PluginError as exc:
                    problems.append((f"{where}.{field}", str(exc)))
                    continue
                check = getattr(loaded, "check_options", None)
                if field == "channel" and callable(check):
                    try:
                        check(target.options)
                    except ValidationError as exc:
                        problems.extend((f"{where}.options.{_key(e['loc'])}", e["msg"]) for e in exc.errors())
                    except ValueError as exc:
                        problems.append((f"{where}.options", str(exc)))
            if target.template is not None and not target.template.is_file():
                problems.append((f"{where}.template", f"no such file: {target.template}"))
    return problems


def load_rules(path: Path) -> ExportRules:
    """The rules of ``path``; no file means no rules (nothing is exported)."""
    source = str(path)
    if not path.exists():
        return ExportRules()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesError(source, [("", f"cannot read: {exc.strerror or exc}")]) from exc
    except yaml.YAMLError as exc:
        raise RulesError(source, [("", f"not valid YAML: {exc}")]) from exc
    return parse_rules(raw, source)
