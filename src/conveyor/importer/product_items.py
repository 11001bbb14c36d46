"""A product row once validated: typed values and relations, ready for the set-based writer.

Values that refer to option labels still to be created (dynamic options) hold a ``NewOption`` placeholder
until the batch's missing options exist; category paths still to be created are resolved the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from conveyor.catalog.eav import AttributeMeta
from conveyor.catalog.products import TierPrice
from conveyor.importer.base import SourceRow
from conveyor.importer.wire import compact_pickle


@dataclass(frozen=True, slots=True)
class NewOption:
    """An option label not yet in the store: created before the batch is written."""

    attribute_id: int
    code: str
    label: str


@compact_pickle
@dataclass(slots=True)
class GalleryImage:
    file: str
    label: str | None = None
    position: int | None = None
    hidden: bool = False


def _media_plan(images: list[GalleryImage], roles: dict[str, str]) -> MediaPlan:
    """A MediaPlan as unpickled: ``by_file`` is rebuilt rather than sent (it indexes ``images``)."""
    return MediaPlan(images, roles, {image.file: image for image in images})


@dataclass(slots=True)
class MediaPlan:
    """The images a row names at its store view, and which role (image, small_image …) each holds."""

    images: list[GalleryImage] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)  # role attribute code → file
    by_file: dict[str, GalleryImage] = field(default_factory=dict)

    def __reduce__(self) -> tuple[Any, ...]:
        return _media_plan, (self.images, self.roles)

    def image(self, file: str) -> GalleryImage:
        image = self.by_file.get(file)
        if image is None:
            image = self.by_file[file] = GalleryImage(file)
            self.images.append(image)
        return image


@compact_pickle
@dataclass(frozen=True, slots=True)
class SuperAttribute:
    meta: AttributeMeta
    label: str | None
    position: int


@compact_pickle
@dataclass(slots=True)
class Variants:
    children: list[str]
    attributes: list[SuperAttribute]


@compact_pickle
@dataclass(frozen=True, slots=True)
class Selection:
    sku: str
    qty: Decimal
    can_change_qty: bool
    price_type: int  # 0 fixed, 1 percent
    price: Decimal
    is_default: bool
    position: int


@compact_pickle
@dataclass(slots=True)
class BundleOptionPlan:
    title: str
    type: str
    required: bool
    position: int
    selections: list[Selection] = field(default_factory=list)


@compact_pickle
@dataclass(slots=True)
class SourceItemPlan:
    source_code: str
    quantity: Decimal | None
    status: int | None


@compact_pickle
@dataclass(slots=True)
class ProductItem:
    """One valid product row, by sku and store view."""

    row: SourceRow
    sku: str
    store_id: int
    type_id: str | None = None
    set_id: int | None = None
    values: dict[int, tuple[AttributeMeta, Any]] = field(default_factory=dict)  # None: remove the value
    websites: list[int] | None = None
    categories: list[tuple[tuple[str, ...], int | None]] | None = None  # name path, position
    category_ids: list[tuple[int, int | None]] | None = None
    stock: tuple[Decimal | None, bool | None] | None = None
    sources: list[SourceItemPlan] | None = None
    media: MediaPlan | None = None
    links: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # link type → (sku, position)
    variants: Variants | None = None
    grouped: list[tuple[str, Decimal | None, int]] | None = None
    bundle: list[BundleOptionPlan] | None = None
    tier_prices: list[TierPrice] | None = None
    entity_id: int | None = None
    is_new: bool = False
    pending: bool = False  # holds values that wait for new options (resolved and joined once they exist)
    cleared: list[int] | None = None  # attribute ids whose cell held the empty-value marker
    # a new product completed by the reading worker (its set's defaults, its url_key, its required values checked)
    # and its value rows formatted there for COPY, by backend type, with the id reserved for it (row.reserved_id)
    copied_values: dict[str, bytes] | None = None

    @property
    def is_default(self) -> bool:
        return self.store_id == 0

    @property
    def has_relations(self) -> bool:
        return bool(self.links) or self.variants is not None or self.grouped is not None or self.bundle is not None


__all__ = [
    "BundleOptionPlan",
    "GalleryImage",
    "MediaPlan",
    "NewOption",
    "ProductItem",
    "Selection",
    "SourceItemPlan",
    "SuperAttribute",
    "Variants",
]
