"""The command bus: runs a command's handler through the middleware, or queues the command for a worker."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from conveyor.bus.command import Command, Skipped, new_correlation_id
from conveyor.bus.context import Call, Context, Mode, Result
from conveyor.bus.middleware import (
    CorrelationLogging,
    Metrics,
    MetricsMiddleware,
    Middleware,
    Next,
    RetryClassification,
    SyncLog,
    Transaction,
    current_correlation_id,
)
from conveyor.bus.registry import CommandSpec, Registry, UnknownCommandError, default_registry
from conveyor.mq.consumer import PermanentError
from conveyor.mq.envelope import Envelope
from conveyor.mq.queue import MessageQueue
from conveyor.mq.queue import Transaction as QueueTransaction
from conveyor.settings import Settings


class NotQueuedError(ValueError):
    """A command that cannot be queued: it has no queue, or the bus's topology no publisher for its topic."""


class CommandBus:
    """Handles commands inline (one transaction each, through the middleware) or queues them.

    ``handle(command)`` follows the command's registration (queued or inline); ``mode="inline"`` or
    ``mode="queue"`` forces one way for this call. A worker hands queued commands back through ``consume``.
    """

    def __init__(
        self,
        mq: MessageQueue,
        registry: Registry | None = None,
        middleware: Sequence[Middleware] | None = None,
        *,
        inline_attempts: int = 3,
        host: object | None = None,
    ) -> None:
        """``host`` is the application the bus runs in (``conveyor.app.App``): handlers reach what the running
        system owns through ``context.host`` (e.g. the sync source), never through module-level state."""
        self.mq = mq
        self.host = host
        self.registry = registry if registry is not None else default_registry()
        self.metrics = Metrics()
        self.middleware: list[Middleware] = (
            list(middleware) if middleware is not None else self.default_middleware(inline_attempts)
        )

    def default_middleware(self, inline_attempts: int = 3) -> list[Middleware]:
        """Logging, metrics, retry classification, the sync log and the transaction, outermost first."""
        return [
            CorrelationLogging(),
            MetricsMiddleware(self.metrics),
            RetryClassification(inline_attempts),
            SyncLog(self.mq.engine),
            Transaction(self.mq),
        ]

    # --- handling ------------------------------------------------------------------------------------
    def handle(
        self,
        command: Command,
        mode: Mode | None = None,
        *,
        correlation_id: str | None = None,
        tx: QueueTransaction | None = None,
    ) -> Result:
        """Handle ``command`` inline or queue it (``mode`` None: as registered).

        Inline, a failure is raised (after the sync log recorded it) and a ``Skipped`` handler returns a skipped
        result. Queued, the command is published (inside ``tx`` when given: atomically with the caller's writes)
        and the result carries its message id.

        From inside a handler, queue follow-ups with ``context.enqueue``: an inline command opens a transaction of
        its own, which on SQLite waits for the handler's (one writer at a time) until the busy timeout.
        """
        spec = self.registry.spec(command)
        cid = correlation_id or current_correlation_id.get() or new_correlation_id()
        chosen = mode or ("queue" if spec.queued else "inline")
        if chosen == "queue":
            (message_id,) = self.enqueue([command], tx=tx, correlation_id=cid)
            return Result(spec.name, "queued", cid, message_id=message_id)
        if chosen != "inline":
            raise ValueError(f"mode must be 'inline' or 'queue', not {chosen!r}")
        if tx is not None:
            raise ValueError("an inline command runs in its own transaction; pass tx only to queue it")
        call = self._call(command, spec, cid, delivered=False)
        try:
            value = self.run(call)
        except Skipped as exc:
            return Result(spec.name, "skipped", cid, reason=str(exc) or None)
        return Result(spec.name, "success", cid, value=value)

    def handle_named(
        self,
        name: str,
        arguments: Mapping[str, Any],
        mode: Mode | None = None,
        *,
        correlation_id: str | None = None,
        tx: QueueTransaction | None = None,
    ) -> Result:
        """A command by its registered name from plain arguments: a web request (``POST /V1/commands/{name}``)
        or the admin UI's buttons. ``UnknownCommandError`` for a name nobody registered; pydantic's
        ``ValidationError`` (naming the argument) for arguments the command does not take. ``tx`` is used only
        when the command is queued (atomically with the caller's writes); inline it runs in its own transaction."""
        spec = self.registry.named(name)
        command = spec.command_type.model_validate(dict(arguments))
        queued = (mode or ("queue" if spec.queued else "inline")) == "queue"
        return self.handle(command, mode, correlation_id=correlation_id, tx=tx if queued else None)

    def enqueue(
        self,
        commands: Iterable[Command],
        *,
        tx: QueueTransaction | None = None,
        correlation_id: str | None = None,
    ) -> list[str]:
        """Queue ``commands`` in one publish (inside ``tx`` when given); returns their message ids in order."""
        commands = list(commands)
        cid = correlation_id or current_correlation_id.get() or new_correlation_id()
        specs = [self.registry.spec(command) for command in commands]
        envelopes = [self._envelope(spec, command, cid) for spec, command in zip(specs, commands, strict=True)]
        if tx is not None:
            tx.publish_envelopes(envelopes)
        elif envelopes:
            self.mq.publish_envelopes(envelopes)
        for spec in specs:
            self.metrics.record(spec.name, "queued")
        return [e.message_id for e in envelopes]

    def _envelope(self, spec: CommandSpec, command: Command, correlation_id: str) -> Envelope:
        if spec.topic is None:
            raise NotQueuedError(f"command {spec.name!r} has no queue: register it with queue=… to queue it")
        if spec.topic not in self.mq.topology.publishers:
            raise NotQueuedError(
                f"topic {spec.topic!r} of command {spec.name!r} has no publisher: the bus's topology must come from"
                " with_commands() after the command was registered (create_bus does it)"
            )
        payload = {"command": spec.name, "data": command.model_dump(mode="json")}
        return Envelope.of(spec.topic, payload, correlation_id=correlation_id)

    def consume(self, envelope: Envelope) -> None:
        """The queue handler: decode a queued command and handle it (raised failures are the queue's to retry)."""
        try:
            message: Any = envelope.json()
            spec = self.registry.named(message["command"])
            command = spec.command_type.model_validate(message["data"])
        except (KeyError, TypeError, ValueError, UnknownCommandError) as exc:
            raise PermanentError(f"not a command this worker knows: {type(exc).__name__}: {exc}") from exc
        cid = str(envelope.properties.get("correlation_id") or new_correlation_id())
        call = self._call(command, spec, cid, delivered=True, message_id=envelope.message_id)
        try:
            self.run(call)
        except Skipped:
            return

    __call__ = consume  # a CommandBus is a conveyor.mq Handler

    def _call(
        self, command: Command, spec: CommandSpec, cid: str, *, delivered: bool, message_id: str | None = None
    ) -> Call:
        context = Context(bus=self, spec=spec, correlation_id=cid, delivered=delivered)
        return Call(command=command, spec=spec, correlation_id=cid, context=context, message_id=message_id)

    def run(self, call: Call) -> object:
        """Run ``call`` through the middleware to its handler."""

        def link(index: int) -> Next:
            if index == len(self.middleware):
                return lambda c: c.spec.handler(c.command, c.context)
            middleware, rest = self.middleware[index], link(index + 1)
            return lambda c: middleware(c, rest)

        return link(0)(call)


def create_bus(
    settings: Settings | None = None,
    registry: Registry | None = None,
    *,
    topology_files: Sequence[str] | None = None,
) -> CommandBus:
    """A bus on the settings' database and topology, with the command queues and publishers of ``registry``."""
    from conveyor.bus.topology import with_commands
    from conveyor.mq.config import load_topology
    from conveyor.settings import settings_or_default

    config = settings_or_default(settings)
    registry = registry if registry is not None else default_registry()
    files = list(topology_files) if topology_files is not None else [str(p) for p in config.topology_files]
    topology = with_commands(load_topology(files, builtins=True, settings=config), registry, config.bus_connection)
    return CommandBus(MessageQueue(topology, config), registry, inline_attempts=config.bus_inline_attempts)
