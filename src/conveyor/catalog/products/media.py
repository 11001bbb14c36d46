"""Media gallery: one row per file of a product, with label, position and disabled per store view.

Roles (image, small_image, thumbnail, swatch_image) are not stored here: as in Magento they are varchar
attribute values holding the file path, so a store view can pick another base image. A gallery save keeps
the ids of entries it matches (by id, then by file), so API clients can address entries by id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav.values import INVALID_VALUE, chunked, foreign_key
from conveyor.catalog.errors import InvalidValueError
from conveyor.catalog.products.models import MEDIA_ROLES, MediaEntry
from conveyor.db.metadata import metadata
from conveyor.db.upsert import upsert

GALLERY = "catalog_product_entity_media_gallery"
gallery_table = sa.Table(
    GALLERY,
    metadata,
    sa.Column("value_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "entity_id",
        sa.Integer,
        foreign_key(GALLERY, "entity_id", "catalog_product_entity.entity_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("value", sa.String(255), nullable=False),
    sa.Column("media_type", sa.String(32), nullable=False, server_default="image"),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
)

GALLERY_VALUE = "catalog_product_entity_media_gallery_value"
gallery_value_table = sa.Table(
    GALLERY_VALUE,
    metadata,
    sa.Column("value_id", sa.Integer, foreign_key(GALLERY_VALUE, "value_id", f"{GALLERY}.value_id"), primary_key=True),
    sa.Column(
        "store_id",
        sa.SmallInteger,
        foreign_key(GALLERY_VALUE, "store_id", "store.store_id"),
        primary_key=True,
        index=True,
    ),
    sa.Column("label", sa.String(255), nullable=True),
    sa.Column("position", sa.Integer, nullable=True),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
)

G, GV = gallery_table, gallery_value_table


def check_entries(entries: Sequence[MediaEntry]) -> None:
    """Files must be named, roles known, and each role held by at most one entry."""
    held: set[str] = set()
    for entry in entries:
        if not entry.file or len(entry.file) > 255:
            raise InvalidValueError(INVALID_VALUE, ["media_gallery_entries.file", entry.file])
        for role in entry.types:
            if role not in MEDIA_ROLES:
                raise InvalidValueError(INVALID_VALUE, ["media_gallery_entries.types", role])
            if role in held:
                raise InvalidValueError(INVALID_VALUE, ["media_gallery_entries.types", f"{role} given twice"])
            held.add(role)


def replace_gallery(conn: Connection, galleries: Mapping[int, Sequence[MediaEntry]], store_id: int) -> None:
    """Each product's gallery becomes exactly the given entries; labels, positions and disabled flags are
    saved at ``store_id`` (and at store 0 for new entries)."""
    if not galleries:
        return
    current: dict[int, dict[str, Any]] = {}
    for part in chunked(sorted(galleries)):
        for value_id, entity_id, file in conn.execute(
            sa.select(G.c.value_id, G.c.entity_id, G.c.value).where(G.c.entity_id.in_(part))
        ):
            current[value_id] = {"entity_id": entity_id, "file": file}
    kept: list[tuple[int, int, MediaEntry]] = []
    new: list[tuple[int, MediaEntry]] = []
    for entity_id, entries in galleries.items():
        by_file = {v["file"]: k for k, v in current.items() if v["entity_id"] == entity_id}
        used: set[int] = set()
        for entry in entries:
            value_id = (
                entry.id if entry.id is not None and current.get(entry.id, {}).get("entity_id") == entity_id else None
            )
            value_id = value_id if value_id is not None else by_file.get(entry.file)
            if value_id is None or value_id in used:
                new.append((entity_id, entry))
            else:
                used.add(value_id)
                kept.append((entity_id, value_id, entry))
    gone = sorted(set(current) - {value_id for _, value_id, _ in kept})
    for part in chunked(gone):
        conn.execute(G.delete().where(G.c.value_id.in_(part)))
    if kept:
        conn.execute(
            G.update()
            .where(G.c.value_id == sa.bindparam("b_id"))
            .values(value=sa.bindparam("b_file"), media_type=sa.bindparam("b_type")),
            [{"b_id": value_id, "b_file": e.file, "b_type": e.media_type} for _, value_id, e in kept],
        )
    created: list[int] = []
    if new:
        created = [
            int(i)
            for i in conn.execute(
                G.insert().returning(G.c.value_id, sort_by_parameter_order=True),
                [{"entity_id": entity_id, "value": e.file, "media_type": e.media_type} for entity_id, e in new],
            ).scalars()
        ]
    values: dict[tuple[int, int], dict[str, Any]] = {}

    def value_row(value_id: int, store: int, entry: MediaEntry) -> None:
        values[(value_id, store)] = {
            "value_id": value_id,
            "store_id": store,
            "label": entry.label,
            "position": entry.position,
            "disabled": entry.disabled,
        }

    for _, value_id, entry in kept:
        value_row(value_id, store_id, entry)
    for (_, entry), value_id in zip(new, created, strict=True):
        value_row(value_id, 0, entry)
        value_row(value_id, store_id, entry)
    upsert(conn, GV, list(values.values()), key=["value_id", "store_id"])


def load_gallery(conn: Connection, entity_ids: Sequence[int], store_id: int) -> dict[int, list[MediaEntry]]:
    """entity_id → gallery entries at ``store_id`` (falling back to store 0), by position; roles not filled."""
    entries: dict[int, MediaEntry] = {}
    owners: dict[int, int] = {}
    for part in chunked(list(entity_ids)):
        for row in conn.execute(sa.select(G).where(G.c.entity_id.in_(part)).order_by(G.c.value_id)):
            entries[row.value_id] = MediaEntry(
                id=row.value_id, file=row.value, media_type=row.media_type, disabled=bool(row.disabled)
            )
            owners[row.value_id] = row.entity_id
    for part in chunked(sorted(entries)):
        for row in conn.execute(
            sa.select(GV)
            .where(GV.c.value_id.in_(part), GV.c.store_id.in_(sorted({0, store_id})))
            .order_by(GV.c.store_id)
        ):
            entry = entries[row.value_id]
            entry.label, entry.disabled = row.label, bool(row.disabled)
            entry.position = row.position if row.position is not None else entry.position
    found: dict[int, list[MediaEntry]] = defaultdict(list)
    for value_id, entry in sorted(entries.items(), key=lambda item: (item[1].position, item[0])):
        found[owners[value_id]].append(entry)
    return found
