"""Customer and address attribute metadata (Magento's ``CustomerMetadataInterface`` / ``AddressMetadataInterface``).

Conveyor has no EAV tables for customers: the system attributes are Magento's installation data
(``CustomerSetup::getDefaultEntities``, with its form rules: every attribute but the hidden system ones is on
the forms, ``adminhtml_only`` ones on the admin form alone); select options come from the store's own
websites, stores and groups. Custom attributes are the codes customers carry in ``customer_custom_attribute``,
described as what Conveyor stores them as: user-defined text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.customers.repository import NO_SUCH_ENTITY_2
from conveyor.catalog.customers.tables import custom_attribute_table
from conveyor.catalog.errors import NotFoundError
from conveyor.catalog.stores.scopes import (
    ADMIN_STORE_ID,
    ADMIN_WEBSITE_ID,
    customer_group_table,
    store_table,
    website_table,
)

CUSTOMER, ADDRESS = "customer", "customer_address"
CUSTOMER_FORMS = ("customer_account_create", "customer_account_edit", "checkout_register", "adminhtml_customer")
ADDRESS_FORMS = ("adminhtml_customer_address", "customer_address_edit", "customer_register_address")
NAME_RULES = (("max_text_length", "255"), ("min_text_length", "1"))
GENDERS = (("Male", "1"), ("Female", "2"), ("Not Specified", "3"))


@dataclass(frozen=True)
class Attribute:
    """One system attribute as Magento installs it (defaults as EavSetup's: required, visible, system)."""

    code: str
    label: str
    input: str
    sort_order: int
    required: bool = True
    visible: bool = True
    system: bool = True
    rules: tuple[tuple[str, str], ...] = ()
    input_filter: str = ""
    multiline_count: int = 0
    admin_only: bool = False
    admin_checkout: bool = False
    grid: tuple[bool, bool, bool, bool] = (False, False, False, False)  # used, visible, filterable, searchable

    def forms(self, entity: str) -> tuple[str, ...]:
        if self.system and not self.visible:
            return ()
        if entity == ADDRESS:
            return ADDRESS_FORMS
        forms = ("adminhtml_customer",) if self.admin_only else CUSTOMER_FORMS
        return forms + (("adminhtml_checkout",) if self.admin_checkout else ())


_GRID = (True, True, True, False)
_SEARCHABLE = (True, False, False, True)
CUSTOMER_ATTRIBUTES = (
    Attribute("website_id", "Associate to Website", "select", 10, admin_only=True, grid=_GRID),
    Attribute("store_id", "Create In", "select", 20, visible=False, admin_only=True),
    Attribute("created_in", "Created From", "text", 20, required=False, admin_only=True, grid=_SEARCHABLE),
    Attribute("group_id", "Group", "select", 25, admin_only=True, admin_checkout=True, grid=_GRID),
    Attribute(
        "disable_auto_group_change",
        "Disable Automatic Group Change Based on VAT ID",
        "boolean",
        28,
        required=False,
        admin_only=True,
    ),
    Attribute("prefix", "Name Prefix", "text", 30, required=False, visible=False, system=False, grid=_SEARCHABLE),
    Attribute("firstname", "First Name", "text", 40, rules=NAME_RULES, grid=_SEARCHABLE),
    Attribute("middlename", "Middle Name/Initial", "text", 50, required=False, visible=False, system=False),
    Attribute("lastname", "Last Name", "text", 60, rules=NAME_RULES, grid=_SEARCHABLE),
    Attribute("suffix", "Name Suffix", "text", 70, required=False, visible=False, system=False, grid=_SEARCHABLE),
    Attribute(
        "email", "Email", "text", 80, rules=(("input_validation", "email"),), admin_checkout=True, grid=(True,) * 4
    ),
    Attribute("default_billing", "Default Billing Address", "text", 82, required=False, visible=False),
    Attribute("default_shipping", "Default Shipping Address", "text", 83, required=False, visible=False),
    Attribute("confirmation", "Is Confirmed", "text", 85, required=False, visible=False),
    Attribute("created_at", "Created At", "date", 86, required=False, visible=False, system=False, grid=_GRID),
    Attribute(
        "dob",
        "Date of Birth",
        "date",
        90,
        required=False,
        visible=False,
        system=False,
        rules=(("input_validation", "date"),),
        input_filter="date",
        admin_checkout=True,
        grid=_GRID,
    ),
    Attribute(
        "taxvat",
        "Tax/VAT Number",
        "text",
        100,
        required=False,
        visible=False,
        system=False,
        rules=(("max_text_length", "255"),),
        admin_checkout=True,
        grid=(True, True, False, True),
    ),
    Attribute("gender", "Gender", "select", 110, required=False, visible=False, system=False, admin_checkout=True),
)
ADDRESS_ATTRIBUTES = (
    Attribute("prefix", "Name Prefix", "text", 10, required=False, visible=False, system=False),
    Attribute("firstname", "First Name", "text", 20, rules=NAME_RULES),
    Attribute("middlename", "Middle Name/Initial", "text", 30, required=False, visible=False, system=False),
    Attribute("lastname", "Last Name", "text", 40, rules=NAME_RULES),
    Attribute("suffix", "Name Suffix", "text", 50, required=False, visible=False, system=False),
    Attribute("company", "Company", "text", 60, required=False, rules=NAME_RULES),
    Attribute("street", "Street Address", "multiline", 70, rules=NAME_RULES, multiline_count=2),
    Attribute("city", "City", "text", 80, rules=NAME_RULES),
    Attribute("country_id", "Country", "select", 90),
    Attribute("region", "State/Province", "text", 100, required=False),
    Attribute("region_id", "State/Province", "hidden", 100, required=False),
    Attribute("postcode", "Zip/Postal Code", "text", 110, required=False),
    Attribute("telephone", "Phone Number", "text", 120, rules=NAME_RULES),
    Attribute("fax", "Fax", "text", 130, required=False, rules=NAME_RULES),
    Attribute("vat_id", "VAT number", "text", 140, required=False),
)
_SYSTEM = {CUSTOMER: CUSTOMER_ATTRIBUTES, ADDRESS: ADDRESS_ATTRIBUTES}


def all_attributes(conn: Connection, entity: str) -> list[dict[str, Any]]:
    """Every attribute of ``entity`` (``customer`` or ``customer_address``): system ones, then custom ones."""
    return [as_dict(conn, a) for a in _SYSTEM[entity]] + custom_attributes(conn, entity)


def custom_attributes(conn: Connection, entity: str) -> list[dict[str, Any]]:
    """The user-defined attributes: the custom attribute codes customers carry (addresses carry none here)."""
    if entity != CUSTOMER:
        return []
    codes = conn.execute(
        sa.select(custom_attribute_table.c.attribute_code).distinct().order_by(custom_attribute_table.c.attribute_code)
    ).scalars()
    system = {a.code for a in CUSTOMER_ATTRIBUTES}
    return [_custom(code, 1000 + index) for index, code in enumerate(c for c in codes if c not in system)]


def attribute(conn: Connection, entity: str, code: str) -> dict[str, Any]:
    """One attribute by code; Magento's 404 naming the entity type and the code."""
    for item in all_attributes(conn, entity):
        if item["attribute_code"] == code:
            return item
    raise NotFoundError(NO_SUCH_ENTITY_2, ["entityType", entity, "attributeCode", code])


def form(conn: Connection, entity: str, form_code: str) -> list[dict[str, Any]]:
    """The attributes of a form; a form without attributes is Magento's 404 naming it."""
    found = [as_dict(conn, a) for a in _SYSTEM[entity] if form_code in a.forms(entity)]
    if entity == CUSTOMER and form_code in CUSTOMER_FORMS:
        found += custom_attributes(conn, entity)
    if not found:
        raise NotFoundError(NO_SUCH_ENTITY_2, ["entityType", entity, "formCode", form_code])
    return found


def as_dict(conn: Connection, a: Attribute) -> dict[str, Any]:
    """Magento's AttributeMetadata payload."""
    used, visible_in_grid, filterable, searchable = a.grid
    return {
        "frontend_input": a.input,
        "input_filter": a.input_filter,
        "store_label": a.label,
        "validation_rules": [{"name": name, "value": value} for name, value in a.rules],
        "multiline_count": a.multiline_count,
        "visible": a.visible,
        "required": a.required,
        "data_model": "",
        "options": _options(conn, a.code) if a.input == "select" else [],
        "frontend_class": "",
        "user_defined": False,
        "sort_order": a.sort_order,
        "frontend_label": a.label,
        "note": "",
        "system": a.system,
        "backend_type": "static",
        "is_used_in_grid": used,
        "is_visible_in_grid": visible_in_grid,
        "is_filterable_in_grid": filterable,
        "is_searchable_in_grid": searchable,
        "attribute_code": a.code,
    }


def _custom(code: str, sort_order: int) -> dict[str, Any]:
    return {
        "frontend_input": "text",
        "input_filter": "",
        "store_label": code,
        "validation_rules": [],
        "multiline_count": 0,
        "visible": True,
        "required": False,
        "data_model": "",
        "options": [],
        "frontend_class": "",
        "user_defined": True,
        "sort_order": sort_order,
        "frontend_label": code,
        "note": "",
        "system": False,
        "backend_type": "varchar",
        "is_used_in_grid": False,
        "is_visible_in_grid": False,
        "is_filterable_in_grid": False,
        "is_searchable_in_grid": False,
        "attribute_code": code,
    }


def _options(conn: Connection, code: str) -> list[dict[str, str]]:
    """A select's options (label and value as text, as Magento's REST answers them)."""
    pairs: Sequence[tuple[Any, Any]] = ()
    if code == "gender":
        pairs = GENDERS
    elif code == "website_id":
        w = website_table.c
        pairs = [
            (n, i)
            for i, n in conn.execute(
                sa.select(w.website_id, w.name)
                .where(w.website_id != ADMIN_WEBSITE_ID)
                .order_by(w.sort_order, w.website_id)
            )
        ]
    elif code == "store_id":
        s = store_table.c
        pairs = [
            (n, i)
            for i, n in conn.execute(
                sa.select(s.store_id, s.name).where(s.store_id != ADMIN_STORE_ID).order_by(s.sort_order, s.store_id)
            )
        ]
    elif code == "group_id":
        g = customer_group_table.c
        pairs = [
            (n, i)
            for i, n in conn.execute(
                sa.select(g.customer_group_id, g.customer_group_code)
                .where(g.customer_group_id != 0)
                .order_by(g.customer_group_id)
            )
        ]
    return [{"label": str(label), "value": str(value)} for label, value in pairs]
