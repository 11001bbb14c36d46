"""The declarative queue topology: topics, exchanges, bindings, queues, publishers and consumers.

Loaders (YAML, Magento XML) build a Topology element by element; ``merge`` combines files as Magento
merges its modules (a later element with the same name overrides the earlier one's attributes);
``validate`` refuses an inconsistent result with the file, element and attribute at fault.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from conveyor.mq.routing import pattern_error, topic_error, topic_matches
from conveyor.settings import get_settings

DEFAULT_EXCHANGE = "magento"


@dataclass(frozen=True)
class Origin:
    """Where an element was declared: the file and the element (e.g. ``consumer 'products'``)."""

    file: str
    element: str


class TopologyError(ValueError):
    """An invalid topology, naming the file, the element and the attribute at fault."""

    def __init__(self, origin: Origin | None, attribute: str | None, reason: str) -> None:
        self.origin, self.attribute, self.reason = origin, attribute, reason
        where = f"{origin.file}: {origin.element}" if origin else "topology"
        if attribute:
            where += f", attribute '{attribute}'"
        super().__init__(f"{where}: {reason}")
        self.problems: list[TopologyError] = [self]

    @classmethod
    def of(cls, problems: Sequence[TopologyError]) -> TopologyError:
        """One error for several: the first's fields (for callers that read them), every problem in the text."""
        if len(problems) == 1:
            return problems[0]
        first = problems[0]
        error = cls(first.origin, first.attribute, first.reason)
        error.problems = list(problems)
        error.args = (f"{len(problems)} problems:\n" + "\n".join(f"  - {problem}" for problem in problems),)
        return error


NOWHERE = Origin("<code>", "element")


@dataclass(frozen=True)
class Topic:
    name: str
    request: str | None = None  # Magento: the data interface or scalar type of the message
    response: str | None = None
    handlers: tuple[str, ...] = ()  # Magento synchronous handlers, kept as data
    origin: Origin = NOWHERE


@dataclass(frozen=True)
class Binding:
    id: str
    topic: str  # a pattern with * and #
    destination: str  # queue name
    destination_type: str = "queue"
    disabled: bool = False
    arguments: tuple[tuple[str, Any], ...] = ()
    origin: Origin = NOWHERE


@dataclass(frozen=True)
class Exchange:
    name: str
    connection: str = "db"
    type: str = "topic"
    durable: bool = True
    bindings: tuple[Binding, ...] = ()
    origin: Origin = NOWHERE


@dataclass(frozen=True)
class Queue:
    name: str
    connection: str = "db"
    durable: bool = True
    origin: Origin = NOWHERE


@dataclass(frozen=True)
class PublisherConnection:
    name: str  # a connection name: db, amqp or one of CONVEYOR_CONNECTIONS
    exchange: str = DEFAULT_EXCHANGE
    disabled: bool = False
    origin: Origin = NOWHERE


@dataclass(frozen=True)
class Publisher:
    topic: str
    connections: tuple[PublisherConnection, ...] = ()
    disabled: bool = False
    origin: Origin = NOWHERE

    def enabled_connection(self) -> PublisherConnection | None:
        enabled = [c for c in self.connections if not c.disabled]
        return enabled[0] if enabled and not self.disabled else None


@dataclass(frozen=True)
class HandlerRef:
    """A consumer's handler: ``module:function`` is importable; a PHP ``Class::method`` is kept as data."""

    spec: str

    @property
    def is_python(self) -> bool:
        return ":" in self.spec and "::" not in self.spec and "\\" not in self.spec

    def resolve(self) -> Callable[..., Any]:
        if not self.is_python:
            raise TypeError(
                f"handler {self.spec!r} is not a Python 'module:function' (a Magento PHP handler?);"
                " point the consumer at a Python handler to run it"
            )
        module_name, _, attr = self.spec.partition(":")
        target: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            target = getattr(target, part)
        if not callable(target):
            raise TypeError(f"handler {self.spec!r} is not callable")
        return target  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Consumer:
    name: str
    queue: str
    handler: HandlerRef | None = None
    connection: str = "db"
    max_messages: int | None = None
    max_idle_time: float | None = None
    sleep: float | None = None
    only_spawn_when_message_available: bool = False
    processes: int = 1
    consumer_instance: str | None = None  # Magento's consumerInstance, kept as data
    # Magento: a consumer naming no handler runs, for each message, the communication.xml handlers of the
    # message's topic; here (topic, its handlers) for each declared topic reaching the queue, kept as data
    topic_handlers: tuple[tuple[str, tuple[str, ...]], ...] = ()
    origin: Origin = NOWHERE


@dataclass
class Topology:
    """The whole topology; dictionaries keyed by name so a later declaration overrides an earlier one."""

    topics: dict[str, Topic] = field(default_factory=dict)
    # keyed by (connection, name): Magento tells exchanges apart by both, so "magento" may exist on each
    exchanges: dict[tuple[str, str], Exchange] = field(default_factory=dict)
    queues: dict[str, Queue] = field(default_factory=dict)
    publishers: dict[str, Publisher] = field(default_factory=dict)
    consumers: dict[str, Consumer] = field(default_factory=dict)
    default_connection: str | None = None  # for topics without a publisher; None means "db"
    # connections whose exchanges route as one, whatever exchange a publisher names: Magento's DB connection
    # (see ``matching_bindings``); Magento module folders set {"db"}, YAML files nothing
    exchange_blind: frozenset[str] = frozenset()
    # what loading noticed but did not refuse (e.g. a Magento module folder without queue files)
    warnings: tuple[str, ...] = ()

    # --- queries -------------------------------------------------------------------------------------
    def route(self, topic: str) -> tuple[str, str]:
        """(connection, exchange) a topic is published to: its publisher's one enabled connection."""
        publisher = self.publishers.get(topic)
        if publisher is not None:
            connection = publisher.enabled_connection()
            if connection is None:
                raise TopologyError(publisher.origin, "disabled", f"publisher of topic {topic!r} is disabled")
            return connection.name, connection.exchange
        default = self.default_connection or "db"
        if (default, DEFAULT_EXCHANGE) not in self.exchanges:
            # the only "magento" exchange declared, whichever connection it is on
            default = next((c for c, n in self.exchanges if n == DEFAULT_EXCHANGE), default)
        return default, DEFAULT_EXCHANGE

    def queues_for(self, connection: str, exchange: str, topic: str) -> tuple[str, ...]:
        """The queues an exchange delivers ``topic`` to (enabled bindings whose pattern matches)."""
        key = (connection, exchange, topic)
        found = self._routes.get(key)
        return found if found is not None else self._compute_route(key)

    def _compute_route(self, key: tuple[str, str, str]) -> tuple[str, ...]:
        names: list[str] = []
        for _exchange, binding in self.matching_bindings(*key):
            if binding.destination not in names:
                names.append(binding.destination)
        result = tuple(names)
        self._routes[key] = result
        return result

    def matching_bindings(self, connection: str, exchange: str, topic: str) -> list[tuple[Exchange, Binding]]:
        """The enabled bindings that deliver ``topic`` published to ``exchange`` on ``connection``.

        On an ``exchange_blind`` connection the exchange name is ignored and every exchange of the connection
        is searched, as Magento's DB connection does: its exchange (``MysqlMq\\Model\\Driver\\Exchange``) sends
        a topic to the destination of every binding matching it on any exchange of a database connection, so
        ImportExport's publisher naming ``magento-db`` reaches the queue bound on the ``magento`` exchange.
        """
        if connection in self.exchange_blind:
            searched = [e for e in self.exchanges.values() if e.connection == connection]
        else:
            found = self.exchanges.get((connection, exchange))
            searched = [found] if found is not None else []
        return [(e, b) for e in searched for b in e.bindings if not b.disabled and topic_matches(b.topic, topic)]

    @cached_property
    def _routes(self) -> dict[tuple[str, str, str], tuple[str, ...]]:
        return {}

    def queues_on(self, connection: str) -> list[Queue]:
        return [q for q in self.queues.values() if q.connection == connection]

    def bindings(self) -> Iterable[tuple[Exchange, Binding]]:
        for exchange in self.exchanges.values():
            for binding in exchange.bindings:
                yield exchange, binding

    # --- building ------------------------------------------------------------------------------------
    def merge(self, other: Topology) -> Topology:
        """A new topology: ``other``'s elements override ours by name; exchanges merge bindings by id."""
        merged = Topology(
            topics={**self.topics, **other.topics},
            queues={**self.queues, **other.queues},
            publishers={**self.publishers, **other.publishers},
            consumers={**self.consumers, **other.consumers},
            exchanges=dict(self.exchanges),
            default_connection=other.default_connection or self.default_connection,
            exchange_blind=self.exchange_blind | other.exchange_blind,
            warnings=self.warnings + other.warnings,
        )
        for key, exchange in other.exchanges.items():
            mine = merged.exchanges.get(key)
            if mine is None:
                merged.exchanges[key] = exchange
                continue
            bindings = {b.id: b for b in mine.bindings}
            bindings.update({b.id: b for b in exchange.bindings})
            merged.exchanges[key] = dataclasses.replace(exchange, bindings=tuple(bindings.values()))
        return merged

    def validate(self, connections: Collection[str] | None = None) -> Topology:
        """Refuse an inconsistent topology, naming every problem at once; returns self so loaders can chain.

        ``connections`` are the names elements may use (default: those of the process settings, db and amqp
        and whatever ``CONVEYOR_CONNECTIONS`` adds).
        """
        known = sorted(get_settings().connections if connections is None else connections)
        problems = list(self._problems(known))
        if problems:
            raise TopologyError.of(problems)
        return self

    def _problems(self, known: Sequence[str]) -> Iterator[TopologyError]:
        """Every inconsistency, in declaration order (a check that needs an element found missing is skipped)."""

        def check_connection(origin: Origin, connection: str, attribute: str = "connection") -> Iterator[TopologyError]:
            if connection not in known:
                yield TopologyError(origin, attribute, f"unknown connection {connection!r} (known: {', '.join(known)})")

        if self.default_connection is not None:
            yield from check_connection(
                Origin("topology", "default_connection"), self.default_connection, "default_connection"
            )
        for exchange in self.exchanges.values():
            yield from check_connection(exchange.origin, exchange.connection)
            if exchange.type != "topic":
                yield TopologyError(exchange.origin, "type", f"exchange type {exchange.type!r} is not 'topic'")
            for binding in exchange.bindings:
                error = pattern_error(binding.topic)
                if error:
                    yield TopologyError(binding.origin, "topic", error)
                if binding.destination_type != "queue":
                    yield TopologyError(
                        binding.origin, "destinationType", f"{binding.destination_type!r} is not 'queue'"
                    )
                queue = self.queues.get(binding.destination)
                if queue is None:
                    yield TopologyError(binding.origin, "destination", f"unknown queue {binding.destination!r}")
                    continue
                if queue.connection != exchange.connection:
                    yield TopologyError(
                        binding.origin,
                        "destination",
                        f"queue {queue.name!r} is on connection {queue.connection!r} but exchange "
                        f"{exchange.name!r} is on {exchange.connection!r}",
                    )
        for topic in self.topics.values():
            error = topic_error(topic.name)
            if error:
                yield TopologyError(topic.origin, "name", error)
        for queue in self.queues.values():
            yield from check_connection(queue.origin, queue.connection)
        for publisher in self.publishers.values():
            error = topic_error(publisher.topic)
            if error:
                yield TopologyError(publisher.origin, "topic", error)
            enabled = [c for c in publisher.connections if not c.disabled]
            if len(enabled) > 1:
                names = ", ".join(c.name for c in enabled)
                yield TopologyError(
                    enabled[1].origin,
                    "disabled",
                    f"topic {publisher.topic!r} has {len(enabled)} enabled connections ({names}); "
                    "exactly one may be enabled",
                )
            for connection in publisher.connections:
                yield from check_connection(connection.origin, connection.name)
                if connection.disabled or connection.name in self.exchange_blind:
                    continue
                if (connection.name, connection.exchange) in self.exchanges:
                    continue
                elsewhere = sorted(c for c, n in self.exchanges if n == connection.exchange)
                if elsewhere:
                    yield TopologyError(
                        connection.origin,
                        "name",
                        f"exchange {connection.exchange!r} is on connection {', '.join(map(repr, elsewhere))},"
                        f" not {connection.name!r}",
                    )
                    continue
                yield TopologyError(connection.origin, "exchange", f"unknown exchange {connection.exchange!r}")
        for consumer in self.consumers.values():
            yield from check_connection(consumer.origin, consumer.connection)
            queue = self.queues.get(consumer.queue)
            if queue is None:
                yield TopologyError(consumer.origin, "queue", f"unknown queue {consumer.queue!r}")
            elif queue.connection != consumer.connection:
                yield TopologyError(
                    consumer.origin,
                    "connection",
                    f"consumer is on {consumer.connection!r} but queue {queue.name!r} is on {queue.connection!r}",
                )
            for attribute in ("max_messages", "max_idle_time", "sleep"):
                value = getattr(consumer, attribute)
                if value is not None and value < 0:
                    yield TopologyError(consumer.origin, attribute, f"must not be negative, got {value}")
            if consumer.processes < 1:
                yield TopologyError(consumer.origin, "processes", "must be at least 1")
