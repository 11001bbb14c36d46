"""Multi-source stock (MSI's import format: ``sku, source_code, status, quantity``), set-based per batch.

add-update upserts the items given; replace makes the items of every sku in the batch exactly the rows
(sources the file does not name for that sku are removed); delete removes the items given. Source items
refer to products by sku, as in MSI, so stock may arrive before its product.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav import chunked
from conveyor.catalog.inventory import IN_STOCK, OUT_OF_STOCK, StockRepository, source_item_table
from conveyor.db.upsert import upsert
from conveyor.importer.base import EntityImporter, Outcome, SourceRow
from conveyor.importer.lookups import source_codes
from conveyor.importer.values import ParseError

SI = source_item_table
_QTY = Decimal("0.0001")


class StockImporter(EntityImporter):
    entity = "stock"

    def required_columns(self, operation: str) -> tuple[str, ...]:
        return ("sku", "source_code")

    def start(self, conn: Connection) -> None:
        self.sources = source_codes(conn)
        self.replaced: set[str] = set()  # skus whose other sources are already cleaned (replace)

    def process(self, conn: Connection, rows: Sequence[SourceRow]) -> Outcome:
        outcome = Outcome()
        items: dict[tuple[str, str], dict[str, object]] = {}
        for row in rows:
            try:
                item = self._item(row)
            except ParseError as error:
                outcome.errors.append(row.error(error.column or "", str(error)))
                continue
            key = (str(item["source_code"]), str(item["sku"]))
            if key in items:
                outcome.errors.append(row.error("sku", f'"{key[1]}" is given twice for the source "{key[0]}".'))
                continue
            items[key] = item
            outcome.done.append(row)
        if self.context.operation == "delete":
            outcome.deleted += len(items)
            if self.context.write:
                StockRepository().delete(conn, list(items))
            return outcome
        if not self.context.write:
            outcome.updated += len(items)
            return outcome
        if self.context.operation == "replace":
            skus = sorted({sku for _, sku in items} - self.replaced)
            for part in chunked(skus):
                conn.execute(SI.delete().where(SI.c.sku.in_(part)))
            self.replaced.update(skus)
        existing: set[tuple[str, str]] = set()
        for part in chunked(sorted({sku for _, sku in items})):
            query = sa.select(SI.c.source_code, SI.c.sku).where(SI.c.sku.in_(part))
            existing.update((source, sku) for source, sku in conn.execute(query))
        for key in items:
            if key in existing:
                outcome.updated += 1
            else:
                outcome.created += 1
        groups: dict[tuple[str, ...], list[dict[str, object]]] = {}
        for item in items.values():
            given = tuple(c for c in ("quantity", "status") if item.pop(f"_{c}_given"))
            groups.setdefault(given, []).append(item)
        for given, group in groups.items():
            upsert(conn, SI, group, key=["source_code", "sku"], update=list(given))
        return outcome

    def _item(self, row: SourceRow) -> dict[str, object]:
        values = row.values
        parsers = self.profile.parsers
        sku = values.get("sku", "").strip()
        if not sku or len(sku) > 64:
            raise ParseError("The sku is empty or longer than 64 characters.", "sku")
        source = values.get("source_code", "").strip()
        if source not in self.sources:
            raise ParseError(f'The source "{source}" does not exist.', "source_code")
        quantity = None
        if values.get("quantity"):
            try:
                quantity = parsers.decimal(values["quantity"]).quantize(_QTY)
            except ParseError as error:
                raise ParseError(str(error), "quantity") from None
        status = None
        if values.get("status"):
            try:
                status = IN_STOCK if parsers.boolean(values["status"]) else OUT_OF_STOCK
            except ParseError as error:
                raise ParseError(str(error), "status") from None
        amount = quantity if quantity is not None else Decimal(0)
        return {
            "source_code": source,
            "sku": sku,
            "quantity": amount,
            "status": status if status is not None else (IN_STOCK if amount > 0 else OUT_OF_STOCK),
            "_quantity_given": quantity is not None,
            "_status_given": status is not None,
        }


__all__ = ["StockImporter"]
