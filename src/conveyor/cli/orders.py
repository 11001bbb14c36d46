"""``conveyor orders …``: the export rules, one order's preview or export, the export states, the response scan.

The export itself runs as pipelines (``conveyor pipeline heartbeat`` and runners); these commands read the rules
(``CONVEYOR_ORDERS_RULES``), schedule exports and show where each order stands.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table

from conveyor.cli.common import ConfigError, console, err_console
from conveyor.cli.order_update import update

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from conveyor.orders import ExportRules, Outcome
    from conveyor.settings import Settings


def _settings() -> Settings:
    from conveyor.settings import Settings

    return Settings()


def _engine(settings: Settings) -> Engine:
    from conveyor.db.engine import get_engine

    return get_engine(settings.database_url)


def _rules(path: Path | None, settings: Settings) -> ExportRules:
    from conveyor.orders import RulesError, load_rules

    source = path or settings.orders_rules
    if path is not None and not path.exists():
        raise ConfigError(f"{path}: no such file")
    try:
        return load_rules(source)
    except RulesError as exc:
        raise ConfigError(str(exc)) from exc


def _order_id(engine: Engine, given: str) -> int:
    """An entity id, or an increment id."""
    import sqlalchemy as sa

    from conveyor.catalog.sales import order_table

    o = order_table.c
    with engine.connect() as conn:
        found = conn.execute(sa.select(o.entity_id).where(o.increment_id == given)).scalar_one_or_none()
        if found is None and given.isdigit():
            found = conn.execute(sa.select(o.entity_id).where(o.entity_id == int(given))).scalar_one_or_none()
    if found is None:
        raise ConfigError(f"no order {given!r} (an entity id or an increment id)")
    return int(found)


def _when(epoch: float | None) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S") if epoch else "-"


rules_file = click.option(
    "--file", "path", type=click.Path(path_type=Path), default=None, help="Rules file (default: CONVEYOR_ORDERS_RULES)."
)


@click.group()
def orders() -> None:
    """The order workflow: export rules, preview, export, status, ERP responses, and ERP documents back (update)."""


@orders.group()
def rules() -> None:
    """The export rules (orders.yaml)."""


@rules.command("validate")
@rules_file
def rules_validate(path: Path | None) -> None:
    """Check the rules file; each problem is printed with its file and key."""
    settings = _settings()
    loaded = _rules(path, settings)
    targets = sum(len(w.targets) for w in loaded.websites.values())
    console.print(f"{path or settings.orders_rules}: valid ({len(loaded.websites)} website(s), {targets} target(s))")


@rules.command("show")
@rules_file
def rules_show(path: Path | None) -> None:
    """Every website's conditions and targets."""
    loaded = _rules(path, _settings())
    if not loaded.websites:
        console.print("no export rules: nothing is exported")
    for code, website in loaded.websites.items():
        conditions = (
            " or ".join(f"({c.payment_method or '*'}, {c.status or '*'})" for c in website.conditions) or "all orders"
        )
        age = f", not older than {website.max_age / 86400:g} day(s)" if website.max_age else ""
        state = "" if website.enabled else " [yellow](disabled)[/]"
        console.print(f"[bold]{code}[/]{state}: {conditions}{age}", highlight=False)
        for target in website.targets:
            steps = " → ".join("+".join(group) for group in target.step_groups())
            template = f" ({target.template})" if target.template else ""
            notify = "email" if target.notify and target.notify.email else "webhook" if target.notify else "nobody"
            console.print(
                f"  {target.name}: {target.format}{template} over {target.channel}, response {target.response.type}, "
                f"notify {notify}, retries {target.retries}; steps {steps}",
                highlight=False,
                soft_wrap=True,
            )


@orders.command("preview")
@click.argument("order")
@click.option("--target", required=True, help="The target whose format renders the order.")
def preview(order: str, target: str) -> None:
    """Render ORDER (entity or increment id) for TARGET without sending it."""
    from conveyor.orders import Exporter, ExportError, TemplateError

    settings = _settings()
    engine = _engine(settings)
    exporter = Exporter(engine, _rules(None, settings))
    order_id = _order_id(engine, order)
    try:
        with engine.connect() as conn:
            text, name = exporter.preview(conn, order_id, target)
    except (ExportError, TemplateError) as exc:
        raise ConfigError(str(exc)) from exc
    err_console.print(f"[dim]{name}[/]")
    click.echo(text, nl=not text.endswith("\n"))


@orders.command("export")
@click.argument("order")
@click.option("--target", default=None, help="Only this target (whatever the website's conditions say).")
@click.option("--force", is_flag=True, help="Export again an order already exported.")
def export(order: str, target: str | None, force: bool) -> None:
    """Schedule ORDER's export pipelines now (the runners send it)."""
    from conveyor.orders import export_order

    settings = _settings()
    engine = _engine(settings)
    order_id = _order_id(engine, order)
    try:
        results = export_order(engine, _rules(None, settings), order_id, now=time.time(), target=target, force=force)
    except LookupError as exc:
        raise ConfigError(str(exc.args[0])) from exc
    if not results:
        raise ConfigError(f"order {order}: its website has no export rules")
    for result in results:
        if result.pipeline_id is None:
            console.print(f"{result.target}: [yellow]not scheduled[/]: {result.note}")
        else:
            console.print(f"{result.target}: [green]{result.note}[/], pipeline {result.pipeline_id}")


@orders.command("status")
@click.option("--website", "websites", multiple=True, help="Only this website (repeatable).")
@click.option("--state", "states", multiple=True, help="Only this export state (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
def status(websites: tuple[str, ...], states: tuple[str, ...], limit: int) -> None:
    """The newest exports and a count per website, target and state."""
    from conveyor.orders import counts, listing

    engine = _engine(_settings())
    with engine.connect() as conn:
        rows = listing(conn, websites=websites, statuses=states, limit=limit)
        totals = counts(conn)
    table = Table("order", "website", "target", "state", "ERP order", "sends", "pipeline", "updated (UTC)", "error")
    for row in rows:
        table.add_row(
            row.increment_id,
            row.website,
            row.target,
            row.status,
            row.erp_order_id or "-",
            str(row.attempts),
            str(row.pipeline_id or "-"),
            _when(row.updated_at),
            (row.error or "")[:80],
        )
    console.print(table)
    summary = ", ".join(
        f"{r.website}/{r.target} {r.status}: {r.count}"
        for r in totals
        if (not websites or r.website in websites) and (not states or r.status in states)
    )
    console.print(summary or "no exports")


@orders.command("responses")
@click.option("--loop", type=click.FloatRange(min=0.1), help="Read them every SECONDS until stopped.")
def responses(loop: float | None) -> None:
    """Read the response directories once: match each file to its export, or move it aside with a report."""
    from conveyor.cli.queue import stop_on_signals
    from conveyor.orders import process_responses

    settings = _settings()
    engine, rules = _engine(settings), _rules(None, settings)
    if loop:
        stop = stop_on_signals()
        while not stop.is_set():
            outcome = process_responses(engine, rules)
            if outcome.matched or outcome.refused:
                _print_responses(outcome)
            stop.wait(loop)
        return
    _print_responses(process_responses(engine, rules))


def _print_responses(outcome: Outcome) -> None:
    for name, increment_id, erp_order_id in outcome.matched:
        console.print(f"[green]matched[/] {name}: order {increment_id} is ERP order {erp_order_id}")
    for name, reason in outcome.refused:
        console.print(f"[red]refused[/] {name}: {reason}")
    console.print(f"{len(outcome.matched)} matched, {len(outcome.refused)} refused")


orders.add_command(update)  # ``orders update …``: ERP documents back to the shop (``conveyor.cli.order_update``)
