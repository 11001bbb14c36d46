"""The transport interface: a handful of primitives; routing policy, retries and limits live above it.

A transport is chosen by URL scheme through the ``conveyor.transports`` plug-ins (kombu's way): a connection
name of the topology maps to a URL (``CONVEYOR_CONNECTIONS``), the URL's scheme to a ``TransportFactory``. So a
user adds a transport with one entry point and one connection, without forking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, cast, runtime_checkable

from sqlalchemy import Connection

from conveyor.mq.envelope import Delivery, Envelope
from conveyor.mq.topology import Topology
from conveyor.plugins import PluginError, Plugins, default_plugins
from conveyor.settings import Settings, get_settings


class UnroutableError(LookupError):
    """A topic with no queue bound to it: refused by every transport rather than silently dropped."""


@dataclass(frozen=True)
class QueueCounts:
    """Messages of one queue by state; ``oldest_waiting_age`` in seconds (None when nothing waits).

    With a ``cap`` the counting stopped there: a figure equal to it means "at least" (``is_capped``).
    """

    queue: str
    waiting: int = 0
    in_progress: int = 0
    retrying: int = 0
    complete: int = 0
    dead: int = 0
    oldest_waiting_age: float | None = None
    cap: int | None = None

    def is_capped(self, state: str) -> bool:
        """Whether the figure of ``state`` (``waiting``, ``dead``…) is a lower bound."""
        return self.cap is not None and int(getattr(self, state)) >= self.cap

    def capped(self, cap: int) -> QueueCounts:
        """These figures as a count that stopped at ``cap`` would give them."""
        return replace(
            self,
            waiting=min(self.waiting, cap),
            in_progress=min(self.in_progress, cap),
            retrying=min(self.retrying, cap),
            complete=min(self.complete, cap),
            dead=min(self.dead, cap),
            cap=cap,
        )


@dataclass(frozen=True)
class DeadLetter:
    queue: str
    envelope: Envelope
    attempts: int
    error: str | None
    id: Any  # what replay() takes to select this dead letter


@dataclass(frozen=True)
class StoredMessage:
    """A message as a DB queue keeps it (``SqlTransport.browse``): the admin UI's queue pages."""

    id: int
    status: int  # Magento's queue message status (2 new … 6 error)
    attempts: int
    error: str | None
    updated_at: float
    envelope: Envelope


@dataclass
class RefreshResult:
    requeued: int = 0
    dead_lettered: int = 0
    details: list[str] = field(default_factory=list)


@runtime_checkable
class Transport(Protocol):
    """What every transport implements; ``connection`` is the topology's connection name it serves."""

    connection: str
    transactional: bool  # publish() with ``conn`` writes in the caller's DB transaction
    pushes: bool  # the broker pushes deliveries, so reserve(wait=…) is the way to idle

    def declare(self, topology: Topology) -> None:
        """Create what the topology needs (queues, exchanges, bindings) and remember it for routing."""

    def publish(self, exchange: str, envelopes: Sequence[Envelope], conn: Connection | None = None) -> None:
        """Publish durably (all or nothing for a batch); with ``conn``, inside that DB transaction."""

    def reserve(self, queue: str, limit: int, worker: str, wait: float = 0.0) -> list[Delivery]:
        """Up to ``limit`` deliveries from ``queue``, reserved for ``worker``; may wait up to ``wait`` s."""

    def ack(self, delivery: Delivery) -> None:
        """The handler succeeded: the message is done."""

    def retry(self, delivery: Delivery, error: str, delay: float) -> None:
        """The handler failed: deliver again after ``delay`` seconds, keeping the attempt count."""

    def dead_letter(self, delivery: Delivery, error: str) -> None:
        """The handler failed for the last time: keep the message, with ``error``, among the dead letters."""

    def release(self, deliveries: Sequence[Delivery]) -> None:
        """Give back reserved deliveries that were not handled (shutdown), without counting an attempt."""

    def holds(self, delivery: Delivery) -> bool:
        """Whether ``delivery`` is still this consumer's to handle. False once the broker took it back (its
        connection died): the broker delivers it again, so handling this copy too would only duplicate it."""

    def flush(self) -> None:
        """Wait for the settles sent without waiting for their answers (a transport may pipeline its acks); raises
        what a settle would have raised. The worker calls it after each batch."""

    def counts(self, queue: str) -> QueueCounts: ...

    def dead_letters(self, queue: str, limit: int = 100) -> list[DeadLetter]: ...

    def replay(self, queue: str, ids: Sequence[Any] | None = None) -> int:
        """Put dead letters (all of the queue's, or those with ``ids``) back in the queue; returns how many."""

    def purge(self, queue: str) -> int:
        """Delete the waiting messages of ``queue``; returns how many."""

    def refresh(self, reserved_seconds: float, max_attempts: int) -> RefreshResult:
        """Return reservations older than ``reserved_seconds``; past ``max_attempts``, dead-letter them.

        Only the message whose handler was running keeps the claim's attempt (and is dead-lettered past
        ``max_attempts``); the rest of its batch was never started and goes back without one.
        """

    def reclaim(self, workers: Sequence[str], max_attempts: int) -> RefreshResult:
        """Return what the dead ``workers`` held at once, by the rule of ``refresh`` (the registry saw them die)."""

    def clean(self, retention_seconds: float) -> int:
        """Delete complete messages older than the retention period; returns how many."""

    def close(self) -> None: ...


@runtime_checkable
class SharesState(Protocol):
    """A transport whose URL names its state, so that a second connection on the same URL sees the same messages.

    The MessageQueue asks the first connection's transport for the second one's instead of building a new one
    (and a second, empty, state).
    """

    def for_connection(self, connection: str) -> Transport:
        """A transport serving ``connection`` on this transport's state."""


def expired_reservation(worker: str | None, attempts: int, error: str | None) -> str:
    """Why ``refresh`` dead-lettered a message whose reservation expired: worded alike by every transport."""
    return (
        f"reservation by {worker} expired after {attempts} attempt(s) (worker died or hung);"
        f" last error: {error or 'none'}"
    )


def is_transient(error: BaseException) -> bool:
    """A lost connection to the database or broker: worth backing off and trying again, not dying."""
    import sqlalchemy.exc

    if isinstance(error, sqlalchemy.exc.DBAPIError):
        return bool(error.connection_invalidated) or isinstance(
            error, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError
        )
    if isinstance(error, ConnectionError | TimeoutError):
        return True
    try:
        from pika.exceptions import AMQPConnectionError, ChannelClosed, ConnectionClosed
    except ImportError:  # pragma: no cover - pika is a dependency
        return False
    return isinstance(error, AMQPConnectionError | ConnectionClosed | ChannelClosed)


@runtime_checkable
class JoinsAnyTransaction(Protocol):
    """A transactional transport that keeps no rows of its own, so it joins the transaction of any database: it
    holds what is published until the caller's connection commits (the memory transport). A DB queue joins only
    transactions on its own database; elsewhere the MessageQueue gives it the outbox, as it does a broker."""

    joins_any_transaction: bool


class TransportFactory(Protocol):
    """What a ``conveyor.transports`` entry point names: the transport of ``connection`` at ``url``."""

    def __call__(self, url: str, *, connection: str, settings: Settings) -> Transport: ...


def url_scheme(url: str) -> str:
    """``postgresql+psycopg://…`` → ``postgresql``: the name of the transport plug-in serving ``url``."""
    return url.split(":", 1)[0].split("+", 1)[0]


def transport_for_url(
    url: str, *, connection: str, settings: Settings | None = None, plugins: Plugins | None = None
) -> Transport:
    """The transport of ``connection`` at ``url``, made by the plug-in registered for the URL's scheme."""
    group = (plugins or default_plugins()).transports
    scheme = url_scheme(url)
    factory = cast(TransportFactory, group.load(scheme))  # the group checked it is callable
    transport = factory(url, connection=connection, settings=settings or get_settings())
    if not isinstance(transport, Transport):
        raise PluginError(group.group, scheme, f"made a {type(transport).__name__}, not a Transport", group.kind)
    return transport
