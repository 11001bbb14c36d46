"""Channels: the ways an exported order reaches an ERP, one plug-in each (``conveyor.order_channels``).

A channel is a class taking the target's ``options`` (``check_options(options)`` validates them when the rules
are read) with ``send(document) -> Sent``. It raises to fail the attempt (the step retries), and returns the
ERP's order id when the protocol answers with one. Every channel that can carry an idempotency key sends
``Document.idempotency_key`` (the order's increment id and the target), so a retried send is not a new order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Document:
    """What Transform rendered for one order and target."""

    content: str
    file_name: str
    media_type: str
    increment_id: str
    target: str

    @property
    def idempotency_key(self) -> str:
        return f"{self.increment_id}-{self.target}"


@dataclass(frozen=True)
class Sent:
    """Where the document went and, from synchronous channels, the ERP's order id."""

    reference: str
    erp_order_id: str | None = None


class ChannelError(RuntimeError):
    """The channel could not deliver (the attempt fails and is retried)."""


class Channel(Protocol):
    def send(self, document: Document) -> Sent: ...


class ChannelFactory(Protocol):
    def __call__(self, options: Mapping[str, Any]) -> Channel: ...
