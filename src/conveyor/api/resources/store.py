"""Magento's Store module: ``/V1/store/storeViews``, ``storeGroups``, ``websites`` and ``storeConfigs``.

A client reads these first (many check their login with ``GET /V1/store/websites``). The lists hold every row,
the admin scope (id 0) included, as Magento's repositories return them; ``storeConfigs`` leaves the admin store
out and reads the locale, currencies, weight unit and base URLs from the settings (``StoreSection``).
"""

from __future__ import annotations

from pydantic import BaseModel

from conveyor.api.operations import OperationContext, operations
from conveyor.catalog import stores
from conveyor.settings import StoreSection

RESOURCE = "Magento_Backend::store"
STORE_CODES = {
    "name": "storeCodes[]",
    "required": False,
    "schema": {"type": "array", "items": {"type": "string"}},
    "style": "form",
    "explode": True,
    "description": "Only these store views (Magento's `storeCodes[]=default&storeCodes[]=fr`).",
}


class Website(BaseModel):
    id: int
    code: str
    name: str
    default_group_id: int


class StoreGroup(BaseModel):
    id: int
    website_id: int
    root_category_id: int
    default_store_id: int
    name: str
    code: str


class StoreView(BaseModel):
    id: int
    code: str
    name: str
    website_id: int
    store_group_id: int
    is_active: int


class StoreConfig(BaseModel):
    id: int
    code: str
    website_id: int
    locale: str
    base_currency_code: str
    default_display_currency_code: str
    timezone: str
    weight_unit: str
    base_url: str
    base_link_url: str
    base_static_url: str
    base_media_url: str
    secure_base_url: str
    secure_base_link_url: str
    secure_base_static_url: str
    secure_base_media_url: str


@operations.read("/V1/store/storeViews", resource=RESOURCE)
def store_views(ctx: OperationContext, params: dict[str, str]) -> list[StoreView]:
    """Every store view, the admin store included."""
    return [StoreView(**row) for row in stores.views(ctx.conn)]


@operations.read("/V1/store/storeGroups", resource=RESOURCE)
def store_groups(ctx: OperationContext, params: dict[str, str]) -> list[StoreGroup]:
    """Every store group, the admin scope's ``default`` included."""
    return [StoreGroup(**row) for row in stores.groups(ctx.conn)]


@operations.read("/V1/store/websites", resource=RESOURCE)
def websites(ctx: OperationContext, params: dict[str, str]) -> list[Website]:
    """Every website, ``admin`` included."""
    return [Website(**row) for row in stores.websites(ctx.conn)]


@operations.read("/V1/store/storeConfigs", resource=RESOURCE, query=[STORE_CODES])
def store_configs(ctx: OperationContext, params: dict[str, str]) -> list[StoreConfig]:
    """The configuration of every store view (or of ``storeCodes[]``; unknown codes are left out)."""
    views = stores.views(ctx.conn, ctx.query_list("storeCodes"), with_admin=False)
    return [config(ctx.settings, view) for view in views]


def config(settings: StoreSection, view: dict[str, object]) -> StoreConfig:
    """One store view's configuration (the same for every view: Conveyor keeps one store configuration)."""
    base = _slashed(settings.store_base_url)
    secure = _slashed(settings.store_secure_base_url or base)
    return StoreConfig(
        id=int(str(view["id"])),
        code=str(view["code"]),
        website_id=int(str(view["website_id"])),
        locale=settings.store_locale,
        base_currency_code=settings.store_base_currency,
        default_display_currency_code=settings.display_currency,
        timezone=settings.store_timezone,
        weight_unit=settings.store_weight_unit,
        base_url=base,
        base_link_url=base,
        base_static_url=base + "static/",
        base_media_url=base + "media/",
        secure_base_url=secure,
        secure_base_link_url=secure,
        secure_base_static_url=secure + "static/",
        secure_base_media_url=secure + "media/",
    )


def _slashed(url: str) -> str:
    return url if url.endswith("/") else url + "/"
