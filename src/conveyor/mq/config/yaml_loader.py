"""The YAML topology format (see examples/topology.yaml): one list per element kind, bindings under exchanges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from conveyor.mq.topology import (
    Binding,
    Consumer,
    Exchange,
    HandlerRef,
    Origin,
    Publisher,
    PublisherConnection,
    Queue,
    Topic,
    Topology,
    TopologyError,
)

SECTIONS = ("topics", "exchanges", "queues", "publishers", "consumers", "default_connection")


class _Reader:
    """Reads one mapping of a YAML element, remembering where it is for error messages."""

    def __init__(self, file: str, element: str, data: Any) -> None:
        self.origin = Origin(file, element)
        if isinstance(data, str) and element.startswith(("queue", "topic")):
            data = {"name": data}
        if not isinstance(data, dict):
            raise TopologyError(self.origin, None, f"expected a mapping, got {type(data).__name__}")
        self.data: dict[str, Any] = data

    def _get(self, key: str, kinds: tuple[type, ...], default: Any, required: bool) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                raise TopologyError(self.origin, key, "is required")
            return default
        value = self.data[key]
        if isinstance(value, bool) and bool not in kinds:
            raise TopologyError(self.origin, key, f"expected {kinds[0].__name__}, got a boolean")
        if not isinstance(value, kinds):
            raise TopologyError(self.origin, key, f"expected {kinds[0].__name__}, got {value!r}")
        return value

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> Any:
        return self._get(key, (str,), default, required)

    def number(self, key: str, default: float | None = None) -> Any:
        return self._get(key, (int, float), default, False)

    def integer(self, key: str, default: int | None = None) -> Any:
        return self._get(key, (int,), default, False)

    def flag(self, key: str, default: bool = False) -> bool:
        return bool(self._get(key, (bool,), default, False))

    def items(self, key: str) -> list[Any]:
        return list(self._get(key, (list,), [], False))

    def unknown(self, allowed: set[str]) -> None:
        extra = sorted((key for key in self.data if key not in allowed), key=str)  # YAML keys may be null or numbers
        if extra:
            raise TopologyError(
                self.origin, str(extra[0]), f"unknown attribute (allowed: {', '.join(sorted(allowed))})"
            )


def _unique(file: str, kind: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise TopologyError(Origin(file, f"{kind} '{name}'"), "name", f"duplicate {kind} name {name!r}")
        seen.add(name)


def load_yaml(path: Path) -> Topology:
    """Parse one YAML topology file (not yet validated: merging may complete it)."""
    file = str(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise TopologyError(Origin(file, "document"), None, f"not valid YAML: {exc}") from exc
    root = _Reader(file, "document", document)
    root.unknown(set(SECTIONS))
    declared_default = root.text("default_connection")
    topology = Topology(default_connection=declared_default)
    default_connection = declared_default or "db"

    topics = [_topic(file, i, raw) for i, raw in enumerate(root.items("topics"))]
    queues = [_queue(file, i, raw, default_connection) for i, raw in enumerate(root.items("queues"))]
    exchanges = [_exchange(file, i, raw, default_connection) for i, raw in enumerate(root.items("exchanges"))]
    publishers = [_publisher(file, i, raw) for i, raw in enumerate(root.items("publishers"))]
    consumers = [_consumer(file, i, raw, default_connection) for i, raw in enumerate(root.items("consumers"))]
    _unique(file, "topic", [t.name for t in topics])
    _unique(file, "queue", [q.name for q in queues])
    _unique(file, "exchange", [e.name for e in exchanges])
    _unique(file, "publisher", [p.topic for p in publishers])
    _unique(file, "consumer", [c.name for c in consumers])
    for exchange in exchanges:
        _unique(file, f"binding of exchange '{exchange.name}'", [b.id for b in exchange.bindings])
    topology.topics = {t.name: t for t in topics}
    topology.queues = {q.name: q for q in queues}
    topology.exchanges = {(e.connection, e.name): e for e in exchanges}
    topology.publishers = {p.topic: p for p in publishers}
    topology.consumers = {c.name: c for c in consumers}
    return topology


def _named(file: str, kind: str, index: int, raw: Any) -> _Reader:
    reader = _Reader(file, f"{kind} #{index + 1}", raw)
    key = "topic" if kind == "publisher" else "name"
    name = reader.text(key, required=True)
    reader.origin = Origin(file, f"{kind} '{name}'")
    return reader


def _topic(file: str, index: int, raw: Any) -> Topic:
    r = _named(file, "topic", index, raw)
    r.unknown({"name", "request", "response", "description"})
    return Topic(name=r.text("name"), request=r.text("request"), response=r.text("response"), origin=r.origin)


def _queue(file: str, index: int, raw: Any, default_connection: str) -> Queue:
    r = _named(file, "queue", index, raw)
    r.unknown({"name", "connection", "durable"})
    return Queue(
        name=r.text("name"),
        connection=r.text("connection", default_connection),
        durable=r.flag("durable", True),
        origin=r.origin,
    )


def _exchange(file: str, index: int, raw: Any, default_connection: str) -> Exchange:
    r = _named(file, "exchange", index, raw)
    r.unknown({"name", "type", "connection", "durable", "bindings"})
    name = r.text("name")
    bindings = []
    for j, item in enumerate(r.items("bindings")):
        b = _Reader(file, f"binding #{j + 1} of exchange '{name}'", item)
        b.unknown({"id", "topic", "destination", "destination_type", "disabled"})
        topic = b.text("topic", required=True)
        destination = b.text("destination", required=True)
        binding_id = b.text("id", f"{topic}->{destination}")
        b.origin = Origin(file, f"binding '{binding_id}' of exchange '{name}'")
        bindings.append(
            Binding(
                id=binding_id,
                topic=topic,
                destination=destination,
                destination_type=b.text("destination_type", "queue"),
                disabled=b.flag("disabled"),
                origin=b.origin,
            )
        )
    return Exchange(
        name=name,
        connection=r.text("connection", default_connection),
        type=r.text("type", "topic"),
        durable=r.flag("durable", True),
        bindings=tuple(bindings),
        origin=r.origin,
    )


def _publisher(file: str, index: int, raw: Any) -> Publisher:
    r = _named(file, "publisher", index, raw)
    r.unknown({"topic", "connections", "disabled"})
    topic = r.text("topic")
    connections = []
    for j, item in enumerate(r.items("connections")):
        c = _Reader(file, f"connection #{j + 1} of publisher '{topic}'", item)
        c.unknown({"name", "exchange", "disabled"})
        name = c.text("name", required=True)
        c.origin = Origin(file, f"connection '{name}' of publisher '{topic}'")
        connections.append(
            PublisherConnection(
                name=name,
                exchange=c.text("exchange", "magento"),
                disabled=c.flag("disabled"),
                origin=c.origin,
            )
        )
    return Publisher(topic=topic, connections=tuple(connections), disabled=r.flag("disabled"), origin=r.origin)


def _consumer(file: str, index: int, raw: Any, default_connection: str) -> Consumer:
    r = _named(file, "consumer", index, raw)
    r.unknown(
        {
            "name",
            "queue",
            "handler",
            "connection",
            "max_messages",
            "max_idle_time",
            "sleep",
            "only_spawn_when_message_available",
            "processes",
        }
    )
    handler = r.text("handler")
    return Consumer(
        name=r.text("name"),
        queue=r.text("queue", required=True),
        handler=HandlerRef(handler) if handler else None,
        connection=r.text("connection", default_connection),
        max_messages=r.integer("max_messages"),
        max_idle_time=r.number("max_idle_time"),
        sleep=r.number("sleep"),
        only_spawn_when_message_available=r.flag("only_spawn_when_message_available"),
        processes=r.integer("processes", 1),
        origin=r.origin,
    )
