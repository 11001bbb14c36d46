"""The handler of the built-in command queues' consumers (``conveyor.bus.consumer:handle``).

It runs the application's bus (its settings, every registered command), so that ``conveyor queue consume
commands.customers`` and the consumers runner work like ``conveyor bus consume``.
"""

from __future__ import annotations

from typing import Protocol

from conveyor.bus.bus import CommandBus
from conveyor.mq.consumer import Handler
from conveyor.mq.handlers import handler_factory


class BusHost(Protocol):
    """What the built-in consumer needs of the running application (``conveyor.app.App``)."""

    @property
    def bus(self) -> CommandBus: ...


@handler_factory
def handle(app: BusHost) -> Handler:
    """The App's bus consumes each queued command."""
    return app.bus.consume
