"""Revision 0013 gives the fulfilment sync's earlier shipments their external id, so an upgrade ships nothing twice."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from alembic import command

from conveyor.catalog import NO_EVENTS, OrderInput, OrderRepository
from conveyor.db import make_engine
from conveyor.db.migrate import alembic_config, upgrade

ADDRESS = {
    "firstname": "Gus",
    "lastname": "Guest",
    "street": ["1 Main St"],
    "city": "Austin",
    "postcode": "78701",
    "country_id": "US",
    "telephone": "555-0100",
}


def test_upgrading_fills_the_external_id_from_the_fulfilment_comment(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    orders = OrderRepository()
    with engine.begin() as conn:
        order_id = orders.create(
            conn,
            OrderInput.model_validate(
                {
                    "customer_email": "guest@example.com",
                    "items": [{"sku": "S-1", "name": "S", "qty_ordered": 2, "price": "1.00", "row_total": "2.00"}],
                    "billing_address": ADDRESS,
                    "payment": {"method": "checkmo"},
                    "extension_attributes": {
                        "shipping_assignments": [{"shipping": {"address": ADDRESS, "method": "flatrate_flatrate"}}]
                    },
                }
            ),
            events=NO_EVENTS,
        ).entity_id
        orders.create_shipment(
            conn, order_id, [("S-1", Decimal(1))], comment="Source fulfillment F-7", events=NO_EVENTS
        )
        orders.create_shipment(
            conn, order_id, [("S-1", Decimal(1))], comment="Handed over at the counter", events=NO_EVENTS
        )
    command.downgrade(alembic_config(engine), "0012")
    upgrade(engine)
    with engine.begin() as conn:
        assert orders.external_shipment_ids(conn, order_id) == {"F-7"}
    engine.dispose()
