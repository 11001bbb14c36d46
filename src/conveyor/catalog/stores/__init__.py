"""Websites, store groups, store views and customer groups: the scopes every other catalog table refers to; and
the directory (countries, regions, currencies) they are configured with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.lazy import lazy_exports

if TYPE_CHECKING:
    from conveyor.catalog.stores.directory import countries, country, currency_symbol
    from conveyor.catalog.stores.listing import groups, views, websites
    from conveyor.catalog.stores.scopes import (
        ADMIN_STORE_ID,
        DEFAULT_STORE_ID,
        customer_group_table,
        ensure_default_scopes,
        store_group_table,
        store_table,
        website_table,
    )

_EXPORTS = {
    "ADMIN_STORE_ID": "conveyor.catalog.stores.scopes",
    "DEFAULT_STORE_ID": "conveyor.catalog.stores.scopes",
    "customer_group_table": "conveyor.catalog.stores.scopes",
    "ensure_default_scopes": "conveyor.catalog.stores.scopes",
    "store_group_table": "conveyor.catalog.stores.scopes",
    "store_table": "conveyor.catalog.stores.scopes",
    "website_table": "conveyor.catalog.stores.scopes",
    "countries": "conveyor.catalog.stores.directory",
    "country": "conveyor.catalog.stores.directory",
    "currency_symbol": "conveyor.catalog.stores.directory",
    "groups": "conveyor.catalog.stores.listing",
    "views": "conveyor.catalog.stores.listing",
    "websites": "conveyor.catalog.stores.listing",
}

__all__ = [
    "ADMIN_STORE_ID",
    "DEFAULT_STORE_ID",
    "countries",
    "country",
    "currency_symbol",
    "customer_group_table",
    "ensure_default_scopes",
    "groups",
    "store_group_table",
    "store_table",
    "views",
    "website_table",
    "websites",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
