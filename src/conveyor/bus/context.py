"""What travels through the middleware (a ``Call``), what a handler receives (a ``Context``) and what the bus
returns (a ``Result``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Connection

from conveyor.bus.command import Command
from conveyor.bus.registry import CommandSpec

if TYPE_CHECKING:
    from conveyor.bus.bus import CommandBus
    from conveyor.mq.queue import Transaction

Mode = Literal["inline", "queue"]
ResultOutcome = Literal["success", "skipped", "queued"]


@dataclass
class Context:
    """A handler's second argument: the command's transaction and where the command came from."""

    bus: CommandBus
    spec: CommandSpec
    correlation_id: str
    delivered: bool  # True when a worker handles a queued command (then retried by the queue on failure)
    tx: Transaction | None = None  # the command's transaction, once opened
    # set by the transaction middleware for the handler's duration: opens the transaction on first use
    opener: Callable[[], Transaction] | None = None
    # run with the error after a failed command's transaction rolled back (to record the failure elsewhere)
    failure_hooks: list[Callable[[BaseException], None]] = field(default_factory=list)

    @property
    def host(self) -> object | None:
        """The application the bus runs in (``conveyor.app.App``), if it was built by one."""
        return self.bus.host

    @property
    def transaction(self) -> Transaction:
        """The command's transaction, begun on first use.

        Lazily, so that a handler can call a remote source before it writes: on SQLite a transaction begins
        IMMEDIATE and holds the one write lock, which must not wait on the network.
        """
        if self.tx is None:
            if self.opener is None:
                raise RuntimeError("no transaction: the bus runs handlers inside its transaction middleware")
            self.tx = self.opener()
        return self.tx

    @property
    def conn(self) -> Connection:
        """The command's connection: everything written through it commits or rolls back with the command."""
        return self.transaction.conn

    def on_failure(self, hook: Callable[[BaseException], None]) -> None:
        """Call ``hook(error)`` if this command fails, after its transaction rolled back (so a hook may write)."""
        self.failure_hooks.append(hook)

    def enqueue(self, *commands: Command) -> list[str]:
        """Queue follow-up commands atomically with this command's writes (same correlation id); message ids."""
        return self.bus.enqueue(commands, tx=self.transaction, correlation_id=self.correlation_id)


@dataclass
class Call:
    """One run of a command through the middleware chain."""

    command: Command
    spec: CommandSpec
    correlation_id: str
    context: Context
    message_id: str | None = None  # the queue message, when delivered by a worker
    attempt: int = 1  # in-process attempts (inline retries of transient errors)
    # run by the transaction middleware inside the transaction, after the handler returned (the sync log's
    # success row commits with the command's writes: one commit per command instead of two)
    before_commit: list[Callable[[Connection], None]] = field(default_factory=list)

    @property
    def delivered(self) -> bool:
        return self.context.delivered


@dataclass(frozen=True)
class Result:
    """How ``CommandBus.handle`` ended when it did not raise."""

    command: str
    outcome: ResultOutcome
    correlation_id: str
    value: object = None  # what the handler returned
    message_id: str | None = None  # when queued
    reason: str | None = None  # when skipped
