"""Human views of a topology: rich tables, an ASCII route graph and a Mermaid flowchart.

Pure functions (no I/O), kept in the CLI package because rich is a terminal concern the message queue
framework must not depend on (``conveyor.mq`` imports no rich). The text graph follows each
published topic to the queues and consumers it actually reaches; the tables and the Mermaid graph show
everything declared, including what nothing reaches.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.table import Table

from conveyor.mq.topology import Consumer, Topology, TopologyError

PHP_HANDLER = "PHP handler, not importable"
NO_HANDLER = "no handler"
PHP_BY_TOPIC = "communication.xml handlers by topic, not importable"


def handler_note(consumer: Consumer) -> str:
    """Why a consumer cannot run as it stands ("" when its handler is an importable Python function)."""
    if consumer.handler is None:
        return PHP_BY_TOPIC if consumer.topic_handlers else NO_HANDLER
    return "" if consumer.handler.is_python else PHP_HANDLER


def handler_label(consumer: Consumer, separator: str = " ") -> str:
    """The handler with its note, e.g. ``Vendor\\Module\\Class::run (PHP handler, not importable)``."""
    if consumer.handler is None:
        if consumer.topic_handlers:
            by_topic = "; ".join(f"{topic}: {', '.join(handlers)}" for topic, handlers in consumer.topic_handlers)
            return f"{by_topic}{separator}({PHP_BY_TOPIC})"
        return NO_HANDLER
    note = handler_note(consumer)
    return f"{consumer.handler.spec}{separator}({note})" if note else consumer.handler.spec


def topology_summary(topology: Topology) -> str:
    """One line counting each element kind, e.g. for ``conveyor topology validate``."""
    counts = {
        "topics": len(topology.topics),
        "exchanges": len(topology.exchanges),
        "bindings": sum(1 for _ in topology.bindings()),
        "queues": len(topology.queues),
        "publishers": len(topology.publishers),
        "consumers": len(topology.consumers),
    }
    return ", ".join(f"{count} {kind}" for kind, count in counts.items())


# --- tables ----------------------------------------------------------------------------------------------
# short values that read badly when folded; names and class paths fold instead
_SHORT_COLUMNS = frozenset({"state"})


def _table(title: str, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> Table:
    table = Table(title=f"{title} ({len(rows)})", title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold", no_wrap=column in _SHORT_COLUMNS)
    for row in rows:
        table.add_row(*row)
    return table


def _state(disabled: bool) -> str:
    return "disabled" if disabled else "enabled"


def topology_tables(topology: Topology) -> list[Table]:
    """One table per element kind: topics, bindings by exchange, queues, publishers, consumers."""
    consumers_of: dict[str, list[str]] = {}
    for consumer in topology.consumers.values():
        consumers_of.setdefault(consumer.queue, []).append(consumer.name)
    return [
        _table(
            "Topics",
            ("topic", "request", "response", "handlers (Magento, kept as data)"),
            [(t.name, t.request or "", t.response or "", "\n".join(t.handlers)) for t in topology.topics.values()],
        ),
        _table(
            "Exchanges and bindings",
            ("exchange", "connection", "binding", "pattern", "queue", "state"),
            [(e.name, e.connection, b.id, b.topic, b.destination, _state(b.disabled)) for e, b in topology.bindings()]
            + [
                (e.name, e.connection, "", "", "", "no bindings") for e in topology.exchanges.values() if not e.bindings
            ],
        ),
        _table(
            "Queues",
            ("queue", "connection", "durable", "consumers"),
            [
                (q.name, q.connection, "yes" if q.durable else "no", ", ".join(consumers_of.get(q.name, [])))
                for q in topology.queues.values()
            ],
        ),
        _table(
            "Publishers",
            ("topic", "connection", "exchange", "state"),
            [
                (p.topic, c.name, c.exchange, _state(p.disabled or c.disabled))
                for p in topology.publishers.values()
                for c in p.connections
            ],
        ),
        _table(
            "Consumers",
            ("consumer", "queue", "connection", "handler"),
            [(c.name, c.queue, c.connection, handler_label(c, separator="\n")) for c in topology.consumers.values()],
        ),
    ]


# --- ASCII route graph -----------------------------------------------------------------------------------
def _consumer_lines(topology: Topology, queue: str, indent: str) -> list[str]:
    consumers = [c for c in topology.consumers.values() if c.queue == queue]
    if not consumers:
        return [f"{indent}-> (no consumer)"]
    return [f"{indent}-> consumer {c.name}: {handler_label(c)}" for c in consumers]


def _topic_lines(topology: Topology, topic: str) -> list[str]:
    """The route of one topic: publisher connection, exchange, matching bindings, queues, consumers."""
    try:
        connection, exchange_name = topology.route(topic)
    except TopologyError:
        return [f"topic {topic} (publisher disabled)"]
    blind = connection in topology.exchange_blind
    note = f", name ignored: every {connection} exchange routes" if blind else ""
    lines = [f"topic {topic}", f"  -> exchange {exchange_name} ({connection}{note})"]
    if not blind and (connection, exchange_name) not in topology.exchanges:
        return [*lines, "    -> (unknown exchange: publishing it is refused as unroutable)"]
    matching = topology.matching_bindings(connection, exchange_name, topic)
    if not matching:
        return [*lines, "    -> (no binding matches: publishing it is refused as unroutable)"]
    delivered: set[str] = set()
    for exchange, binding in matching:
        on = f" on exchange {exchange.name}" if exchange.name != exchange_name else ""
        lines.append(f"    -> binding {binding.topic} [{binding.id}]{on}")
        if binding.destination in delivered:
            lines.append(f"      -> queue {binding.destination} (already delivered above)")
            continue
        delivered.add(binding.destination)
        lines.append(f"      -> queue {binding.destination}")
        lines.extend(_consumer_lines(topology, binding.destination, "        "))
    return lines


def topology_text_graph(topology: Topology) -> str:
    """ASCII routes: published topic -> exchange -> binding pattern -> queue -> consumer; then the queues
    no published topic reaches (fed by other systems, or forgotten)."""
    topics = list(topology.publishers)
    lines: list[str] = []
    for topic in topics:
        lines.extend(_topic_lines(topology, topic))
    reached = {queue for topic in topics for queue in _reached(topology, topic)}
    unreached = [q for q in topology.queues.values() if q.name not in reached]
    if unreached:
        lines.append("queues no topic above reaches:")
        for queue in unreached:
            lines.append(f"  queue {queue.name} ({queue.connection})")
            lines.extend(_consumer_lines(topology, queue.name, "    "))
    return "\n".join(lines) + "\n"


def _reached(topology: Topology, topic: str) -> tuple[str, ...]:
    try:
        connection, exchange = topology.route(topic)
    except TopologyError:
        return ()
    return topology.queues_for(connection, exchange, topic)


# --- Mermaid ---------------------------------------------------------------------------------------------
# Mermaid reads "#...;" as an entity and quotes, pipes and angle brackets as syntax: write them as entities.
_ENTITIES = {"#": "#35;", '"': "#quot;", "|": "#124;", "<": "#lt;", ">": "#gt;"}
_UNSAFE_ID = re.compile(r"\W", re.ASCII)


def _label(text: str) -> str:
    return '"' + "".join(_ENTITIES.get(char, char) for char in text) + '"'


class _NodeIds:
    """Mermaid node ids: readable, only ``[A-Za-z0-9_]``, and unique even when names differ only in
    punctuation (``a.b`` and ``a_b``)."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], str] = {}
        self._used: set[str] = set()

    def __call__(self, kind: str, name: str) -> str:
        key = (kind, name)
        if key not in self._ids:
            base = f"{kind}_{_UNSAFE_ID.sub('_', name)}"
            candidate, n = base, 1
            while candidate in self._used:
                n += 1
                candidate = f"{base}_{n}"
            self._used.add(candidate)
            self._ids[key] = candidate
        return self._ids[key]


# topic: rectangle, exchange: hexagon, queue: cylinder, consumer: stadium
_SHAPES = {"topic": ("[", "]"), "exchange": ("{{", "}}"), "queue": ("[(", ")]"), "consumer": ("([", "])")}


def _node(node_id: str, kind: str, text: str) -> str:
    opening, closing = _SHAPES[kind]
    return f"    {node_id}{opening}{_label(text)}{closing}"


def _edge(source: str, target: str, label: str, disabled: bool = False) -> str:
    arrow = "-.->" if disabled else "-->"
    text = f"{label} (disabled)" if disabled else label
    return f"    {source} {arrow}|{_label(text)}| {target}"


def _published_to(topology: Topology, connection: str, exchange: str, topic: str) -> list[str]:
    """The exchanges a publisher's messages go through: the one it names, or on an exchange-blind connection
    (Magento's db) those whose bindings match the topic (the named one when none does)."""
    if connection not in topology.exchange_blind:
        return [exchange]
    found = {e.name: None for e, _binding in topology.matching_bindings(connection, exchange, topic)}
    return list(found) or [exchange]


def topology_mermaid(topology: Topology) -> str:
    """A ``flowchart LR``: publisher topics -> exchanges -> (binding patterns) -> queues -> consumers."""
    node = _NodeIds()
    lines = ["flowchart LR"]
    for topic in topology.publishers:
        lines.append(_node(node("topic", topic), "topic", f"topic {topic}"))
    for exchange in topology.exchanges.values():
        text = f"exchange {exchange.name} ({exchange.connection})"
        lines.append(_node(node("exchange", f"{exchange.connection}.{exchange.name}"), "exchange", text))
    for queue in topology.queues.values():
        lines.append(_node(node("queue", queue.name), "queue", f"queue {queue.name} ({queue.connection})"))
    for consumer in topology.consumers.values():
        text = f"consumer {consumer.name}: {handler_label(consumer)}"
        lines.append(_node(node("consumer", consumer.name), "consumer", text))
    for publisher in topology.publishers.values():
        for connection in publisher.connections:
            source = node("topic", publisher.topic)
            for name in _published_to(topology, connection.name, connection.exchange, publisher.topic):
                target = node("exchange", f"{connection.name}.{name}")
                lines.append(_edge(source, target, connection.name, publisher.disabled or connection.disabled))
    for exchange, binding in topology.bindings():
        source = node("exchange", f"{exchange.connection}.{exchange.name}")
        target = node("queue", binding.destination)
        lines.append(_edge(source, target, binding.topic, binding.disabled))
    for consumer in topology.consumers.values():
        lines.append(f"    {node('queue', consumer.queue)} --> {node('consumer', consumer.name)}")
    return "\n".join(lines) + "\n"
