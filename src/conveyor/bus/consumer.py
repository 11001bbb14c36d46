"""The handler of the built-in command queues' consumers (``conveyor.bus.consumer:handle``).

It runs the process-wide bus (``default_bus``: the process settings, every registered command), so that
``conveyor queue consume commands.customers`` and the consumers runner work like ``conveyor bus consume``.
"""

from __future__ import annotations

from conveyor.mq.envelope import Envelope


def handle(envelope: Envelope) -> None:
    from conveyor.bus.bus import default_bus

    default_bus().consume(envelope)
