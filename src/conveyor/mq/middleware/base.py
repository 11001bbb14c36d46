"""The middleware hooks a consumer calls; every hook is optional."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conveyor.mq.consumer import Worker
    from conveyor.mq.envelope import Delivery


class Middleware:
    """Override what you need; ``stop_reason`` returning text makes the worker finish its message and exit."""

    def before_start(self, worker: Worker) -> None: ...

    def before_message(self, worker: Worker, delivery: Delivery) -> None:
        """Just before the handler runs (for a batch handler: for each delivery of the batch, before it)."""

    def after_message(self, worker: Worker, delivery: Delivery, error: BaseException | None) -> None: ...

    def after_empty_round(self, worker: Worker) -> None: ...

    def stop_reason(self, worker: Worker) -> str | None:
        return None

    def after_stop(self, worker: Worker) -> None: ...
