"""The order update's test world: the REST app, the pipelines driven in-process, products with stock, orders
placed through REST, and the ERP's documents as JSON or openTRANS files."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from conveyor.mq.queue import MessageQueue
from conveyor.orders import export_table
from conveyor.pipelines.heartbeat import Heartbeat
from conveyor.settings import Settings
from tests.integration.api.harness import Harness
from tests.integration.orders.support import order_payload, place
from tests.support.pipelines import drain
from tests.support.testdata import TESTDATA

SAMPLES = TESTDATA / "opentrans-2.1/samples"
DOCUMENTS = "/rest/V1/conveyor/orders/documents"
# Line numbers P697, P698… so that the openTRANS sample's ORDER_REFERENCE/LINE_ITEM_ID P697 names a real line.
LINE_NUMBERS = {"default": {"start": 697, "step": 1, "width": 3, "prefix": "P"}}


@dataclass
class Shop:
    api: Harness
    mq: MessageQueue
    settings: Settings
    root: Path

    @property
    def engine(self) -> sa.Engine:
        return self.api.engine

    def run_pipelines(self) -> int:
        Heartbeat(self.mq, {}, self.settings).run()
        return drain(self.mq, self.settings)

    def stock(self, quantities: dict[str, float]) -> None:
        for sku in quantities:
            answer = self.api.send("POST", "/rest/V1/products", {"product": {"sku": sku, "name": sku, "price": 5}})
            assert answer.status_code == 200, answer.text
        items = [{"sku": s, "source_code": "default", "quantity": q, "status": 1} for s, q in quantities.items()]
        answer = self.api.send("POST", "/rest/V1/inventory/source-items", {"sourceItems": items})
        assert answer.status_code == 200, answer.text

    def salable(self, sku: str) -> float:
        answer = self.api.get(f"/rest/V1/inventory/get-product-salable-quantity/{sku}/1")
        assert answer.status_code == 200, answer.text
        return float(answer.json())

    def source_quantity(self, sku: str) -> float:
        answer = self.api.get(
            "/rest/V1/inventory/source-items?searchCriteria[filter_groups][0][filters][0][field]=sku"
            f"&searchCriteria[filter_groups][0][filters][0][value]={sku}"
        )
        return float(answer.json()["items"][0]["quantity"])

    def place(self, number: str, items: list[tuple[str, float]]) -> dict[str, Any]:
        entity = order_payload(1, number, "checkmo")
        entity["items"] = [
            {"sku": sku, "name": sku, "qty_ordered": qty, "price": 5, "row_total": 5 * qty} for sku, qty in items
        ]
        entity["subtotal"] = entity["grand_total"] = sum(5 * qty for _, qty in items)
        return place(self.api, entity)

    def order(self, entity_id: int) -> dict[str, Any]:
        answer = self.api.get(f"/rest/V1/orders/{entity_id}")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def quantities(self, entity_id: int, column: str) -> dict[str, Decimal]:
        return {item["sku"]: Decimal(str(item[column])) for item in self.order(entity_id)["items"]}

    def send(self, document: dict[str, Any]) -> Any:
        return self.api.send("POST", DOCUMENTS, document)

    def erp_order_id(self, order: dict[str, Any], erp_id: str) -> None:
        """What the export's response handling stores when the ERP answers with its order id."""
        with self.engine.begin() as conn:
            conn.execute(
                export_table.insert().values(
                    order_id=order["entity_id"],
                    increment_id=order["increment_id"],
                    website="base",
                    target="erp",
                    status="accepted",
                    erp_order_id=erp_id,
                    attempts=1,
                    created_at=0.0,
                    updated_at=0.0,
                )
            )
