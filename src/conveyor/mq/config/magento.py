"""Magento 2 queue XML, read unchanged: communication, queue_topology, queue_publisher and queue_consumer.xml,
and the older single-file queue.xml.

Each kind of file is first merged across the module folders as Magento's config reader merges it:
elements are identified by their id attributes among their siblings, and a later module overrides the
attributes it sets and adds children. Only then is the merged document turned into a Topology, so a
module may complete or disable what an earlier one declared. Every merged attribute remembers the file
that set it, so an error names the file, the element and the attribute at fault.

Queues are implicit in Magento: one exists for each binding destination and each consumer's queue.

``queue.xml`` (Magento 2.1's format, deprecated since 2.2 but still read by 2.4) declares per ``<broker topic
type exchange>`` the ``<queue name consumer handler consumerInstance maxMessages>`` it feeds. Magento reads it
whether or not a module also has the new files (``MessageQueue\\Config\\Reader\\Xml`` over every module), and its
``Config\\{Consumer,Publisher,Topology}\\ConfigReaderPlugin`` lay it *under* the new files' result: a consumer
(by name) or publisher (by topic) of the new files replaces the queue.xml one whole; an exchange (by connection
and name) declared by both keeps the bindings of both (queue.xml's binding ids are ``queue--<queue>--<topic>``,
so they never collide with the new files'). This module does the same.

A Magento DB connection ignores the exchange a publisher names (see ``Topology.matching_bindings``), so every
Magento topology marks ``db`` as ``exchange_blind``.
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from conveyor.mq.routing import topic_matches
from conveyor.mq.topology import (
    DEFAULT_EXCHANGE,
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

T = TypeVar("T")

XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
# Magento's connection for exchanges and publishers that name none: its DefaultValueProvider answers
# "db" unless env.php configures AMQP. "db" here, so stock modules (Catalog's consumers say connection="db"
# while its exchange names none) load consistently; an exchange that wants RabbitMQ says so.
DEFAULT_CONNECTION = "db"
FALLBACK_QUEUE_CONNECTION = "db"  # a consumer's queue that no binding and no attribute places
BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
INTEGER = re.compile(r"[+-]?\d+")
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class _Shape:
    """An element kind: the attributes identifying it among its siblings (with a default, or None when
    required), and the child elements it may contain."""

    ids: dict[str, str | None] = field(default_factory=dict)
    children: dict[str, _Shape] = field(default_factory=dict)


_ITEM = _Shape({"name": None})
_ITEM.children["item"] = _ITEM  # array arguments nest items to any depth
_ARGUMENTS = _Shape(children={"argument": _Shape({"name": None}, {"item": _ITEM})})
FILES: dict[str, _Shape] = {
    "communication.xml": _Shape(children={"topic": _Shape({"name": None}, {"handler": _Shape({"name": None})})}),
    "queue_topology.xml": _Shape(
        children={
            "exchange": _Shape(
                {"name": None, "connection": DEFAULT_CONNECTION},
                {"binding": _Shape({"id": None}, {"arguments": _ARGUMENTS}), "arguments": _ARGUMENTS},
            )
        }
    ),
    "queue_publisher.xml": _Shape(
        children={"publisher": _Shape({"topic": None}, {"connection": _Shape({"name": None})})}
    ),
    "queue_consumer.xml": _Shape(children={"consumer": _Shape({"name": None})}),
    # Magento identifies <broker> by topic; its <queue>s (unique by name in the schema) by name
    "queue.xml": _Shape(children={"broker": _Shape({"topic": None}, {"queue": _Shape({"name": None})})}),
}
# The connection Magento exchanges route by topic alone, whatever exchange a publisher names.
DB_CONNECTION = "db"


class _DoctypeError(ValueError):
    """A DOCTYPE would allow entity expansion (billion laughs); Magento's files never declare one."""


class _NoDoctypeBuilder(ET.TreeBuilder):
    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise _DoctypeError("DOCTYPE declarations (and so entities) are not allowed")


@dataclass
class _Element:
    """One merged element; each attribute keeps the file that set it last, for error messages."""

    tag: str
    description: str  # e.g. "binding 'b1' of exchange 'magento'"
    file: str  # the last file that declared the element
    attributes: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (value, file)
    children: dict[tuple[str, ...], _Element] = field(default_factory=dict)
    text: str = ""

    def origin(self, attribute: str | None = None) -> Origin:
        found = self.attributes.get(attribute) if attribute else None
        return Origin(found[1] if found else self.file, self.description)

    def error(self, attribute: str | None, reason: str) -> TopologyError:
        return TopologyError(self.origin(attribute), attribute, reason)

    def kids(self, tag: str) -> list[_Element]:
        return [child for child in self.children.values() if child.tag == tag]

    def get(self, name: str) -> str | None:
        found = self.attributes.get(name)
        return found[0] if found else None

    def require(self, name: str) -> str:
        value = self.get(name)
        if not value:
            raise self.error(name, "is required")
        return value

    def parsed(self, name: str, parse: Callable[[str], T], kind: str) -> T | None:
        """The attribute parsed by ``parse``, None when absent; a ValueError names the attribute."""
        value = self.get(name)
        if value is None:
            return None
        try:
            return parse(value)
        except ValueError:
            raise self.error(name, f"{value!r} is not {kind}") from None

    def flag(self, name: str, default: bool) -> bool:
        value = self.parsed(name, _boolean, "a boolean (true, false, 1 or 0)")
        return default if value is None else value


def _boolean(text: str) -> bool:
    try:
        return BOOLEANS[text.strip().lower()]
    except KeyError:
        raise ValueError(text) from None


def _integer(text: str) -> int:
    if not INTEGER.fullmatch(text.strip()):
        raise ValueError(text)
    return int(text)


def _number(text: str) -> int | float:
    if not NUMBER.fullmatch(text.strip()):
        raise ValueError(text)
    return _integer(text) if INTEGER.fullmatch(text.strip()) else float(text)


# --- reading and merging ---------------------------------------------------------------------------------
def load_magento_modules(folders: list[Path]) -> Topology:
    """Merge the queue XML of Magento module folders, in order, into one topology (not yet validated).

    A folder holding no queue file is a warning (kept in the topology's ``warnings``; ``load_topology`` logs them),
    not an error: most modules of a shop declare no queues, and every module folder of a shop may be passed at once.
    """
    documents = {name: _Element("config", "document", "") for name in FILES}
    warnings: list[str] = []
    for folder in folders:
        files = _module_files(folder)
        if not files:
            warnings.append(f"{folder}: module folder holds none of {', '.join(FILES)} (in etc/ or directly); skipped")
        for name, path in files.items():
            _merge_children(documents[name], _parse(path), FILES[name], str(path))
    topology = _topology(documents)
    topology.warnings = tuple(warnings)
    return topology


def _module_files(folder: Path) -> dict[str, Path]:
    """The queue XML files of a module, in ``<folder>/etc/`` or directly in ``<folder>`` (maybe none)."""
    if not folder.is_dir():
        raise TopologyError(Origin(str(folder), "module folder"), None, "no such folder")
    found: dict[str, Path] = {}
    for name in FILES:
        for candidate in (folder / "etc" / name, folder / name):
            if candidate.is_file():
                found[name] = candidate
                break
    return found


def _parse(path: Path) -> ET.Element:
    file = str(path)
    parser = ET.XMLParser(target=_NoDoctypeBuilder())
    try:
        parser.feed(path.read_bytes())
        root = parser.close()
    except ET.ParseError as exc:
        raise TopologyError(Origin(file, "document"), None, f"not well-formed XML: {exc}") from exc
    except _DoctypeError as exc:
        raise TopologyError(Origin(file, "document"), None, str(exc)) from exc
    if root.tag != "config":
        raise TopologyError(Origin(file, "document"), None, f"the root element is <{root.tag}>, expected <config>")
    return root


def _merge_children(target: _Element, source: ET.Element, shape: _Shape, file: str) -> None:
    """Merge ``source``'s children into ``target``: same identity overrides attributes, new ones append."""
    seen: Counter[str] = Counter()
    for child in source:
        seen[child.tag] += 1
        child_shape = shape.children.get(child.tag)
        if child_shape is None:
            allowed = ", ".join(f"<{tag}>" for tag in sorted(shape.children)) or "none"
            raise TopologyError(
                Origin(file, target.description), None, f"unknown element <{child.tag}> (allowed: {allowed})"
            )
        attributes = {name.replace(XSI, "xsi:"): value for name, value in child.attrib.items()}
        identity = _identity(
            child.tag,
            attributes,
            child_shape,
            Origin(file, _qualify(f"{child.tag} #{seen[child.tag]}", target)),
        )
        key = (child.tag, *identity)
        element = target.children.get(key)
        if element is None:
            label = f"{child.tag} '{identity[0]}'" if identity else child.tag
            element = target.children[key] = _Element(child.tag, _qualify(label, target), file)
        element.file = file
        element.attributes.update({name: (value, file) for name, value in attributes.items()})
        if child.text and child.text.strip():
            element.text = child.text.strip()
        _merge_children(element, child, child_shape, file)


def _identity(tag: str, attributes: dict[str, str], shape: _Shape, origin: Origin) -> tuple[str, ...]:
    values = []
    for name, default in shape.ids.items():
        value = attributes.get(name) or default
        if not value:
            raise TopologyError(origin, name, f"is required to identify the <{tag}>")
        values.append(value)
    return tuple(values)


def _qualify(label: str, parent: _Element) -> str:
    return label if parent.tag == "config" else f"{label} of {parent.description}"


# --- converting merged documents -------------------------------------------------------------------------
def _topology(documents: dict[str, _Element]) -> Topology:
    topics = {t.name: t for t in (_topic(e) for e in documents["communication.xml"].kids("topic"))}
    legacy = _Legacy(documents["queue.xml"], topics)
    exchanges = _exchanges_by_key([_exchange(e) for e in documents["queue_topology.xml"].kids("exchange")])
    exchanges = _under(legacy.exchanges, exchanges)
    queues = _bound_queues(exchanges)
    declared = [_consumer(e, queues) for e in documents["queue_consumer.xml"].kids("consumer")]
    consumers = {**legacy.consumers, **{c.name: _topic_handlers(c, exchanges, topics) for c in declared}}
    for consumer in consumers.values():
        if consumer.queue not in queues:
            origin = Origin(consumer.origin.file, f"queue '{consumer.queue}' (of {consumer.origin.element})")
            queues[consumer.queue] = Queue(name=consumer.queue, connection=consumer.connection, origin=origin)
    # a publisher that names no connection publishes to the default exchange on the default connection,
    # or on the one connection that declares a "magento" exchange
    on = sorted(c for c, n in exchanges if n == DEFAULT_EXCHANGE)
    default_connection = DEFAULT_CONNECTION if DEFAULT_CONNECTION in on or len(on) != 1 else on[0]
    publishers = [_publisher(e, default_connection) for e in documents["queue_publisher.xml"].kids("publisher")]
    return Topology(
        topics=topics,
        exchanges=exchanges,
        queues=queues,
        publishers={**legacy.publishers, **{p.topic: p for p in publishers}},
        consumers=consumers,
        exchange_blind=frozenset({DB_CONNECTION}),
    )


def _under(
    legacy: dict[tuple[str, str], Exchange], exchanges: dict[tuple[str, str], Exchange]
) -> dict[tuple[str, str], Exchange]:
    """queue.xml's exchanges under the new files' (Magento's topology ``ConfigReaderPlugin``): an exchange both
    declare is the new one with queue.xml's bindings first, then its own (a same id is the new one's)."""
    merged = dict(legacy)
    for key, exchange in exchanges.items():
        old = merged.get(key)
        bindings = {b.id: b for b in old.bindings} if old else {}
        bindings.update({b.id: b for b in exchange.bindings})
        merged[key] = dataclasses.replace(exchange, bindings=tuple(bindings.values()))
    return merged


def _handlers_of(topics: list[Topic]) -> tuple[HandlerRef | None, tuple[tuple[str, tuple[str, ...]], ...]]:
    """A handler-less consumer's handlers: the communication.xml handlers of ``topics`` by topic, and the one
    handler they all come to (None when they name none or several, which Magento picks by each message's topic)."""
    by_topic = tuple((t.name, t.handlers) for t in topics if t.handlers)
    distinct = {h for _topic, handlers in by_topic for h in handlers}
    return (HandlerRef(distinct.pop()) if len(distinct) == 1 else None), by_topic


def _topic_handlers(
    consumer: Consumer, exchanges: dict[tuple[str, str], Exchange], topics: dict[str, Topic]
) -> Consumer:
    """A consumer naming no handler runs, as Magento's ``ConsumerFactory`` does, the communication.xml handlers
    of each message's topic: here those of every declared topic an enabled binding delivers to its queue."""
    if consumer.handler is not None:
        return consumer
    patterns = [
        b.topic
        for e in exchanges.values()
        for b in e.bindings
        if b.destination == consumer.queue and not b.disabled and b.destination_type == "queue"
    ]
    reaching = [t for t in topics.values() if any(topic_matches(p, t.name) for p in patterns)]
    handler, by_topic = _handlers_of(reaching)
    return dataclasses.replace(consumer, handler=handler, topic_handlers=by_topic)


class _Legacy:
    """The exchanges, publishers and consumers a merged queue.xml declares, as Magento's deprecated
    ``TopicConfig`` converter and the ``ConfigReaderPlugin``s read them.

    Per ``<broker topic type exchange>`` (type: the connection, default ``db``; exchange default ``magento``) and
    each of its ``<queue name consumer>``: a binding ``queue--<name>--<topic>`` from the topic to the queue, a
    publisher of the topic to that exchange, and a consumer of the queue on that connection whose handler is the
    queue's ``handler`` or else the topic's communication.xml handlers. A wildcard broker topic publishes each
    declared topic it matches.
    """

    def __init__(self, document: _Element, topics: dict[str, Topic]) -> None:
        self.exchanges: dict[tuple[str, str], Exchange] = {}
        self.publishers: dict[str, Publisher] = {}
        self.consumers: dict[str, Consumer] = {}
        for broker in document.kids("broker"):
            self._broker(broker, topics)

    def _broker(self, broker: _Element, topics: dict[str, Topic]) -> None:
        topic = broker.require("topic")
        connection = broker.get("type") or DEFAULT_CONNECTION
        name = broker.get("exchange") or DEFAULT_EXCHANGE
        wildcard = "*" in topic or "#" in topic
        declared = topics.get(topic)
        concrete = [t for t in topics.values() if topic_matches(topic, t.name)] if wildcard else []
        served = concrete if wildcard else [declared] if declared else []
        published = [t.name for t in concrete] if wildcard else [topic]
        # the broker's type is the connection of all it declares: an unknown one is named as the broker's type
        typed = Origin(broker.origin("type").file, f"{broker.description} (type = connection)")
        for published_topic in published:
            origin = Origin(broker.file, f"publisher '{published_topic}' (of {broker.description})")
            self.publishers[published_topic] = Publisher(
                topic=published_topic,
                connections=(PublisherConnection(name=connection, exchange=name, origin=typed),),
                origin=origin,
            )
        bindings = []
        for queue in broker.kids("queue"):
            queue_name = queue.require("name")
            bindings.append(
                Binding(id=f"queue--{queue_name}--{topic}", topic=topic, destination=queue_name, origin=queue.origin())
            )
            consumer = self._consumer(queue, connection, served)
            self.consumers[consumer.name] = consumer
        key = (connection, name)
        old = self.exchanges.get(key)
        self.exchanges[key] = Exchange(
            name=name,
            connection=connection,
            bindings=(old.bindings if old else ()) + tuple(bindings),
            origin=old.origin if old else typed,
        )

    @staticmethod
    def _consumer(queue: _Element, connection: str, topics: list[Topic]) -> Consumer:
        own = queue.get("handler")
        handler, by_topic = (HandlerRef(own), ()) if own else _handlers_of(topics)
        return Consumer(
            name=queue.require("consumer"),
            queue=queue.require("name"),
            handler=handler,
            connection=connection,
            max_messages=queue.parsed("maxMessages", _integer, "a whole number"),
            consumer_instance=queue.get("consumerInstance"),
            topic_handlers=by_topic,
            origin=queue.origin("consumer"),
        )


def _topic(element: _Element) -> Topic:
    handlers = tuple(
        f"{h.require('type')}::{h.require('method')}" for h in element.kids("handler") if not h.flag("disabled", False)
    )
    return Topic(
        name=element.require("name"),
        # a topic declares either its request type or a service method whose signature defines it
        request=element.get("request") or element.get("schema"),
        response=element.get("response"),
        handlers=handlers,
        origin=element.origin(),
    )


def _exchange(element: _Element) -> Exchange:
    name = element.require("name")
    for unmodelled in ("autoDelete", "internal"):  # checked so a typo fails, but not modelled
        element.flag(unmodelled, False)
    return Exchange(
        name=name,
        connection=element.get("connection") or DEFAULT_CONNECTION,
        type=element.get("type") or "topic",
        durable=element.flag("durable", True),
        bindings=tuple(_binding(b) for b in element.kids("binding")),
        origin=element.origin(),
    )


def _exchanges_by_key(exchanges: list[Exchange]) -> dict[tuple[str, str], Exchange]:
    """Magento tells exchanges apart by connection and name (merging already joined equal ones)."""
    return {(e.connection, e.name): e for e in exchanges}


def _binding(element: _Element) -> Binding:
    return Binding(
        id=element.require("id"),
        topic=element.require("topic"),
        destination=element.require("destination"),
        destination_type=element.get("destinationType") or "queue",
        disabled=element.flag("disabled", False),
        arguments=tuple(_argument(a) for args in element.kids("arguments") for a in args.kids("argument")),
        origin=element.origin(),
    )


ARGUMENT_TYPES: dict[str, Callable[[str], Any]] = {
    "string": str,
    "boolean": _boolean,
    "number": _number,
    "int": _integer,
    "null": lambda _text: None,
}


def _argument(element: _Element) -> tuple[str, Any]:
    """A broker argument (``name``, value) typed by ``xsi:type``; an array is a tuple of pairs."""
    kind = element.get("xsi:type") or "string"
    if kind == "array":
        return element.require("name"), tuple(_argument(item) for item in element.kids("item"))
    parse = ARGUMENT_TYPES.get(kind)
    if parse is None:
        allowed = ", ".join([*ARGUMENT_TYPES, "array"])
        raise element.error("xsi:type", f"unsupported argument type {kind!r} (use {allowed})")
    try:
        return element.require("name"), parse(element.text)
    except ValueError:
        raise element.error("xsi:type", f"the value {element.text!r} is not a valid {kind}") from None


def _bound_queues(exchanges: dict[tuple[str, str], Exchange]) -> dict[str, Queue]:
    """One queue per binding destination, on its exchange's connection (the first binding wins)."""
    queues: dict[str, Queue] = {}
    for exchange in exchanges.values():
        for binding in exchange.bindings:
            if binding.destination_type == "queue" and binding.destination not in queues:
                origin = Origin(binding.origin.file, f"queue '{binding.destination}' (of {binding.origin.element})")
                queues[binding.destination] = Queue(
                    name=binding.destination, connection=exchange.connection, origin=origin
                )
    return queues


def _publisher(element: _Element, default_connection: str) -> Publisher:
    topic = element.require("topic")
    connections = tuple(
        PublisherConnection(
            name=c.require("name"),
            exchange=c.get("exchange") or DEFAULT_EXCHANGE,
            disabled=c.flag("disabled", False),
            origin=c.origin(),
        )
        for c in element.kids("connection")
    )
    if not connections:
        default = Origin(element.file, f"connection '{default_connection}' (default) of {element.description}")
        connections = (PublisherConnection(name=default_connection, exchange=DEFAULT_EXCHANGE, origin=default),)
    return Publisher(
        topic=topic,
        connections=connections,
        disabled=element.flag("disabled", False),
        origin=element.origin(),
    )


def _consumer(element: _Element, queues: dict[str, Queue]) -> Consumer:
    queue = element.require("queue")
    bound = queues.get(queue)
    handler = element.get("handler")
    return Consumer(
        name=element.require("name"),
        queue=queue,
        handler=HandlerRef(handler) if handler else None,
        connection=element.get("connection") or (bound.connection if bound else FALLBACK_QUEUE_CONNECTION),
        max_messages=element.parsed("maxMessages", _integer, "a whole number"),
        max_idle_time=element.parsed("maxIdleTime", _number, "a number"),
        sleep=element.parsed("sleep", _number, "a number"),
        only_spawn_when_message_available=element.flag("onlySpawnWhenMessageAvailable", False),
        consumer_instance=element.get("consumerInstance"),
        origin=element.origin(),
    )
