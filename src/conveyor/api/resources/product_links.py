"""Product links by sku: Magento's ``/V1/products/{sku}/links`` routes and the link type lists.

Links are related, upsell and crosssell products, and a grouped product's children (``associated``, with their
default quantity). Every write goes through ``ProductRepository`` with the product's whole link list, so it is
checked and announced (``catalog.product.saved``) as a product save is.
"""

from __future__ import annotations

from pydantic import BaseModel

from conveyor.api.operations import OperationContext, operations
from conveyor.api.resources.products import ProductLinkData, present_link, repository, to_link
from conveyor.catalog import NotFoundError, ProductInput, ProductLink, ProductRecord
from conveyor.catalog.products import LINK_TYPES

RESOURCE = "Magento_Catalog::catalog"
NOT_FOUND = "The product that was requested doesn't exist. Verify the product and try again."
UNKNOWN_TYPE = 'The "%1" link type is unknown. Verify the type and try again.'
TYPE_NOT_FOUND = 'The "%1" link type wasn\'t found. Verify the type and try again.'
NOT_LINKED = "Product %1 doesn't have linked %2 as %3"
# Magento's order (LinkTypeProvider: Catalog's related, crosssell, upsell; GroupedProduct's associated).
TYPE_ORDER = ("related", "crosssell", "upsell", "associated")


class LinkType(BaseModel):
    """ProductLinkTypeInterface: ``code`` is the link type's number."""

    code: int
    name: str


class LinkAttribute(BaseModel):
    code: str
    type: str


class LinksRequest(BaseModel):
    items: list[ProductLinkData]


class LinkRequest(BaseModel):
    entity: ProductLinkData


@operations.read("/V1/products/links/types", resource=RESOURCE)
def link_types(ctx: OperationContext, params: dict[str, str]) -> list[LinkType]:
    """The link types."""
    return [LinkType(code=LINK_TYPES[name], name=name) for name in TYPE_ORDER]


@operations.read("/V1/products/links/{type}/attributes", resource=RESOURCE)
def link_attributes(ctx: OperationContext, params: dict[str, str]) -> list[LinkAttribute]:
    """What a link of the type carries besides its product: its position, and a grouped child's quantity."""
    kind = params["type"]
    if kind not in LINK_TYPES:
        return []  # Magento answers an unknown type with no attributes
    attributes = [LinkAttribute(code="position", type="int")]
    if kind == "associated":
        attributes.append(LinkAttribute(code="qty", type="decimal"))
    return attributes


@operations.read("/V1/products/{sku}/links/{type}", resource=RESOURCE)
def linked_items(ctx: OperationContext, params: dict[str, str]) -> list[ProductLinkData]:
    """The product's links of one type."""
    kind = params["type"]
    product = repository.get(ctx.conn, params["sku"])
    if kind not in LINK_TYPES:
        raise NotFoundError(UNKNOWN_TYPE, [kind])
    return [present_link(product.sku, link) for link in product.product_links if link.link_type == kind]


@operations.write("POST", "/V1/products/{sku}/links", resource=RESOURCE)
def set_links(ctx: OperationContext, params: dict[str, str], body: LinksRequest) -> bool:
    """Add the links to the product's (a link to a product it already links as that type is replaced)."""
    product = repository.get(ctx.conn, params["sku"])
    _save(ctx, product, [to_link(item) for item in body.items])
    return True


@operations.write("PUT", "/V1/products/{sku}/links", resource=RESOURCE)
def save_link(ctx: OperationContext, params: dict[str, str], body: LinkRequest) -> bool:
    """Add or update one link."""
    product = repository.get(ctx.conn, params["sku"])
    _save(ctx, product, [to_link(body.entity)])
    return True


@operations.write("DELETE", "/V1/products/{sku}/links/{type}/{linkedProductSku}", resource=RESOURCE)
def delete_link(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Remove one link."""
    sku, kind, linked = params["sku"], params["type"], params["linkedProductSku"]
    product = repository.get(ctx.conn, sku)
    if kind not in LINK_TYPES:
        raise NotFoundError(UNKNOWN_TYPE, [kind])
    kept = [link for link in product.product_links if not _same(link, kind, linked)]
    if len(kept) == len(product.product_links):
        raise NotFoundError(NOT_LINKED, [sku, linked, kind])
    _write(ctx, product.sku, kept)
    return True


def _save(ctx: OperationContext, product: ProductRecord, given: list[ProductLink]) -> None:
    """The product's links with ``given`` merged in: unknown types and products are Magento's 404s."""
    for link in given:
        if link.link_type not in LINK_TYPES:
            raise NotFoundError(TYPE_NOT_FOUND, [link.link_type])
    missing = [link.linked_product_sku for link in given if link.linked_product_sku]
    found = repository.ids_by_sku(ctx.conn, missing)
    if any(sku not in found for sku in missing) or not all(link.linked_product_sku for link in given):
        raise NotFoundError(NOT_FOUND)
    merged = {(link.link_type, link.linked_product_sku.casefold()): link for link in product.product_links}
    for link in given:
        merged[(link.link_type, link.linked_product_sku.casefold())] = link
    _write(ctx, product.sku, list(merged.values()))


def _write(ctx: OperationContext, sku: str, links: list[ProductLink]) -> None:
    repository.save(ctx.conn, ProductInput(sku=sku, product_links=links), events=ctx.events)


def _same(link: ProductLink, kind: str, linked: str) -> bool:
    return link.link_type == kind and link.linked_product_sku.casefold() == linked.casefold()
