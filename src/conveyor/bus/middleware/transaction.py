"""One database transaction per command: the handler's writes, and any command it queues, commit together."""

from __future__ import annotations

from contextlib import ExitStack

from conveyor.bus.context import Call
from conveyor.bus.middleware.base import Next
from conveyor.mq.queue import MessageQueue
from conveyor.mq.queue import Transaction as QueueTransaction


class Transaction:
    """Gives the handler ``mq.transaction()`` (so publishing inside is atomic, through the outbox for AMQP), begun
    when the handler first uses it; runs the call's before-commit hooks in it after the handler returned, and the
    context's failure hooks after a failure rolled it back."""

    def __init__(self, mq: MessageQueue) -> None:
        self.mq = mq

    def __call__(self, call: Call, next_: Next) -> object:
        context = call.context
        context.failure_hooks = []  # an inline retry starts afresh
        try:
            return self._run(call, next_)
        except BaseException as error:
            hooks, context.failure_hooks = list(context.failure_hooks), []
            for hook in hooks:
                hook(error)
            raise

    def _run(self, call: Call, next_: Next) -> object:
        context = call.context
        with ExitStack() as stack:

            def open_transaction() -> QueueTransaction:
                return stack.enter_context(self.mq.transaction())

            context.opener = open_transaction
            try:
                value = next_(call)
                if call.before_commit:
                    conn = context.conn
                    for hook in list(call.before_commit):
                        hook(conn)
            finally:
                context.tx, context.opener = None, None
        return value
