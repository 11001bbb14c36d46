"""From the source's vocabulary to the catalog's inputs: pure functions, no I/O.

The choices that make a re-sync land on the same rows:

- a price group becomes the customer group whose code is the price group's code, matched case-insensitively as
  Magento keeps codes unique (WHOLESALE lands in the installed Wholesale group);
- a customer is matched by email and website (the repository's key) and carries its source number as the
  custom attribute ``SyncOptions.customer_key``, so an email changed at the source is followed;
- a list attribute's option keeps the source's value *code* as its admin label (stable, what products refer
  to) and shows the value's *name* on every store view, so renaming a value keeps the option id;
- a product without axes and with one variant is a simple product with the variant's sku; otherwise the
  product number is the sku of a configurable product whose children are the variants (not visible alone);
- a price group's price is a tier price from quantity 1 for that customer group on all websites.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from conveyor.catalog import (
    AddressInput,
    AttributeInput,
    ConfigurableOption,
    CustomerInput,
    ProductInput,
    SourceItem,
    TierPrice,
)
from conveyor.catalog.customers import AttributeValue
from conveyor.catalog.eav import AttributeOption
from conveyor.settings import Settings
from conveyor.sync.errors import MappingError
from conveyor.sync.models import Attribute, Customer, CustomerAddress, Product, Variant

CUSTOMER_GROUP_CODE_MAX = 32
GENDERS = {"male": 1, "female": 2}
ENABLED, DISABLED = 1, 2
NOT_VISIBLE, CATALOG_AND_SEARCH = 1, 4
IN_STOCK, OUT_OF_STOCK = 1, 0
ALL_WEBSITES = 0
SELECT_INPUTS = frozenset({"select", "multiselect", "swatch_visual", "swatch_text"})
# Magento's carrier codes with their own tracking; any other carrier ships as "custom" under its own title.
CARRIER_CODES = frozenset({"dhl", "ups", "usps", "fedex"})
FULFILLMENT_COMMENT = "Source fulfillment %s"


@dataclass(frozen=True)
class SyncOptions:
    """How source entities land in the store (from ``Settings``; the defaults suit one website)."""

    website_id: int = 1
    price_outlet: str | None = None
    attribute_map: Mapping[str, str] = field(default_factory=dict)
    customer_key: str = "source_customer_no"

    @classmethod
    def from_settings(cls, settings: Settings) -> SyncOptions:
        return cls(
            website_id=settings.sync_website_id,
            price_outlet=settings.sync_price_outlet,
            attribute_map=dict(settings.sync_attribute_map),
        )

    def attribute_code(self, source_code: str) -> str:
        """The store attribute a source attribute lands in."""
        return self.attribute_map.get(source_code, source_code)


@dataclass(frozen=True)
class StoreAttribute:
    """What product mapping needs of a store attribute: its code, label and (for selects) option ids by label."""

    code: str
    label: str | None
    options: Mapping[str, int] | None  # lower-cased admin label → option id; None for non-select attributes

    def option_id(self, value_code: str) -> int | None:
        return None if self.options is None else self.options.get(value_code.lower())


@dataclass(frozen=True)
class ProductContext:
    """Lookups for mapping a batch of products: store attributes by source code, customer groups by code."""

    options: SyncOptions
    attributes: Mapping[str, StoreAttribute]
    group_ids: Mapping[str, int]


@dataclass
class MappedProduct:
    """A source product as catalog inputs: its products (children first) and stock."""

    sku: str
    products: list[ProductInput]
    stock: list[SourceItem]
    children: list[str] = field(default_factory=list)


# -- price groups and customers --------------------------------------------------------------------------


def customer_group_code(price_group_code: str) -> str:
    """The customer group code of a price group (Magento allows 32 characters)."""
    code = price_group_code.strip()
    if not code or len(code) > CUSTOMER_GROUP_CODE_MAX:
        raise MappingError(
            f"price group {price_group_code!r}: a customer group code needs 1 to {CUSTOMER_GROUP_CODE_MAX} characters"
        )
    return code


def map_address(address: CustomerAddress, customer: Customer) -> AddressInput:
    """An address; the customer's name and phone stand in for those the address lacks."""
    return AddressInput(
        firstname=address.first_name or customer.first_name,
        lastname=address.last_name or customer.last_name,
        company=address.company,
        street=list(address.street),
        postcode=address.zip,
        city=address.city,
        country_id=address.country.upper(),
        telephone=address.phone or customer.phone,
        default_billing=address.billing,
        default_shipping=address.delivery,
    )


def map_customer(customer: Customer, group_id: int, options: SyncOptions) -> CustomerInput:
    """A customer with its addresses (replacing the stored ones) and its source number."""
    return CustomerInput(
        email=customer.email.strip().lower(),
        firstname=customer.first_name,
        lastname=customer.last_name,
        dob=customer.birth_date,
        gender=None if customer.gender is None else GENDERS[customer.gender],
        taxvat=customer.vat_number,
        group_id=group_id,
        website_id=options.website_id,
        is_active=customer.active,
        created_at=customer.created_at,
        addresses=[map_address(address, customer) for address in customer.addresses],
        custom_attributes=[AttributeValue(attribute_code=options.customer_key, value=customer.customer_no)],
    )


# -- attributes ------------------------------------------------------------------------------------------


def map_attribute(attribute: Attribute, store_ids: Sequence[int], options: SyncOptions) -> AttributeInput:
    """A global attribute (configurable products need global selects); list values become options."""
    is_list = attribute.type == "list"
    return AttributeInput(
        attribute_code=options.attribute_code(attribute.code),
        frontend_input="select" if is_list else "text",
        default_frontend_label=attribute.name,
        scope="global",
        options=(
            [
                AttributeOption(
                    label=value.code,
                    sort_order=value.sort,
                    store_labels=dict.fromkeys(store_ids, value.name),
                )
                for value in attribute.values
            ]
            if is_list
            else None
        ),
    )


# -- products --------------------------------------------------------------------------------------------


def is_simple(product: Product) -> bool:
    """A product without axes and with one variant is sold as that variant alone."""
    return not product.axes and len(product.variants) == 1


def main_sku(product: Product) -> str:
    return product.variants[0].sku if is_simple(product) else product.product_no


def referenced_attributes(product: Product) -> dict[str, set[str]]:
    """Source attribute code → the value codes the product uses (text values too: the store decides)."""
    used: dict[str, set[str]] = {code: set() for code in product.axes}
    for code, value in product.attributes.items():
        used.setdefault(code, set())
        if value is not None:
            used[code].add(value)
    for variant in product.variants:
        for code, value in variant.options.items():
            used.setdefault(code, set()).add(value)
    return used


def _price(variant: Variant, options: SyncOptions) -> Decimal:
    if options.price_outlet is not None:
        for outlet_price in variant.outlet_prices:
            if outlet_price.outlet == options.price_outlet:
                return outlet_price.price
    return variant.price


def _value(product: Product, context: ProductContext, code: str, value: str | None) -> tuple[str, Any]:
    """The store attribute and value for a source attribute value (an option id for selects)."""
    attribute = context.attributes.get(code)
    if attribute is None:
        raise MappingError(f"product {product.product_no!r}: attribute {code!r} is not in the store")
    if value is None or attribute.options is None:
        return attribute.code, value
    option_id = attribute.option_id(value)
    if option_id is None:
        raise MappingError(f"product {product.product_no!r}: attribute {code!r} has no value {value!r}")
    return attribute.code, option_id


def _tier_prices(product: Product, variant: Variant, context: ProductContext) -> list[TierPrice]:
    prices = []
    for group_price in variant.group_prices:
        group_id = context.group_ids.get(group_price.price_group)
        if group_id is None:
            raise MappingError(f"product {product.product_no!r}: price group {group_price.price_group!r} is unknown")
        prices.append(TierPrice(qty=1, value=group_price.price, customer_group_id=group_id, website_id=ALL_WEBSITES))
    return prices


def _stock(variant: Variant) -> list[SourceItem]:
    return [
        SourceItem(
            sku=variant.sku,
            source_code=level.outlet,
            quantity=level.on_hand,
            status=IN_STOCK if level.on_hand > 0 else OUT_OF_STOCK,
        )
        for level in variant.stock
    ]


def map_product(product: Product, context: ProductContext) -> MappedProduct:
    """The product's catalog inputs: one simple product, or a configurable one after its children."""
    if not product.variants:
        raise MappingError(f"product {product.product_no!r} has no variants")
    options = context.options
    status = ENABLED if product.active else DISABLED
    common: dict[str, Any] = {"description": product.description}
    for code, value in product.attributes.items():
        store_code, stored = _value(product, context, code, value)
        common[store_code] = stored
    websites = [options.website_id]
    stock = [item for variant in product.variants for item in _stock(variant)]
    if is_simple(product):
        variant = product.variants[0]
        simple = ProductInput(
            sku=variant.sku,
            name=product.name,
            type_id="simple",
            price=_price(variant, options),
            status=status,
            visibility=CATALOG_AND_SEARCH,
            weight=variant.weight,
            custom_attributes=common,
            website_ids=websites,
            tier_prices=_tier_prices(product, variant, context),
        )
        return MappedProduct(variant.sku, [simple], stock)
    children = []
    for variant in product.variants:
        missing = [axis for axis in product.axes if axis not in variant.options]
        if missing:
            raise MappingError(f"product {product.product_no!r}: variant {variant.sku!r} has no {missing[0]!r}")
        values = dict(common)
        for axis in product.axes:
            store_code, option_id = _value(product, context, axis, variant.options[axis])
            values[store_code] = option_id
        children.append(
            ProductInput(
                sku=variant.sku,
                name=variant.name or " ".join([product.name, *(variant.options[a] for a in product.axes)]),
                type_id="simple",
                price=_price(variant, options),
                status=status,
                visibility=NOT_VISIBLE,
                weight=variant.weight,
                custom_attributes=values,
                website_ids=websites,
                tier_prices=_tier_prices(product, variant, context),
            )
        )
    parent = ProductInput(
        sku=product.product_no,
        name=product.name,
        type_id="configurable",
        status=status,
        visibility=CATALOG_AND_SEARCH,
        custom_attributes=common,
        website_ids=websites,
        configurable_options=[
            ConfigurableOption(
                attribute_code=context.attributes[axis].code, label=context.attributes[axis].label, position=n
            )
            for n, axis in enumerate(product.axes)
        ],
        configurable_children=[child.sku for child in children],
    )
    return MappedProduct(product.product_no, [*children, parent], stock, [child.sku for child in children])


def carrier_code(carrier: str) -> str:
    """Magento's carrier code for a source carrier."""
    code = carrier.strip().lower()
    return code if code in CARRIER_CODES else "custom"


def fulfillment_comment(fulfillment_id: str) -> str:
    """The shipment comment that records which source fulfilment a shipment came from (and that it did)."""
    return FULFILLMENT_COMMENT % fulfillment_id
