"""Advanced pricing (Magento's format: ``sku, tier_price_website, tier_price_customer_group, tier_price_qty,
tier_price, tier_price_value_type``), set-based per batch through the TierPriceRepository.

add-update adds or updates prices matched on website, group and quantity; replace makes each sku's prices
exactly the file's (across the whole bunch); delete removes the prices matched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy.engine import Connection

from conveyor.catalog.products import TierPrice, TierPriceRepository, ids_by_sku
from conveyor.importer.base import EntityImporter, Outcome, SourceRow
from conveyor.importer.changes import fold
from conveyor.importer.lookups import Stores, customer_groups
from conveyor.importer.product_rows import tier_price
from conveyor.importer.values import ParseError

COLUMNS = ("tier_price_website", "tier_price_customer_group", "tier_price_qty", "tier_price", "tier_price_value_type")


class TierPriceImporter(EntityImporter):
    entity = "tier-prices"

    def required_columns(self, operation: str) -> tuple[str, ...]:
        return ("sku", "tier_price_qty") if operation == "delete" else ("sku", "tier_price_qty", "tier_price")

    def start(self, conn: Connection) -> None:
        self.stores = Stores.load(conn)
        self.groups = customer_groups(conn)
        self.replaced: dict[str, list[TierPrice]] = defaultdict(list)  # replace: every price of a sku in the bunch
        self.replaced_rows: list[SourceRow] = []

    def process(self, conn: Connection, rows: Sequence[SourceRow]) -> Outcome:
        outcome = Outcome()
        prices: dict[str, list[TierPrice]] = defaultdict(list)
        owners: dict[str, list[SourceRow]] = defaultdict(list)
        for row in rows:
            sku = row.values.get("sku", "").strip()
            try:
                price = self._price(row)
            except ParseError as error:
                outcome.errors.append(row.error(error.column or "tier_price", str(error)))
                continue
            prices[sku].append(price)
            owners[sku].append(row)
        found = ids_by_sku(conn, list(prices))
        for sku in list(prices):
            if sku not in found:
                outcome.errors.extend(r.error("sku", f'The product "{sku}" does not exist.') for r in owners.pop(sku))
                prices.pop(sku)
        for sku, given in prices.items():
            keys = [(p.website_id, p.customer_group_id, p.qty) for p in given]
            if len(set(keys)) != len(keys):
                outcome.errors.extend(
                    r.error("tier_price_qty", "The same website, customer group and quantity are given twice.")
                    for r in owners.pop(sku)
                )
        prices = {sku: p for sku, p in prices.items() if sku in owners}
        count = sum(len(p) for p in prices.values())
        rows_done = [r for sku in prices for r in owners[sku]]
        operation = self.context.operation
        if operation == "delete":
            outcome.deleted += count
            if self.context.write:
                TierPriceRepository().delete(conn, prices)
        elif operation == "replace":
            for sku, given in prices.items():
                self.replaced[sku].extend(given)
            self.replaced_rows.extend(rows_done)
            outcome.updated += count
            return outcome
        else:
            outcome.updated += count
            if self.context.write:
                TierPriceRepository().upsert(conn, prices)
        outcome.done.extend(rows_done)
        return outcome

    def finish(self, conn: Connection) -> Outcome:
        outcome = Outcome()
        if self.replaced and self.context.write:
            TierPriceRepository().replace(conn, self.replaced)
        outcome.done.extend(self.replaced_rows)
        return outcome

    def _price(self, row: SourceRow) -> TierPrice:
        values = row.values
        parsers = self.profile.parsers
        try:
            qty = parsers.decimal(values.get("tier_price_qty", ""))
        except ParseError as error:
            raise ParseError(str(error), "tier_price_qty") from None
        if qty <= 0:
            raise ParseError(f'"{values.get("tier_price_qty")}" is not a quantity.', "tier_price_qty")
        try:
            price = parsers.decimal(values.get("tier_price", "0"))
        except ParseError as error:
            raise ParseError(str(error), "tier_price") from None
        kind = fold(values.get("tier_price_value_type", "fixed").strip())
        website = values.get("tier_price_website", "All Websites")
        group = values.get("tier_price_customer_group", "ALL GROUPS")
        try:
            return tier_price(self.stores, self.groups, qty, price, kind, website, group)
        except ParseError as error:
            column = "tier_price_website" if "website" in str(error) else "tier_price_customer_group"
            if "fixed or discount" in str(error):
                column = "tier_price_value_type"
            elif "valid" in str(error):
                column = "tier_price"
            raise ParseError(str(error), column) from None


__all__ = ["COLUMNS", "TierPriceImporter"]
