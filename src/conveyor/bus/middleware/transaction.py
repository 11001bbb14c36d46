"""One database transaction per command: the handler's writes, and any command it queues, commit together."""

from __future__ import annotations

from conveyor.bus.context import Call
from conveyor.bus.middleware.base import Next
from conveyor.mq.queue import MessageQueue


class Transaction:
    """Opens ``mq.transaction()`` (so publishing inside is atomic, through the outbox for AMQP) around the rest
    of the chain; runs the call's before-commit hooks after the handler returned."""

    def __init__(self, mq: MessageQueue) -> None:
        self.mq = mq

    def __call__(self, call: Call, next_: Next) -> object:
        with self.mq.transaction() as tx:
            call.context.tx = tx
            try:
                value = next_(call)
                for hook in list(call.before_commit):
                    hook(tx.conn)
            finally:
                call.context.tx = None
        return value
