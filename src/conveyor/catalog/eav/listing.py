"""What attribute lists are searched over (Magento's column names) and the input types a client may create."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from conveyor.catalog.eav.attributes import (
    ATTRIBUTE_PROPERTIES,
    attribute_set_table,
    attribute_table,
    entity_attribute_table,
    entity_type_id,
)

A, S, EA = attribute_table, attribute_set_table, entity_attribute_table
ATTRIBUTE_FIELDS: dict[str, ColumnElement[Any]] = {
    "attribute_id": A.c.attribute_id,
    "attribute_code": A.c.attribute_code,
    "entity_type_id": A.c.entity_type_id,
    "backend_type": A.c.backend_type,
    "frontend_input": A.c.frontend_input,
    "frontend_label": A.c.frontend_label,
    "default_frontend_label": A.c.frontend_label,
    "is_global": A.c.is_global,
    "is_required": A.c.is_required,
    "is_user_defined": A.c.is_user_defined,
    "is_unique": A.c.is_unique,
    "default_value": A.c.default_value,
    "apply_to": A.c.apply_to,
    **{name: A.c[name] for name in ATTRIBUTE_PROPERTIES},
}
# Magento's product input types (Inputtype source models of Eav, Catalog, Swatches and PageBuilder).
INPUT_TYPES: tuple[tuple[str, str], ...] = (
    ("text", "Text Field"),
    ("textarea", "Text Area"),
    ("texteditor", "Text Editor"),
    ("pagebuilder", "Page Builder"),
    ("date", "Date"),
    ("datetime", "Date and Time"),
    ("boolean", "Yes/No"),
    ("multiselect", "Multiple Select"),
    ("select", "Dropdown"),
    ("price", "Price"),
    ("media_image", "Media Image"),
    ("swatch_visual", "Visual Swatch"),
    ("swatch_text", "Text Swatch"),
)


def attribute_query(entity_type: str | int) -> sa.Select[Any]:
    """The attributes of one entity type: the base select of their searchCriteria list."""
    return sa.select(A.c.attribute_code).where(A.c.entity_type_id == entity_type_id(entity_type))


def media_attribute_codes(conn: Connection, set_name: str, entity_type: str | int = "catalog_product") -> list[str]:
    """Media image attributes of the set named ``set_name`` (none when no set has that name)."""
    type_id = entity_type_id(entity_type)
    query = (
        sa.select(A.c.attribute_code)
        .select_from(
            A.join(EA, EA.c.attribute_id == A.c.attribute_id).join(S, S.c.attribute_set_id == EA.c.attribute_set_id)
        )
        .where(S.c.attribute_set_name == set_name, S.c.entity_type_id == type_id, A.c.frontend_input == "media_image")
        .order_by(A.c.attribute_id)
    )
    return list(conn.execute(query).scalars())


__all__ = ["ATTRIBUTE_FIELDS", "INPUT_TYPES", "attribute_query", "media_attribute_codes"]
