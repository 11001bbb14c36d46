"""A product's media gallery entries: Magento's ``/V1/products/{sku}/media`` routes
(ProductAttributeMediaGalleryManagementInterface).

A posted entry carries its image as ``content.base64_encoded_data``: it is checked and stored under the media
directory (``CONVEYOR_MEDIA_DIR``) at Magento's dispersion path, and the entry names that file. Every write saves
the product's whole gallery through ``ProductRepository`` (the roles an entry takes are taken from the others,
as Magento does), so it is checked and announced as any product save.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from conveyor.api.document import declares
from conveyor.api.operations import OperationContext, int_param, operations
from conveyor.api.resources.products import INVALID_CONTENT, MediaEntryData, present_media, repository, to_media, upload
from conveyor.catalog import InvalidValueError, MediaEntry, NotFoundError, ProductInput, ProductRecord

RESOURCE = "Magento_Catalog::catalog"
READ_RESOURCE = "Magento_Catalog::attributes_attributes"  # Magento's, for reading one entry
NO_IMAGE = "The image doesn't exist. Verify and try again."
NO_SUCH_ID = "No image with the provided ID was found. Verify the ID and try again."


class MediaEntryRequest(BaseModel):
    entry: MediaEntryData


class NewMediaEntryData(MediaEntryData):
    """A posted entry: its image comes with it ("The image content is invalid." without)."""

    model_config = ConfigDict(json_schema_extra=declares("content"))


class NewMediaEntryRequest(BaseModel):
    entry: NewMediaEntryData


@operations.read("/V1/products/{sku}/media", resource=RESOURCE)
def list_media(ctx: OperationContext, params: dict[str, str]) -> list[MediaEntryData]:
    """The product's gallery entries, by position."""
    product = repository.get(ctx.conn, params["sku"])
    return [present_media(entry) for entry in product.media_gallery_entries]


@operations.read("/V1/products/{sku}/media/{entryId}", resource=READ_RESOURCE)
def get_media(ctx: OperationContext, params: dict[str, str]) -> MediaEntryData:
    """One gallery entry."""
    entry_id = int_param(params, "entryId")
    product = repository.get(ctx.conn, params["sku"])
    for entry in product.media_gallery_entries:
        if entry.id == entry_id:
            return present_media(entry)
    raise NotFoundError(NO_IMAGE)


@operations.write("POST", "/V1/products/{sku}/media", resource=RESOURCE)
def create_media(ctx: OperationContext, params: dict[str, str], body: NewMediaEntryRequest) -> int:
    """Store the posted image and add its entry; the new entry's id."""
    if body.entry.content is None:
        raise InvalidValueError(INVALID_CONTENT)
    product = repository.get(ctx.conn, params["sku"])
    entry = to_media(upload(body.entry.model_copy(update={"id": None}), ctx.settings.media_dir))
    entries = _others(product, entry, None)
    _save(ctx, product, [*entries, entry])
    saved = repository.get(ctx.conn, product.sku)
    old = {e.id for e in product.media_gallery_entries}
    return next(int(e.id or 0) for e in saved.media_gallery_entries if e.id not in old)


@operations.write("PUT", "/V1/products/{sku}/media/{entryId}", resource=RESOURCE)
def update_media(ctx: OperationContext, params: dict[str, str], body: MediaEntryRequest) -> bool:
    """Change an entry's label, position, disabled flag, roles (and its image, when a file or content is given)."""
    entry_id = int_param(params, "entryId")
    product = repository.get(ctx.conn, params["sku"])
    current = next((e for e in product.media_gallery_entries if e.id == entry_id), None)
    if current is None:
        raise NotFoundError(NO_SUCH_ID)
    given = body.entry.model_copy(update={"id": entry_id, "file": body.entry.file or current.file})
    entry = to_media(upload(given, ctx.settings.media_dir))
    entries = _others(product, entry, entry_id)
    _save(ctx, product, [entry if e.id == entry_id else e for e in entries])
    return True


@operations.write("DELETE", "/V1/products/{sku}/media/{entryId}", resource=RESOURCE)
def delete_media(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Remove an entry (its file stays, as Magento's does)."""
    entry_id = int_param(params, "entryId")
    product = repository.get(ctx.conn, params["sku"])
    kept = [e for e in product.media_gallery_entries if e.id != entry_id]
    if len(kept) == len(product.media_gallery_entries):
        raise NotFoundError(NO_SUCH_ID)
    _save(ctx, product, kept)
    return True


def _others(product: ProductRecord, entry: MediaEntry, entry_id: int | None) -> list[MediaEntry]:
    """The product's entries, each without the roles ``entry`` takes (a role has one holder)."""
    taken = set(entry.types)
    entries = []
    for other in product.media_gallery_entries:
        if other.id != entry_id:
            other.types = [role for role in other.types if role not in taken]
        entries.append(other)
    return entries


def _save(ctx: OperationContext, product: ProductRecord, entries: list[MediaEntry]) -> None:
    repository.save(ctx.conn, ProductInput(sku=product.sku, media_gallery_entries=entries), events=ctx.events)
