"""A product's websites: Magento's ``/V1/products/{sku}/websites`` routes (ProductWebsiteLinkRepositoryInterface).

Assigning and unassigning go through ``ProductRepository`` with the product's whole website list, so the website
is checked and the save announced as any product save.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from conveyor.api.operations import OperationContext, int_param, operations
from conveyor.api.resources.products import repository
from conveyor.catalog import CatalogError, InvalidValueError, ProductInput

RESOURCE = "Magento_Catalog::products"
MAX_SMALL = 2**15 - 1
COULD_NOT_ASSIGN = 'Could not assign product "%1" to websites "%2"'
COULD_NOT_SAVE = 'Could not save product "%1" with websites %2'


class ProductWebsiteLink(BaseModel):
    sku: str
    website_id: int = Field(ge=0, le=MAX_SMALL)


class WebsiteLinkRequest(BaseModel):
    productWebsiteLink: ProductWebsiteLink  # noqa: N815  (Magento's name)


@operations.write("POST", "/V1/products/{sku}/websites", resource=RESOURCE)
def assign_website(ctx: OperationContext, params: dict[str, str], body: WebsiteLinkRequest) -> bool:
    """Put the product on the website (the link's sku names the product, as in Magento)."""
    return _assign(ctx, body.productWebsiteLink)


@operations.write("PUT", "/V1/products/{sku}/websites", resource=RESOURCE)
def update_website(ctx: OperationContext, params: dict[str, str], body: WebsiteLinkRequest) -> bool:
    """The same as POST: Magento's ``save`` either way."""
    return _assign(ctx, body.productWebsiteLink)


@operations.write("DELETE", "/V1/products/{sku}/websites/{websiteId}", resource=RESOURCE)
def unassign_website(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Take the product off the website (a website it is not on is no error)."""
    website_id = int_param(params, "websiteId")
    product = repository.get(ctx.conn, params["sku"])
    kept = [w for w in product.website_ids if w != website_id]
    try:
        repository.save(ctx.conn, ProductInput(sku=product.sku, website_ids=kept), events=ctx.events)
    except CatalogError as exc:
        raise InvalidValueError(COULD_NOT_SAVE, [str(product.id), str(website_id)]) from exc
    return True


def _assign(ctx: OperationContext, link: ProductWebsiteLink) -> bool:
    product = repository.get(ctx.conn, link.sku)
    wanted = [*product.website_ids, link.website_id]
    try:
        repository.save(ctx.conn, ProductInput(sku=product.sku, website_ids=wanted), events=ctx.events)
    except CatalogError as exc:
        raise InvalidValueError(COULD_NOT_ASSIGN, [str(product.id), str(link.website_id)]) from exc
    return True
