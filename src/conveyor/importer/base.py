"""What an entity importer is: the part of an import that knows one entity (products, categories, …).

The core (``conveyor.importer.runner``) reads the files, detects unchanged rows, applies the profile's column
mapping, defaults and converters, enforces the error policy and owns the transaction; an entity importer
validates rows and writes them, set-based, a batch at a time. Users add their own importers through the
``conveyor.importers`` entry point (a subclass of ``EntityImporter``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.importer.events import ImportEvents
from conveyor.importer.profile import Profile
from conveyor.importer.report import RowError
from conveyor.importer.wire import compact_pickle


@compact_pickle
@dataclass(slots=True)
class SourceRow:
    """One data row on its way into an importer: its non-empty cells keyed by Magento's column names."""

    file: str
    line: int
    values: dict[str, str]
    key: str = ""  # the entity's key (sku, code …); filled from the previous row for continuation rows
    store_id: int = 0
    content_hash: str = ""
    updated_at: datetime | None = None  # the source's updated_at (timestamp detection), when read
    reserved_id: int | None = None  # the id taken for the row's new entity, when rows are written behind

    def error(self, column: str, message: str) -> RowError:
        return RowError(self.file, self.line, column, message)


@dataclass(slots=True)
class Outcome:
    """What processing a batch (or finishing the import) produced."""

    errors: list[RowError] = field(default_factory=list)
    done: list[SourceRow] = field(default_factory=list)  # rows written completely (their content hash is kept)
    created: int = 0
    updated: int = 0
    deleted: int = 0

    def merge(self, other: Outcome) -> None:
        self.errors.extend(other.errors)
        self.done.extend(other.done)
        self.created += other.created
        self.updated += other.updated
        self.deleted += other.deleted


@dataclass(slots=True)
class ImportContext:
    """What an importer knows about the import it takes part in."""

    profile: Profile
    operation: str
    write: bool  # False: validate only (dry run, or the bunch has already failed)
    bunch_keys: set[str] = field(default_factory=set)  # casefolded keys of every row in the bunch
    warnings: list[str] = field(default_factory=list)
    # the import's domain events (``conveyor.importer.events``): none unless the runner got a MessageQueue with a
    # queue bound to one of the importer's ``topics``
    events: ImportEvents = field(default_factory=ImportEvents)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


class EntityImporter:
    """Base of every entity importer; subclasses set the class attributes and implement ``process``."""

    entity: ClassVar[str] = ""
    # import_change.entity_type for change detection (None: every row is processed every time)
    change_type: ClassVar[str | None] = None
    key_column: ClassVar[str | None] = None  # the column naming the entity
    store_column: ClassVar[str | None] = None  # the column naming the store view, if rows are per store view
    # a row with an empty key and a store view continues the previous row's entity (Magento's store-view rows)
    continuation: ClassVar[bool] = False
    operations: ClassVar[tuple[str, ...]] = ("add-update", "replace", "delete")
    # the domain events the importer emits (``context.events``): the import publishes only if a queue is bound to one
    topics: ClassVar[tuple[str, ...]] = ()

    def __init__(self, context: ImportContext) -> None:
        self.context = context
        self.profile = context.profile

    def required_columns(self, operation: str) -> tuple[str, ...]:
        """Columns every file of the bunch must have."""
        return (self.key_column,) if self.key_column else ()

    def start(self, conn: Connection) -> None:
        """Load what the whole import looks up (attributes, options, stores …): once, not per row."""

    def scanned(self, conn: Connection, keys: Sequence[str]) -> None:
        """The keys of the rows the bunch will process, as spelled in its files, before its first batch: an
        importer may look them all up at once here instead of batch by batch."""

    def check_header(self, columns: Sequence[str], file: str) -> None:
        """Note (``context.warn``) columns this importer will ignore."""

    def clearable(self, column: str, store_view: bool) -> bool:
        """Whether an empty cell of ``column`` (in a store-view row, or the entity's default row) removes the
        stored value under the profile's ``clean_up.empty_values``: the cell then reaches ``prepare`` as
        ``values.empty_value``. Only columns whose importer understands that marker may say yes. Asked where
        ``prepare`` runs, after ``start``."""
        return False

    def store_id(self, code: str) -> int | None:
        """The store view id of a code (None: unknown); store 0 for an empty code."""
        return 0 if not code else None

    def existing(self, conn: Connection, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` name an entity that exists (an unchanged row is skipped only then)."""
        return set()

    def entity_key_column(self) -> sa.ColumnElement[Any] | None:
        """The column of the entity's table that holds the key, if there is one: the stored hashes are then
        joined with it, which answers ``existing`` in the same statement."""
        return None

    def reserved_ids(self) -> Mapping[str, int]:
        """Folded key → the id taken for its new entity (``scanned``), where rows are written behind: a reading
        worker gets those of its task's rows (``SourceRow.reserved_id``) and prepares their rows for writing."""
        return {}

    def prepare(self, rows: Sequence[SourceRow]) -> Any:
        """Work on a batch that needs no database (parsing, checks against lookups loaded by ``start``).

        Runs in the import's reading thread, while the previous batch is being written: it must not use the
        connection, and what it shares with ``process`` must tolerate that. Its result goes to ``process``.
        """
        return rows

    def process(self, conn: Connection, rows: Any) -> Outcome:
        """Validate a batch (what ``prepare`` made of its rows) and, when ``context.write``, write it."""
        raise NotImplementedError

    def finish(self, conn: Connection) -> Outcome:
        """Write what had to wait for every batch (relations between rows); report their rows as done."""
        return Outcome()


__all__ = ["EntityImporter", "ImportContext", "Outcome", "SourceRow"]
