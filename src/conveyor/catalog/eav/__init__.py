"""Attributes, attribute sets and the typed value tables (Magento's EAV) that products and categories share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.lazy import lazy_exports

if TYPE_CHECKING:
    from conveyor.catalog.eav.attributes import (
        ATTRIBUTE_PROPERTIES,
        CATEGORY_ENTITY_TYPE_ID,
        DEFAULT_PRODUCT_SET_ID,
        ENTITY_TYPES,
        INTEGER_PROPERTIES,
        PRODUCT_ENTITY_TYPE_ID,
        TEXT_PROPERTIES,
        AttributeInput,
        AttributeMeta,
        AttributeOption,
        AttributeRecord,
        AttributeRepository,
        attribute_group_table,
        attribute_set_table,
        entity_attribute_table,
        load_attributes,
        option_table,
        option_value_table,
    )
    from conveyor.catalog.eav.values import (
        SCOPE_GLOBAL,
        SCOPE_NAMES,
        Scopes,
        ValueWrite,
        chunked,
        coerce_value,
        format_url_key,
        scoped_value,
        utc_now,
        write_values,
    )

_EXPORTS = {
    "ATTRIBUTE_PROPERTIES": "conveyor.catalog.eav.attributes",
    "AttributeInput": "conveyor.catalog.eav.attributes",
    "AttributeMeta": "conveyor.catalog.eav.attributes",
    "AttributeOption": "conveyor.catalog.eav.attributes",
    "AttributeRecord": "conveyor.catalog.eav.attributes",
    "AttributeRepository": "conveyor.catalog.eav.attributes",
    "CATEGORY_ENTITY_TYPE_ID": "conveyor.catalog.eav.attributes",
    "DEFAULT_PRODUCT_SET_ID": "conveyor.catalog.eav.attributes",
    "ENTITY_TYPES": "conveyor.catalog.eav.attributes",
    "INTEGER_PROPERTIES": "conveyor.catalog.eav.attributes",
    "PRODUCT_ENTITY_TYPE_ID": "conveyor.catalog.eav.attributes",
    "SCOPE_GLOBAL": "conveyor.catalog.eav.values",
    "SCOPE_NAMES": "conveyor.catalog.eav.values",
    "Scopes": "conveyor.catalog.eav.values",
    "TEXT_PROPERTIES": "conveyor.catalog.eav.attributes",
    "ValueWrite": "conveyor.catalog.eav.values",
    "attribute_group_table": "conveyor.catalog.eav.attributes",
    "attribute_set_table": "conveyor.catalog.eav.attributes",
    "chunked": "conveyor.catalog.eav.values",
    "coerce_value": "conveyor.catalog.eav.values",
    "entity_attribute_table": "conveyor.catalog.eav.attributes",
    "format_url_key": "conveyor.catalog.eav.values",
    "load_attributes": "conveyor.catalog.eav.attributes",
    "option_table": "conveyor.catalog.eav.attributes",
    "option_value_table": "conveyor.catalog.eav.attributes",
    "scoped_value": "conveyor.catalog.eav.values",
    "utc_now": "conveyor.catalog.eav.values",
    "write_values": "conveyor.catalog.eav.values",
}

__all__ = [
    "ATTRIBUTE_PROPERTIES",
    "CATEGORY_ENTITY_TYPE_ID",
    "DEFAULT_PRODUCT_SET_ID",
    "ENTITY_TYPES",
    "INTEGER_PROPERTIES",
    "PRODUCT_ENTITY_TYPE_ID",
    "SCOPE_GLOBAL",
    "SCOPE_NAMES",
    "TEXT_PROPERTIES",
    "AttributeInput",
    "AttributeMeta",
    "AttributeOption",
    "AttributeRecord",
    "AttributeRepository",
    "Scopes",
    "ValueWrite",
    "attribute_group_table",
    "attribute_set_table",
    "chunked",
    "coerce_value",
    "entity_attribute_table",
    "format_url_key",
    "load_attributes",
    "option_table",
    "option_value_table",
    "scoped_value",
    "utc_now",
    "write_values",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
