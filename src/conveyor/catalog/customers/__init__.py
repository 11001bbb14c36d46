"""Customers, their addresses, custom attributes and customer groups.

Modules: ``groups`` (groups and the default group), ``accounts`` (password reset, confirmation, email
availability), ``addresses`` (one address by id), ``metadata`` (attribute metadata and forms), ``passwords``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.lazy import lazy_exports

if TYPE_CHECKING:
    from conveyor.catalog.customers import accounts, addresses, groups, metadata
    from conveyor.catalog.customers.models import (
        AddressInput,
        AddressRecord,
        AttributeValue,
        CustomerInput,
        CustomerRecord,
        Region,
    )
    from conveyor.catalog.customers.passwords import check_password
    from conveyor.catalog.customers.repository import (
        DUPLICATE_EMAIL,
        NO_SUCH_ENTITY,
        NO_SUCH_ENTITY_2,
        CustomerRepository,
    )
    from conveyor.catalog.customers.tables import Money, Quantity, custom_attribute_table, customer_table
    from conveyor.catalog.customers.validation import email_address

_EXPORTS = {
    "Money": "conveyor.catalog.customers.tables",
    "Quantity": "conveyor.catalog.customers.tables",
    "AddressInput": "conveyor.catalog.customers.models",
    "AddressRecord": "conveyor.catalog.customers.models",
    "AttributeValue": "conveyor.catalog.customers.models",
    "CustomerInput": "conveyor.catalog.customers.models",
    "CustomerRecord": "conveyor.catalog.customers.models",
    "CustomerRepository": "conveyor.catalog.customers.repository",
    "DUPLICATE_EMAIL": "conveyor.catalog.customers.repository",
    "NO_SUCH_ENTITY": "conveyor.catalog.customers.repository",
    "NO_SUCH_ENTITY_2": "conveyor.catalog.customers.repository",
    "Region": "conveyor.catalog.customers.models",
    "custom_attribute_table": "conveyor.catalog.customers.tables",
    "customer_table": "conveyor.catalog.customers.tables",
    "accounts": "conveyor.catalog.customers.accounts",
    "addresses": "conveyor.catalog.customers.addresses",
    "check_password": "conveyor.catalog.customers.passwords",
    "email_address": "conveyor.catalog.customers.validation",
    "groups": "conveyor.catalog.customers.groups",
    "metadata": "conveyor.catalog.customers.metadata",
}

__all__ = [
    "DUPLICATE_EMAIL",
    "NO_SUCH_ENTITY",
    "NO_SUCH_ENTITY_2",
    "AddressInput",
    "AddressRecord",
    "AttributeValue",
    "CustomerInput",
    "CustomerRecord",
    "CustomerRepository",
    "Money",
    "Quantity",
    "Region",
    "accounts",
    "addresses",
    "check_password",
    "custom_attribute_table",
    "customer_table",
    "email_address",
    "groups",
    "metadata",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
