"""The correlation id of the message being handled is the current one: its log lines and what it publishes carry it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.logs import PROPERTY, clean, correlation_id, set_current
from conveyor.mq.middleware.base import Middleware

if TYPE_CHECKING:
    from conveyor.mq.consumer import Worker
    from conveyor.mq.envelope import Delivery


class Correlation(Middleware):
    def before_message(self, worker: Worker, delivery: Delivery) -> None:
        value = delivery.envelope.properties.get(PROPERTY)
        if value is not None or correlation_id.get() is not None:  # a ContextVar set only where it changes
            set_current(clean(value) if isinstance(value, str) else None)

    def after_message(self, worker: Worker, delivery: Delivery, error: BaseException | None) -> None:
        if correlation_id.get() is not None:
            set_current(None)
