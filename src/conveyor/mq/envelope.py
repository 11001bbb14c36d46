"""What travels: an envelope (topic, body, properties) and, on the consuming side, a delivery of it.

Every message passes through ``Envelope.of`` (publish) and ``Envelope.decode`` (consume) once, so both avoid
the general paths: ids without a system call, and envelopes built without the frozen dataclass's ``__init__``.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from typing import Any

import orjson

from conveyor.logs import PROPERTY as CORRELATION
from conveyor.logs import correlation_id

_ID_PREFIX = os.urandom(8).hex()
_ID_COUNTER = itertools.count()


def _new_id_source() -> None:
    """A new random prefix and counter: a forked child must not repeat its parent's ids."""
    global _ID_PREFIX, _ID_COUNTER
    _ID_PREFIX, _ID_COUNTER = os.urandom(8).hex(), itertools.count()


os.register_at_fork(after_in_child=_new_id_source)


def new_message_id() -> str:
    """32 hex digits: 64 random bits drawn once per process, then a counter.

    Unique like ``uuid4().hex`` in practice (two processes share ids only if they draw the same 64 bits),
    at a third of ``os.urandom``'s cost per message: it is on the publish hot path.
    """
    return f"{_ID_PREFIX}{next(_ID_COUNTER):016x}"


@dataclass(frozen=True, slots=True)
class Envelope:
    """A message: ``body`` is opaque bytes (JSON by convention); ``properties`` carry ids and headers."""

    topic: str
    body: bytes
    message_id: str = field(default_factory=new_message_id)
    properties: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, topic: str, payload: Any, **properties: Any) -> Envelope:
        """An envelope whose body is ``payload`` serialized as JSON, carrying the current correlation id."""
        if CORRELATION not in properties:
            current = correlation_id.get()
            if current is not None:
                properties[CORRELATION] = current
        return _make(topic, orjson.dumps(payload), new_message_id(), properties)

    def json(self) -> Any:
        return orjson.loads(self.body)

    def encoded_properties(self) -> str:
        """Properties plus the message id, as JSON text stored beside the body."""
        if not self.properties and self.message_id.isascii() and self.message_id.isalnum():  # the usual case, hot
            return '{"message_id":"' + self.message_id + '"}'
        return orjson.dumps({**self.properties, "message_id": self.message_id}).decode()

    @classmethod
    def decode(cls, topic: str, body: bytes | bytearray | memoryview, properties: bytes | str | None) -> Envelope:
        """The envelope of stored columns; the inverse of ``encoded_properties``."""
        props: dict[str, Any] = orjson.loads(properties) if properties else {}
        message_id = props.pop("message_id", None) or new_message_id()
        return _make(topic, body if type(body) is bytes else bytes(body), message_id, props)


_new_envelope = object.__new__
_set_topic, _set_body, _set_message_id, _set_properties = (
    Envelope.__dict__[name].__set__ for name in ("topic", "body", "message_id", "properties")
)


def _make(topic: str, body: bytes, message_id: str, properties: dict[str, Any]) -> Envelope:
    """An envelope from checked parts, set through its slots: half the cost of the frozen ``__init__``."""
    envelope = _new_envelope(Envelope)
    _set_topic(envelope, topic)
    _set_body(envelope, body)
    _set_message_id(envelope, message_id)
    _set_properties(envelope, properties)
    return envelope


@dataclass(slots=True)
class Delivery:
    """An envelope reserved from ``queue`` by one worker; ``tag`` is the transport's handle for ack/retry."""

    envelope: Envelope
    queue: str
    attempts: int  # deliveries so far, this one included
    tag: Any
    last_error: str | None = None
