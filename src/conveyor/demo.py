"""The README's main job for now: declare a topology, publish a few thousand messages, consume them.

The handlers validate what a real catalog handler would: a product needs a sku and a decimal price, a
stock update a non-negative quantity. One deliberately broken message shows the dead-letter place.
"""

from __future__ import annotations

import random
import time
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from conveyor.mq.envelope import Delivery, Envelope
from conveyor.mq.middleware.base import Middleware

if TYPE_CHECKING:
    from collections.abc import Callable

    from conveyor.mq.consumer import Worker


def handle_product(envelope: Envelope) -> None:
    data = envelope.json()
    if not data.get("sku"):
        raise ValueError("product without sku")
    try:
        Decimal(str(data["price"]))
    except (KeyError, InvalidOperation) as exc:
        raise ValueError(f"product {data['sku']}: price {data.get('price')!r} is not a decimal") from exc


def handle_stock(envelope: Envelope) -> None:
    data = envelope.json()
    if int(data["qty"]) < 0:
        raise ValueError(f"stock of {data['sku']} is negative")


def handle_audit(envelope: Envelope) -> None:
    if not envelope.topic:
        raise ValueError("message without topic")


def sample_messages(count: int, seed: int = 7) -> list[Envelope]:
    """``count`` product and stock messages; the 100th product has a broken price (a poison message)."""
    rng = random.Random(seed)
    messages = []
    for n in range(count):
        sku = f"SKU-{n:06d}"
        if n % 3 == 2:
            messages.append(Envelope.of("inventory.stock.updated", {"sku": sku, "qty": rng.randint(0, 500)}))
        else:
            price = "not-a-price" if n == 100 else f"{rng.uniform(1, 500):.2f}"
            messages.append(Envelope.of("catalog.product.saved", {"sku": sku, "name": f"Product {n}", "price": price}))
    return messages


class Progress(Middleware):
    """Feeds a progress callback once per message settled for good (acked or dead-lettered), not per retry."""

    def __init__(self, advance: Callable[[int], None]) -> None:
        self.advance = advance

    def after_message(self, worker: Worker, delivery: Delivery, error: BaseException | None) -> None:
        if worker.is_final(delivery, error):
            self.advance(1)


def elapsed_since(start: float) -> float:
    return max(time.perf_counter() - start, 1e-9)
