"""Categories: Magento's ``/V1/categories`` routes and payloads over ``CategoryRepository``.

The tree (``GET /V1/categories``), one category, the list search, create, update, move and delete. Store scope
follows the products' rule (``products.write_store_id``): reads see the path's store view, updates through a
named store view save overrides of that view; a new category's values are its defaults.

The writes are ``operations.write``, so they also exist asynchronously and in bulk (topics
``async.V1.categories.POST``, ``async.V1.categories.byId.PUT``, ``async.V1.categories.byCategoryId.DELETE``
and ``async.V1.categories.byCategoryId.move.PUT``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from conveyor.api.document import NON_BLANK, declares, pattern
from conveyor.api.errors import INVALID, ApiError
from conveyor.api.operations import OperationContext, int_param, operations
from conveyor.api.resources.configurable import TextId
from conveyor.api.resources.products import CustomAttribute, as_text, write_store_id
from conveyor.api.search import SearchCriteria, SearchResults, results, search_rows
from conveyor.catalog import CategoryInput, CategoryRecord, CategoryRepository, NotFoundError
from conveyor.catalog.categories import (
    ROOT_CATEGORY_ID,
    CategoryTreeNode,
    assigned_products,
    category_table,
    category_values,
    link_product,
    store_root_category_id,
    unlink_product,
)
from conveyor.catalog.eav import CATEGORY_ENTITY_TYPE_ID, Scopes, load_attributes, scoped_value
from conveyor.catalog.products import ids_by_sku, skus_by_id

RESOURCE = "Magento_Catalog::categories"
NO_SUCH_ENTITY = "No such entity with %1 = %2"
PRODUCT_NOT_FOUND = "The product that was requested doesn't exist. Verify the product and try again."
MAX_INT = 2**31 - 1

repository = CategoryRepository()
C = category_table

Id = Annotated[int, Field(ge=0, le=MAX_INT)]
Position = Annotated[int, Field(ge=-MAX_INT, le=MAX_INT)]


class CategoryData(BaseModel):
    """Magento's category payload; read-only fields (id on PUT, level, path, children …) are ignored when sent."""

    id: Id | None = None
    parent_id: Id | None = None
    name: Annotated[str | None, Field(max_length=255, json_schema_extra=pattern(NON_BLANK))] = None
    is_active: bool | None = None
    position: Position | None = None
    level: int | None = None
    children: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    path: str | None = None
    available_sort_by: list[str] | None = None
    include_in_menu: bool | None = None
    extension_attributes: dict[str, Any] | None = None
    custom_attributes: list[CustomAttribute] | None = None


class NewCategoryData(CategoryData):
    """A category to create needs its name; with an ``id`` the POST updates that category instead."""

    # a name given, not null ("The "name" attribute value is empty" otherwise), unless the id names a category
    model_config = ConfigDict(
        json_schema_extra=declares(
            anyOf=[{"required": ["id"]}, {"required": ["name"], "properties": {"name": {"type": "string"}}}]
        )
    )


class CategorySaveRequest(BaseModel):
    category: CategoryData


class CategoryCreateRequest(BaseModel):
    category: NewCategoryData


class CategoryMoveRequest(BaseModel):
    parentId: Id  # noqa: N815  (Magento's names)
    afterId: Id | None = None  # noqa: N815  (None: last among the new siblings, 0: first)


class CategoryProductLink(BaseModel):
    """Magento's ``CategoryProductLinkInterface`` (``category_id`` is text in Magento's answers)."""

    sku: Annotated[str, Field(min_length=1, max_length=64)]
    position: Position | None = None
    category_id: TextId = None  # ASCII digits (or such a number), as the path's category id


class CategoryLinkRequest(BaseModel):
    productLink: CategoryProductLink  # noqa: N815  (Magento's name)


class CategoryTree(BaseModel):
    """Magento's tree node: the category and its children, by position."""

    id: int
    parent_id: int
    name: str | None = None
    is_active: bool
    position: int
    level: int
    product_count: int
    children_data: list[CategoryTree] = []


@operations.read("/V1/categories", resource=RESOURCE)
def get_tree(ctx: OperationContext, params: dict[str, str]) -> CategoryTree:
    """The category tree: from ``rootCategoryId`` (default: the store's root; Root Catalog for ``/rest/all``),
    ``depth`` levels deep (default: all)."""
    query = ctx.query
    root = _optional_int(query, "rootCategoryId")
    if root is None:
        root = ROOT_CATEGORY_ID if ctx.store.is_admin else store_root_category_id(ctx.conn, ctx.store.store_id)
    depth = _optional_int(query, "depth")
    return _tree(repository.tree(ctx.conn, root, depth, ctx.store.store_id))


@operations.search("/V1/categories/list", resource=RESOURCE)
def search_categories(
    ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria
) -> SearchResults[CategoryData]:
    """Categories matching searchCriteria (fields: id, parent_id, path, position, level, children_count,
    created_at, updated_at and every category attribute code, e.g. name, is_active, url_key)."""
    store_id = ctx.store.store_id
    rows, total = search_rows(
        ctx.conn, sa.select(C.c.entity_id), criteria, _fields(ctx.conn, store_id), tiebreak=C.c.entity_id
    )
    records = repository.get_many(ctx.conn, [row.entity_id for row in rows], store_id)
    return SearchResults[CategoryData](**results([present(r) for r in records], criteria, total))


@operations.read("/V1/categories/{categoryId}", resource=RESOURCE)
def get_category(ctx: OperationContext, params: dict[str, str]) -> CategoryData:
    """One category as the path's store view sees it (or the store view of the ``storeId`` query parameter, as
    Magento's ``get($categoryId, $storeId)``)."""
    store_id = _optional_int(ctx.query, "storeId")
    if store_id is None:
        store_id = ctx.store.store_id
    else:
        Scopes.load(ctx.conn).check_store(store_id)
    return present(repository.get(ctx.conn, category_id_param(params, "categoryId"), store_id))


@operations.write("POST", "/V1/categories", resource=RESOURCE)
def create_category(ctx: OperationContext, params: dict[str, str], body: CategoryCreateRequest) -> CategoryData:
    """Create a category under ``parent_id`` (default: Default Category), last among its siblings unless
    ``position`` is given; with ``category.id``, update that category as Magento's save does."""
    data = body.category
    if data.id is not None:
        repository.update(ctx.conn, data.id, to_input(data), write_store_id(ctx))
        category_id = data.id
    else:
        category_id = repository.create(ctx.conn, to_input(data))
    return present(repository.get(ctx.conn, category_id, ctx.store.store_id))


@operations.write("PUT", "/V1/categories/{id}", resource=RESOURCE)
def update_category(ctx: OperationContext, params: dict[str, str], body: CategorySaveRequest) -> CategoryData:
    """Merge the given fields into the category (a new ``parent_id`` moves it, last among its new siblings)."""
    category_id = category_id_param(params, "id")
    repository.update(ctx.conn, category_id, to_input(body.category), write_store_id(ctx))
    return present(repository.get(ctx.conn, category_id, ctx.store.store_id))


@operations.write("PUT", "/V1/categories/{categoryId}/move", resource=RESOURCE)
def move_category(ctx: OperationContext, params: dict[str, str], body: CategoryMoveRequest) -> bool:
    """Move the category with its subtree under ``parentId``, after the sibling ``afterId``."""
    repository.move(ctx.conn, category_id_param(params, "categoryId"), body.parentId, body.afterId)
    return True


@operations.write("DELETE", "/V1/categories/{categoryId}", resource=RESOURCE)
def delete_category(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Delete the category and its subtree (product assignments go with them); Root Catalog stays."""
    repository.delete(ctx.conn, category_id_param(params, "categoryId"))
    return True


# --- product links -----------------------------------------------------------------------------------------------
@operations.read("/V1/categories/{categoryId}/products", resource=RESOURCE)
def get_assigned_products(ctx: OperationContext, params: dict[str, str]) -> list[CategoryProductLink]:
    """The category's products with their positions."""
    category_id = category_id_param(params, "categoryId")
    links = assigned_products(ctx.conn, category_id)
    skus = skus_by_id(ctx.conn, [product_id for product_id, _ in links])
    return [
        CategoryProductLink(sku=skus[product_id], position=position, category_id=str(category_id))
        for product_id, position in links
        if product_id in skus
    ]


@operations.write("POST", "/V1/categories/{categoryId}/products", resource=RESOURCE)
def assign_product(ctx: OperationContext, params: dict[str, str], body: CategoryLinkRequest) -> bool:
    """Assign a product to the category at a position (Magento reads the category from ``productLink``)."""
    return _save_link(ctx, params, body.productLink)


@operations.write("PUT", "/V1/categories/{categoryId}/products", resource=RESOURCE)
def update_product_link(ctx: OperationContext, params: dict[str, str], body: CategoryLinkRequest) -> bool:
    """Assign a product, or move it to another position in the category."""
    return _save_link(ctx, params, body.productLink)


@operations.write("DELETE", "/V1/categories/{categoryId}/products/{sku}", resource=RESOURCE)
def remove_product(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Take the product out of the category."""
    category_id = category_id_param(params, "categoryId")
    unlink_product(ctx.conn, category_id, _product_id(ctx, params["sku"]))
    return True


def _save_link(ctx: OperationContext, params: Mapping[str, str], link: CategoryProductLink) -> bool:
    if link.category_id not in (None, ""):
        category_id = category_id_param({"category_id": str(link.category_id)}, "category_id")
    else:
        category_id = category_id_param(params, "categoryId")
    link_product(ctx.conn, category_id, _product_id(ctx, link.sku), link.position or 0)
    return True


def _product_id(ctx: OperationContext, sku: str) -> int:
    found = ids_by_sku(ctx.conn, [sku]).get(sku)
    if found is None:
        raise NotFoundError(PRODUCT_NOT_FOUND)
    return found


# --- helpers ---------------------------------------------------------------------------------------------------
def category_id_param(params: Mapping[str, str], name: str) -> int:
    """A category id from the path: not a number is a 400, a number no category can have is a 404."""
    category_id = int_param(params, name)
    if not 0 <= category_id <= MAX_INT:
        raise NotFoundError(NO_SUCH_ENTITY, ["id", str(category_id)])
    return category_id


def to_input(data: CategoryData) -> CategoryInput:
    return CategoryInput(
        name=data.name,
        parent_id=data.parent_id,
        is_active=data.is_active,
        include_in_menu=data.include_in_menu,
        position=data.position,
        custom_attributes={item.attribute_code: item.value for item in data.custom_attributes or []},
    )


def present(record: CategoryRecord) -> CategoryData:
    """Magento's payload: url_key, url_path, is_anchor, path and children_count among the custom attributes."""
    custom = {
        **record.custom_attributes,
        "url_key": record.url_key,
        "url_path": record.url_path,
        "is_anchor": record.is_anchor,
        "path": record.path,
        "children_count": record.children_count,
    }
    return CategoryData(
        id=record.id,
        parent_id=record.parent_id,
        name=record.name,
        is_active=record.is_active,
        position=record.position,
        level=record.level,
        children=",".join(map(str, record.children)),
        created_at=record.created_at,
        updated_at=record.updated_at,
        path=record.path,
        available_sort_by=[],
        include_in_menu=record.include_in_menu,
        custom_attributes=[
            CustomAttribute(attribute_code=code, value=as_text(value))
            for code, value in custom.items()
            if value is not None
        ],
    )


def _tree(node: CategoryTreeNode) -> CategoryTree:
    return CategoryTree(
        id=node.id,
        parent_id=node.parent_id,
        name=node.name,
        is_active=node.is_active,
        position=node.position,
        level=node.level,
        product_count=node.product_count,
        children_data=[_tree(child) for child in node.children_data],
    )


def _fields(conn: Connection, store_id: int) -> dict[str, ColumnElement[Any]]:
    fields: dict[str, ColumnElement[Any]] = {
        "id": C.c.entity_id,
        "entity_id": C.c.entity_id,
        "parent_id": C.c.parent_id,
        "path": C.c.path,
        "position": C.c.position,
        "level": C.c.level,
        "children_count": C.c.children_count,
        "created_at": C.c.created_at,
        "updated_at": C.c.updated_at,
    }
    for code, meta in load_attributes(conn, CATEGORY_ENTITY_TYPE_ID).items():
        if meta.backend_type != "static" and code not in fields:
            fields[code] = scoped_value(category_values[meta.backend_type], C.c.entity_id, meta.attribute_id, store_id)
    return fields


def _optional_int(query: Mapping[str, str], name: str) -> int | None:
    text = query.get(name)
    if text is None or text == "":
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 10 or int(text) > MAX_INT:
        raise ApiError(400, INVALID, [text, name])
    return int(text)
