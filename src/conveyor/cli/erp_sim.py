"""``conveyor erp-sim``: a seeded retail ERP on a real HTTP server, for demos and tests."""

from __future__ import annotations

import click

from conveyor.cli.common import console, setup_logging, verbosity_option


def _quota(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    from conveyor.quota import DEFAULT_QUOTA, format_windows, parse_windows

    try:
        return format_windows(parse_windows(DEFAULT_QUOTA if value is None else value))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@click.command("erp-sim")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8900, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same catalogue.")
@click.option("--customers", type=click.IntRange(min=0), default=100, show_default=True)
@click.option("--products", type=click.IntRange(min=0), default=50, show_default=True, help="Products (styles).")
@click.option("--orders", type=click.IntRange(min=0), default=0, show_default=True, help="Orders 000000001… to fulfil.")
@click.option("--order-numbers", help="Comma-separated order numbers to seed instead (the shop's increment ids).")
@click.option(
    "--quota",
    callback=_quota,
    help='Requests per window, e.g. "5/s,60/min"; "none" for no quota.  [default: 25/s,1200/min,30000/h,150000/day]',
)
@click.option("--api-key", envvar="CONVEYOR_ERP_SIM_API_KEY", help="Require this X-Api-Key (default: none).")
@click.option("--webhook", "webhook_url", help="URL change sets are posted to.")
@click.option("--webhook-secret", envvar="CONVEYOR_ERP_SIM_WEBHOOK_SECRET", help="HMAC-SHA256 key signing the posts.")
@click.option(
    "--change-every",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Change entities every SECONDS (0: only on POST /admin/change).",
)
@click.option("--change-count", type=click.IntRange(min=1), default=5, show_default=True, help="Entities per change.")
@verbosity_option
def erp_sim(
    host: str,
    port: int,
    seed: int,
    customers: int,
    products: int,
    orders: int,
    order_numbers: str | None,
    quota: str,
    api_key: str | None,
    webhook_url: str | None,
    webhook_secret: str | None,
    change_every: float,
    change_count: int,
    verbose: int,
) -> None:
    """Serve a simulated ERP: its API under /api/v1 (point CONVEYOR_SOURCE_URL there), admin routes under /admin."""
    import uvicorn

    from conveyor.sync.simulator import SimulatorConfig, create_app

    setup_logging(verbose)
    config = SimulatorConfig(
        seed=seed,
        customers=customers,
        products=products,
        orders=orders,
        order_numbers=tuple(n.strip() for n in (order_numbers or "").split(",") if n.strip()),
        quota=quota,
        api_key=api_key,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        change_every=change_every,
        change_count=change_count,
    )
    app = create_app(config)
    base = f"http://{host}:{port}"
    count = len(config.order_numbers) or orders
    console.print(f"ERP simulator: seed {seed}, {customers} customers, {products} products, {count} orders")
    console.print(f"  API      {base}/api/v1   (quota {quota})")
    console.print(f"  admin    {base}/admin/stats · POST {base}/admin/change · docs {base}/docs")
    if webhook_url:
        signed = "signed" if webhook_secret else "unsigned"
        every = f"every {change_every:g}s" if change_every else "on POST /admin/change"
        console.print(f"  webhook  {webhook_url} ({signed}, changes {every})")
    uvicorn.run(app, host=host, port=port, log_level={0: "warning", 1: "info"}.get(verbose, "debug"))
