"""The admin UI served for real (uvicorn in a thread, on a free port) over a seeded SQLite file, and one headless
Debian chromium driven by Playwright for the whole session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, sync_playwright
from pydantic import SecretStr

from conveyor.admin import create_admin_app
from conveyor.api.auth import create_user
from conveyor.app import App
from conveyor.bulk.schema import OperationStatus, bulk_table, operation_table
from conveyor.bus.schema import sync_log_table
from conveyor.db.engine import now
from conveyor.importer import ImportReport, RowError, history
from conveyor.importer.history import Origin
from conveyor.orders import export_table
from conveyor.pipelines import operator
from conveyor.pipelines.schema import pipeline_table, step_table
from conveyor.serving import BackgroundServer
from conveyor.settings import Settings
from conveyor.sync import change_sets
from conveyor.sync.models import ChangeSet, EntityType
from tests.conftest import REQUIRE

CHROMIUM = "/usr/bin/chromium"
EXAMPLE_TOPOLOGY = Path(__file__).parents[3] / "src" / "conveyor" / "examples" / "topology.yaml"
ADMIN, PASSWORD = "operator", "correct horse battery"
BULK_UUID = "7d3c7a5e-2f0a-4a5e-9d3c-000000000001"


@dataclass
class Seeded:
    """What the seeded store holds, for the tests to look for."""

    app: App
    url: str
    failed_pipeline: int
    failed_step: int

    @property
    def engine(self) -> sa.Engine:
        return self.app.engine

    def publish(self, count: int, sku: str = "sku") -> None:
        for n in range(count):
            self.app.mq.publish("catalog.product.saved", {"sku": f"{sku}-{n}"})


@pytest.fixture(scope="package")  # not the session: its event loop would stay running for later tests
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        message = "Debian's chromium is not installed (apt-get install -y chromium; .ci/run does it)"
        if REQUIRE:
            pytest.fail(message + " (CONVEYOR_REQUIRE_SERVICES=1)")
        pytest.skip(message)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def _seed(app: App) -> tuple[int, int]:
    engine = app.engine
    with engine.begin() as conn:
        create_user(conn, ADMIN, PASSWORD)
    mq = app.mq
    mq.declare()
    for n in range(3):
        mq.publish("catalog.product.saved", {"sku": f"MH01-{n}", "name": f"Chaz Kangeroo Hoodie {n}"})
    transport = mq.transport_for_queue("products")
    [delivery] = transport.reserve("products", 1, "seed-worker")
    transport.dead_letter(delivery, "ValueError: attribute set 'Top' does not exist")

    topic = app.operations.topics()[0]
    t = now()
    with engine.begin() as conn:
        conn.execute(
            bulk_table.insert().values(
                uuid=BULK_UUID,
                user_id=None,
                user_type=1,
                description="Import 2 customer groups",
                operation_count=2,
                start_time=t - 60,
                acknowledged=False,
                correlation_id="cid-1",
            )
        )
        for key, status, message in [
            (0, OperationStatus.COMPLETE, None),
            (1, OperationStatus.RETRIABLY_FAILED, "Could not save customer group: code exists"),
        ]:
            conn.execute(
                operation_table.insert().values(
                    bulk_uuid=BULK_UUID,
                    operation_key=key,
                    topic_name=topic,
                    serialized_data=orjson.dumps({"group": {"code": f"group-{key}", "tax_class_id": 3}}).decode(),
                    status=int(status),
                    result_message=message,
                    started_at=t - 59,
                    finished_at=t - 58,
                )
            )

    clean_up = operator.definitions(app.settings)["clean_up"]
    pipeline_id = operator.create(engine, clean_up, app.settings, {})
    operator.create(engine, clean_up, app.settings, {"days": 7})  # a second one, still pending
    with engine.begin() as conn:
        steps = conn.execute(sa.select(step_table.c.id).where(step_table.c.pipeline_id == pipeline_id)).all()
        conn.execute(
            step_table.update()
            .where(step_table.c.id == steps[0].id)
            .values(status="success", attempts=1, started_at=t - 30, finished_at=t - 28, log="compressed 0 dirs")
        )
        conn.execute(
            step_table.update()
            .where(step_table.c.id == steps[1].id)
            .values(
                status="error",
                attempts=1,
                started_at=t - 28,
                finished_at=t - 27,
                log="deleting before 2026-11-07",
                error="OperationalError: database is locked",
            )
        )
        conn.execute(
            pipeline_table.update()
            .where(pipeline_table.c.id == pipeline_id)
            .values(status="error", created_at=t - 31, started_at=t - 30, finished_at=t - 27)
        )
    _seed_history(engine, t, pipeline_id)
    return pipeline_id, int(steps[1].id)


def _seed_history(engine: sa.Engine, t: float, export_pipeline: int) -> None:
    """An import run with row errors, sync log rows, a change set and an order export (its pipeline failed)."""
    with engine.begin() as conn:
        run = history.start(
            conn, run_key="luma-1", entity="products", operation="append", files=["products.csv"], origin=Origin.CLI
        )
        report = ImportReport(entity="products", operation="append", files=["products.csv"], rows=3, created=2)
        report.invalid = 1
        report.errors.append(
            RowError("products.csv", 3, "price", "Value for 'price' attribute contains incorrect value")
        )
        history.finish(conn, run, report)
        for n, (outcome, error) in enumerate([("success", None), ("failed", "SourceUnavailableError: ERP is down")]):
            conn.execute(
                sync_log_table.insert().values(
                    command="sync.product",
                    entity_type="product",
                    entity_id=f"MH0{n}",
                    outcome=outcome,
                    duration=0.25,
                    error=error,
                    correlation_id=f"cid-{n}",
                    created_at=t - 10 + n,
                )
            )
        change_sets.record(
            conn,
            ChangeSet(
                id="cs-42",
                entity_type=EntityType.PRODUCT,
                entity_ids=["MH01", "MH02"],
                created_at=dt.datetime.now(dt.UTC),
            ),
            "erp",
        )
        conn.execute(
            export_table.insert().values(
                order_id=1,
                increment_id="000000042",
                website="base",
                target="erp",
                status="error",
                pipeline_id=export_pipeline,
                attempts=2,
                document='{"order": "000000042"}',
                error="HTTP 503 from the ERP",
                created_at=t - 20,
                updated_at=t - 5,
            )
        )


@contextmanager
def _serving(sqlite_url: str, tmp_path: Path, *, whole_api: bool, **more: Any) -> Iterator[Seeded]:
    settings = Settings(
        database_url=sqlite_url,
        topology_files=[EXAMPLE_TOPOLOGY],
        admin_session_secret=SecretStr("test-secret"),
        pipeline_work_dir=tmp_path / "work",
        **more,
    )
    app = App(settings, publishes_operations=True)
    failed_pipeline, failed_step = _seed(app)
    if whole_api:
        served = app.api()
    else:  # the admin app alone, mounted as App.api() mounts it (building every REST route takes seconds)
        served = FastAPI()
        served.mount("/admin", create_admin_app(settings, app.mq, app.bus))
    with BackgroundServer(served, name="admin-ui") as server:
        yield Seeded(app, server.url, failed_pipeline, failed_step)
    app.close()


@pytest.fixture
def seeded(sqlite_url: str, tmp_path: Path) -> Iterator[Seeded]:
    with _serving(sqlite_url, tmp_path, whole_api=False) as found:
        yield found


@pytest.fixture
def watched(sqlite_url: str, tmp_path: Path) -> Iterator[Seeded]:
    """The seeded admin UI with a watched import directory (``tmp_path / "inbox"``)."""
    (tmp_path / "inbox").mkdir()
    with _serving(sqlite_url, tmp_path, whole_api=False, import_watch_dir=tmp_path / "inbox") as found:
        yield found


@pytest.fixture
def seeded_api(sqlite_url: str, tmp_path: Path) -> Iterator[Seeded]:
    """The whole REST API with the admin UI mounted, as ``conveyor api serve`` runs it."""
    with _serving(sqlite_url, tmp_path, whole_api=True) as found:
        yield found


@pytest.fixture
def page(browser: Browser, tmp_path: Path) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def shot(page: Page, tmp_path: Path, name: str) -> Path:
    """A full-page screenshot under the test's temporary directory."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, seeded: Seeded, password: str = PASSWORD) -> None:
    page.goto(seeded.url + "/admin/login")
    page.get_by_label("User name").fill(ADMIN)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


__all__ = ["ADMIN", "BULK_UUID", "PASSWORD", "Seeded", "shot", "sign_in"]
