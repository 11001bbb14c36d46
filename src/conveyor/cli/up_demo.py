"""``conveyor up --demo``: work for the running system, so that a person can watch it happen.

Before the processes start: the ERP simulator (in this process, posting change sets to the API's EDS route), an
admin login made for the demo, the store views the Luma files name, and export rules writing each order to a folder.
Once the API answers: the Luma catalogue dropped into the catalog import pipeline's folder (the heartbeat spawns
it, the pipeline runners import it), a bulk sync of the ERP queued (the command worker handles it), orders placed
through the REST API (the heartbeat's export pipelines write them to ``var/demo/export``), then every 20 seconds the
ERP changes a few entities and posts a change set. Every step is announced on the ``demo`` line.
"""

from __future__ import annotations

import os
import secrets
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from conveyor.sync.simulator import SimulatorConfig, SimulatorServer

ENTITIES = ("price-group", "attribute", "customer", "product")
TESTDATA_ENV = "CONVEYOR_TESTDATA"  # where the shared third-party files are, as the tests look them up


def testdata_root() -> Path:
    """The team's shared third-party files: ``CONVEYOR_TESTDATA``, else ``../shared/testdata`` beside the checkout
    (a clone made elsewhere says where they are through the variable; the tests also look beside its origin)."""
    configured = os.environ.get(TESTDATA_ENV, "").strip()
    return Path(configured) if configured else Path(__file__).resolve().parents[3].parent / "shared" / "testdata"


def luma_files() -> Path:
    """Magento's Luma import files, in the shared test data."""
    return testdata_root() / "magento-import"


BUNCHES = {
    "attribute-set-import_20190104-114000": ["attributes-set/add-update/attribute-set-import_20190104-114000_01.csv"],
    "attribute-import_20170428-124902": ["attributes/add-update/attribute-import_20170428-124902_01.csv"],
    "category-import_20161024-194026": ["categories/add-update/category-import_20161024-194026_01.csv"],
    "product-import_20161021-161909": [
        f"products/add-update/product-import_20161021-161909_0{n}.csv" for n in range(1, 5)
    ],
}
ORDERS_RULES = """\
websites:
  base:
    targets:
      - name: demo-files
        format: json
        channel: file
        options: {directory: var/demo/export, pattern: "ORDER_{increment_id}.{extension}"}
        response: {type: none}
"""
CHANGE_EVERY = 20.0
ADDRESS = {
    "firstname": "Sam", "lastname": "Shopper", "street": ["1 Demo Way"], "city": "Berlin", "postcode": "10115",
    "country_id": "DE", "telephone": "0301234567", "email": "shopper@example.com",
}  # fmt: skip

Say = Callable[[str, str], None]


@dataclass
class DemoStage:
    """What the demo prepared before the processes start: the environment they need and the login it made."""

    var: Path
    sim: SimulatorServer
    username: str
    password: str
    env: dict[str, str] = field(default_factory=dict)
    watch_dir: Path | None = None

    @classmethod
    def prepare(cls, var: Path, port: int) -> DemoStage:
        from conveyor.api.eds import PATH

        secret = secrets.token_hex(16)
        sim = SimulatorServer(
            SimulatorConfig(
                seed=7,
                customers=200,
                products=80,
                orders=0,
                quota="50/s",
                webhook_url=f"http://127.0.0.1:{port}{PATH}",
                webhook_secret=secret,
            )
        ).start()
        rules = var / "demo" / "orders.yaml"
        rules.parent.mkdir(parents=True, exist_ok=True)
        rules.write_text(ORDERS_RULES)
        stage = cls(var, sim, "demo", secrets.token_urlsafe(12))
        stage.env = {
            "CONVEYOR_EDS_SECRET": secret,
            "CONVEYOR_SOURCE_URL": sim.api_url,
            "CONVEYOR_ORDERS_RULES": str(rules.resolve()),
            "CONVEYOR_RATE_LIMITS": os.environ.get("CONVEYOR_RATE_LIMITS", '{"http": "50/s"}'),
        }
        return stage

    def login(self) -> None:
        """The demo's admin user (its password changes with every run) and the Luma store views."""
        from conveyor.api.auth import create_user
        from conveyor.api.schema import admin_user_table
        from conveyor.catalog.stores import store_group_table, store_table
        from conveyor.db import make_engine
        from conveyor.settings import get_settings

        engine = make_engine(get_settings().database_url)
        with engine.begin() as conn:
            conn.execute(admin_user_table.delete().where(admin_user_table.c.username == self.username))
            create_user(conn, self.username, self.password)
            group_id = conn.execute(
                sa.select(store_group_table.c.group_id).where(store_group_table.c.website_id == 1)
            ).scalar_one()
            known = set(conn.execute(sa.select(store_table.c.code)).scalars())
            for store_id, code in ((2, "de_de"), (3, "en_us")):
                if code not in known:
                    conn.execute(
                        store_table.insert().values(
                            store_id=store_id, code=code, website_id=1, group_id=group_id, name=code
                        )
                    )

    # -- once the API answers -------------------------------------------------------------------------------------

    def run(self, url: str, say: Say, stop: threading.Event) -> None:
        for step in (self._catalogue, self._bulk_sync, self._orders):
            try:
                step(url, say)
            except Exception as exc:  # a demo step that fails is reported; the system keeps running
                say("demo", f"{step.__name__.strip('_')} failed: {type(exc).__name__}: {exc}")
        kinds = ("customer", "product")
        turn = 0
        while not stop.wait(CHANGE_EVERY):
            kind = kinds[turn % 2]
            turn += 1
            try:
                answer = httpx.post(f"{self.sim.url}/admin/change", json={"entity_type": kind, "count": 5}, timeout=30)
                posted = answer.json().get("change_set") or {}
                say("demo", f"the ERP changed 5 {kind}s and posted change set {posted.get('id', '-')}")
            except (httpx.HTTPError, ValueError) as exc:
                say("demo", f"the ERP change failed: {exc}")

    def _catalogue(self, url: str, say: Say) -> None:
        luma = luma_files()
        if not luma.is_dir():
            say("demo", f"no Luma files at {luma} (set {TESTDATA_ENV}): the catalogue import is left out")
            return
        drop = self.var / "import" / "catalog"
        drop.mkdir(parents=True, exist_ok=True)
        for prefix, names in BUNCHES.items():
            for name in names:
                shutil.copy(luma / name, drop / Path(name).name)
            (drop / f"{prefix}.ok").touch()
        say("demo", f"the Luma catalogue is in {drop}: the heartbeat starts the catalog_import pipeline")

    def _bulk_sync(self, url: str, say: Say) -> None:
        from conveyor.app import App
        from conveyor.settings import get_settings
        from conveyor.sync import Patience
        from conveyor.sync.commands import enqueue_all

        with App(get_settings()) as app:
            queued = sum(
                enqueue_all(app.bus, app.sync_source, kind, page_size=100, call=Patience()) for kind in ENTITIES
            )
        say("demo", f"bulk sync of the ERP: {queued} commands queued for the command worker")

    def _orders(self, url: str, say: Say, count: int = 5) -> None:
        token = httpx.post(
            f"{url}/rest/V1/integration/admin/token",
            json={"username": self.username, "password": self.password},
            timeout=10,
        ).json()
        headers = {"Authorization": f"Bearer {token}"}
        placed = []
        for n in range(count):
            entity: dict[str, Any] = {
                "increment_id": f"DEMO{secrets.randbelow(10**8):08d}{n}",
                "customer_email": "shopper@example.com",
                "customer_firstname": "Sam",
                "customer_lastname": "Shopper",
                "grand_total": "10.00",
                "items": [{"sku": "24-MB01", "name": "Joust Duffle Bag", "qty_ordered": 1, "price": "10.00"}],
                "billing_address": ADDRESS,
                "payment": {"method": "checkmo"},
                "extension_attributes": {
                    "shipping_assignments": [{"shipping": {"address": ADDRESS, "method": "flatrate_flatrate"}}]
                },
            }
            answer = httpx.post(f"{url}/rest/V1/orders", json={"entity": entity}, headers=headers, timeout=10)
            if answer.status_code != 200:
                say("demo", f"order refused: {answer.text[:200]}")
                return
            placed.append(entity["increment_id"])
        say("demo", f"{len(placed)} orders placed; the export pipelines write them to var/demo/export")

    def close(self) -> None:
        self.sim.stop()
