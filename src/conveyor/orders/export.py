"""The export's four phases on one export row: Transform, Transport, Handle response, Notify.

The pipeline steps (``conveyor.orders.steps``), the CLI's preview and the benchmark call these. Each phase reads
and writes the row in short transactions of its own and never holds one open across a channel's network call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from conveyor.catalog.sales import OrderRecord, OrderRepository
from conveyor.orders import state
from conveyor.orders.channels import Channel, Document
from conveyor.orders.context import order_context
from conveyor.orders.formats import TemplateFormat
from conveyor.orders.notify import notify
from conveyor.orders.rules import ExportRules, Target
from conveyor.orders.schema import ExportStatus
from conveyor.plugins import Plugins, default_plugins

log = logging.getLogger("conveyor.orders")


class ExportError(RuntimeError):
    """A phase cannot go on (no answer yet, rejected, nothing to send)."""


class Exporter:
    """Runs export phases against one set of rules."""

    def __init__(
        self,
        engine: Engine,
        rules: ExportRules,
        *,
        plugins: Plugins | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine, self.rules, self.clock = engine, rules, clock
        self.plugins = plugins or default_plugins()
        self.orders = OrderRepository()
        self._formats: dict[str, TemplateFormat] = {}
        self._channels: dict[str, Channel] = {}
        self._targets = rules.targets()

    # --- plug-ins ------------------------------------------------------------------------------------------------
    def target(self, name: str) -> tuple[str, Target]:
        found = self._targets.get(name)
        if found is None:
            known = ", ".join(sorted(self._targets)) or "none"
            raise ExportError(f"unknown target {name!r} (known: {known})")
        return found

    def format(self, name: str) -> TemplateFormat:
        if name not in self._formats:
            factory = cast(Callable[[], TemplateFormat], self.plugins.order_formats.load(name))
            self._formats[name] = factory()
        return self._formats[name]

    def channel(self, target: Target) -> Channel:
        """One channel per target for this exporter's life (its options validated once, a SOAP client kept)."""
        if target.name not in self._channels:
            factory = cast(Callable[[Mapping[str, Any]], Channel], self.plugins.channels.load(target.channel))
            self._channels[target.name] = factory(target.options)
        return self._channels[target.name]

    # --- rendering -----------------------------------------------------------------------------------------------
    def render(self, order: OrderRecord, target_name: str) -> tuple[str, str]:
        """(document, file name) of ``order`` for the target, without sending anything."""
        website, target = self.target(target_name)
        fmt = self.format(target.format)
        context = order_context(
            order, target=target.name, website=website, now=datetime.fromtimestamp(self.clock(), UTC)
        )
        text = fmt.render(context, order=order.increment_id, template=target.template)
        return text, f"{order.increment_id}-{target.name}.{fmt.extension}"

    def preview(self, conn: Connection, order_id: int, target_name: str) -> tuple[str, str]:
        return self.render(self.orders.get(conn, order_id), target_name)

    # --- phases --------------------------------------------------------------------------------------------------
    def transform(self, export_id: int, out: logging.Logger = log) -> str:
        with self.engine.connect() as conn:
            row = state.get(conn, export_id)
            order = self.orders.get(conn, row.order_id)
        text, file_name = self.render(order, row.target)
        with self.engine.begin() as conn:
            state.update(
                conn, export_id, self.clock(), document=text, file_name=file_name, status=ExportStatus.TRANSFORMED
            )
        out.info("order %s rendered for %s: %s, %d bytes", row.increment_id, row.target, file_name, len(text))
        return file_name

    def transport(self, export_id: int, out: logging.Logger = log) -> str:
        with self.engine.connect() as conn:
            row = state.get(conn, export_id)
        if row.document is None:
            raise ExportError(f"order {row.increment_id}: nothing rendered for {row.target} yet")
        _, target = self.target(row.target)
        fmt = self.format(target.format)
        document = Document(row.document, row.file_name, fmt.media_type, row.increment_id, row.target)
        try:
            sent = self.channel(target).send(document)
        except Exception:
            with self.engine.begin() as conn:
                state.update(conn, export_id, self.clock(), attempts=row.attempts + 1)
            raise
        values: dict[str, Any] = {
            "reference": sent.reference,
            "sent_at": self.clock(),
            "error": None,
            "attempts": row.attempts + 1,
        }
        if row.status not in (ExportStatus.ACCEPTED, ExportStatus.NOTIFIED):
            values["status"] = ExportStatus.SENT
        with self.engine.begin() as conn:
            state.update(conn, export_id, self.clock(), **values)
            if sent.erp_order_id is not None or target.response.type == "none":
                state.accept(conn, export_id, sent.erp_order_id, self.clock())
        out.info(
            "order %s sent to %s: %s (ERP order %s)", row.increment_id, row.target, sent.reference, sent.erp_order_id
        )
        return sent.reference

    def respond(self, export_id: int, out: logging.Logger = log) -> str:
        with self.engine.connect() as conn:
            row = state.get(conn, export_id)
        _, target = self.target(row.target)
        if target.response.type == "none":
            with self.engine.begin() as conn:
                state.accept(conn, export_id, None, self.clock())
            out.info("order %s: %s gives no answer, taken as accepted", row.increment_id, row.target)
            return "accepted (no answer expected)"
        if row.erp_order_id is None:
            how = "its answer had no order id" if target.response.type == "sync" else "no response file yet"
            raise ExportError(f"order {row.increment_id}: {row.target}: {how}")
        out.info("order %s accepted by %s as %s", row.increment_id, row.target, row.erp_order_id)
        return f"accepted as {row.erp_order_id}"

    def notify(self, export_id: int, out: logging.Logger = log) -> str:
        with self.engine.connect() as conn:
            row = state.get(conn, export_id)
        if row.accepted_at is None:
            raise ExportError(f"order {row.increment_id}: not accepted by {row.target}, no notification")
        website, target = self.target(row.target)
        if target.notify is None:
            return "no notification configured"
        with self.engine.begin() as conn:
            if not state.claim_notification(conn, export_id, self.clock()):
                out.info("order %s: %s already notified", row.increment_id, row.target)
                return "already notified"
        try:
            with self.engine.connect() as conn:
                order = self.orders.get(conn, row.order_id)
            context = order_context(
                order,
                target=target.name,
                website=website,
                now=datetime.fromtimestamp(self.clock(), UTC),
                erp_order_id=row.erp_order_id,
            )
            where = notify(target.notify, context, key=f"{row.increment_id}-{row.target}")
        except BaseException:
            with self.engine.begin() as conn:
                state.release_notification(conn, export_id, self.clock())
            raise
        out.info("order %s: notified %s", row.increment_id, where)
        return f"notified {where}"

    def run(self, export_id: int, phases: Sequence[str], out: logging.Logger = log) -> str:
        """The phases of one step, in order; the outputs joined."""
        steps = {
            "transform": self.transform,
            "transport": self.transport,
            "response": self.respond,
            "notify": self.notify,
        }
        outputs = []
        for phase in phases:
            if phase not in steps:
                raise ExportError(f"unknown export phase {phase!r}")
            outputs.append(steps[phase](export_id, out))
        return "; ".join(outputs)

    def export_many(self, export_ids: Sequence[int], out: logging.Logger = log) -> int:
        """Transform and transport many exports with a handful of statements: the rows and orders read in bulk,
        each document rendered and sent, every row updated in one transaction at the end. For catching up a
        backlog (and the benchmark); a failure stops the batch, and what was sent before it is recorded."""
        with self.engine.connect() as conn:
            rows = state.many(conn, export_ids)
            orders = {o.entity_id: o for o in self.orders.get_many(conn, [row.order_id for row in rows])}
        updates: list[dict[str, Any]] = []
        accepted: list[tuple[int, str | None]] = []
        try:
            for row in rows:
                _, target = self.target(row.target)
                text, file_name = self.render(orders[row.order_id], row.target)
                document = Document(
                    text, file_name, self.format(target.format).media_type, row.increment_id, row.target
                )
                sent = self.channel(target).send(document)
                updates.append(
                    {
                        "export_id": row.id,
                        "document": text,
                        "file_name": file_name,
                        "reference": sent.reference,
                        "attempts": row.attempts + 1,
                    }
                )
                if sent.erp_order_id is not None or target.response.type == "none":
                    accepted.append((row.id, sent.erp_order_id))
        finally:
            with self.engine.begin() as conn:
                state.record_sent(conn, updates, self.clock())
                state.accept_many(conn, accepted, self.clock())
        out.info("%d order(s) rendered and sent", len(updates))
        return len(updates)

    def fail(self, export_id: int, error: str) -> None:
        """A step failed for good: the export is in error (a retry of the pipeline starts it again)."""
        with self.engine.begin() as conn:
            state.update(conn, export_id, self.clock(), status=ExportStatus.ERROR, error=error)
