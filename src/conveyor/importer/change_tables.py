"""Import tables: change-detection hashes (imported by conveyor.importer.schema).

One row per imported entity and store view: the hash of the content last imported for it, so that a row whose
content has not changed since is skipped without being parsed, validated or written; and the ``updated_at``
the source gave it, for timestamp detection. Keys are the import's own (sku, email, code), not entity ids, so
that the lookup happens before anything is resolved.
"""

from __future__ import annotations

import sqlalchemy as sa

from conveyor.db.metadata import Epoch, metadata

import_change_table = sa.Table(
    "import_change",
    metadata,
    sa.Column("entity_type", sa.String(32), primary_key=True),
    # MariaDB's key-length bound: 191 characters (skus are 64, customer keys website + email).
    sa.Column("entity_key", sa.String(191), primary_key=True),
    sa.Column("store_id", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("content_hash", sa.String(32), nullable=False),
    sa.Column("source_updated_at", sa.DateTime, nullable=True),
    sa.Column("imported_at", Epoch, nullable=False),
)

__all__ = ["import_change_table"]
