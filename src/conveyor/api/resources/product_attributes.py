"""Product and category attributes: Magento's ``/V1/products/attributes…`` and ``/V1/categories/attributes…``.

The payload is Magento's ``ProductAttributeInterface`` key by key, with its types: the catalog flags Magento
declares as strings (``is_searchable`` …) come back as ``"0"``/``"1"``, the others as booleans, and
``entity_type_id`` as a string. A select attribute's ``options`` begin with Magento's blank entry. Creating
takes the backend type and source model from the input type (as Magento's repository does, whatever the body
says); an update merges, and never changes the code, the input type or whether the attribute is a system one.

The writes are ``operations.write``, served asynchronously and in bulk too
(``async.V1.products.attributes.POST``, ``async.V1.products.attributes.byAttributeCode.PUT`` …).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from conveyor.api.document import NON_BLANK, WS, declares, pattern
from conveyor.api.errors import INVALID, REQUIRED, ApiError
from conveyor.api.operations import OperationContext, int_param, operations
from conveyor.api.search import SearchCriteria, SearchResults, results, search_rows
from conveyor.catalog.eav import (
    ATTRIBUTE_FIELDS,
    CATEGORY_ENTITY_TYPE_ID,
    CODE_TAKEN,
    INPUT_TYPES,
    INVALID_VALUE,
    LABEL_TAKEN_ADD,
    LABEL_TAKEN_UPDATE,
    NO_OPTIONS,
    PRODUCT_ENTITY_TYPE_ID,
    SCOPE_NAMES,
    SYSTEM_ATTRIBUTE,
    AttributeInput,
    AttributeMeta,
    AttributeOption,
    AttributeRecord,
    AttributeRepository,
    add_option,
    attribute_code_of,
    attribute_meta,
    attribute_query,
    code_from_label,
    delete_option,
    load_attributes,
    media_attribute_codes,
    offered_options,
    offered_options_of,
    update_option,
)
from conveyor.catalog.products import PRODUCT_TYPES

RESOURCE = "Magento_Catalog::attributes_attributes"
TABLE_SOURCE = "Magento\\Eav\\Model\\Entity\\Attribute\\Source\\Table"
MAX_INT = 2**31 - 1
# Catalog flags Magento's interface types as strings ("0"/"1") and as booleans.
STRING_FLAGS = (
    "is_searchable",
    "is_visible_in_advanced_search",
    "is_comparable",
    "is_used_for_promo_rules",
    "is_visible_on_front",
    "used_in_product_listing",
)
BOOL_FLAGS = (
    "is_wysiwyg_enabled",
    "is_html_allowed_on_front",
    "used_for_sort_by",
    "is_filterable",
    "is_filterable_in_search",
    "is_used_in_grid",
    "is_visible_in_grid",
    "is_filterable_in_grid",
    "is_visible",
)
OPTION_INPUTS = ("select", "multiselect", "swatch_visual", "swatch_text")
CREATABLE_INPUTS = frozenset(code for code, _ in INPUT_TYPES) | {"weight"}

attributes = AttributeRepository()


def _flag(value: Any) -> Any:
    """Magento takes flags as booleans, 0/1 or their text."""
    if isinstance(value, str) and value.strip().lower() in ("0", "1", "true", "false", ""):
        return value.strip().lower() in ("1", "true")
    return value


Flag = Annotated[bool, BeforeValidator(_flag)]
StoreId = Annotated[int, Field(ge=0, le=65535)]
Position = Annotated[int, Field(ge=-MAX_INT, le=MAX_INT)]
Text = Annotated[str, Field(max_length=255)]


# --- payloads ----------------------------------------------------------------------------------------------------
class AttributeFrontendLabel(BaseModel):
    store_id: StoreId
    label: Text


class AttributeOptionData(BaseModel):
    """Magento's ``AttributeOptionInterface`` as sent (``value`` is an option id, or a client's placeholder)."""

    label: Text | None = None
    value: str | int | None = None
    sort_order: Position | None = None
    is_default: Flag | None = None
    store_labels: list[AttributeFrontendLabel] | None = None


class AttributeOptionView(BaseModel):
    label: str
    value: str


class NewAttributeOptionData(AttributeOptionData):
    """An option added or relabelled: its admin label is required and not blank ("The attribute option label is
    empty.")."""

    model_config = ConfigDict(json_schema_extra=declares("label"))

    label: Annotated[str | None, Field(max_length=255, json_schema_extra=pattern(NON_BLANK))] = None


class AttributeOptionRequest(BaseModel):
    option: NewAttributeOptionData


class ProductAttributeData(BaseModel):
    """Magento's attribute payload as sent; read-only keys (ids, backend type, source model …) are accepted and
    ignored, as Magento's repository ignores them."""

    attribute_id: int | None = None
    attribute_code: str | None = None
    frontend_input: str | None = None
    entity_type_id: str | int | None = None
    is_required: Flag | None = None
    options: list[AttributeOptionData] | None = None
    is_user_defined: Flag | None = None
    default_frontend_label: Text | None = None
    frontend_labels: list[AttributeFrontendLabel] | None = None
    note: Text | None = None
    backend_type: str | None = None
    backend_model: str | None = None
    source_model: str | None = None
    default_value: str | int | float | None = None
    is_unique: Flag | None = None
    frontend_class: Text | None = None
    validation_rules: list[Any] | None = None
    scope: str | None = None
    apply_to: list[str] | str | None = None
    position: Position | None = None
    is_wysiwyg_enabled: Flag | None = None
    is_html_allowed_on_front: Flag | None = None
    used_for_sort_by: Flag | None = None
    is_filterable: Flag | None = None
    is_filterable_in_search: Flag | None = None
    is_used_in_grid: Flag | None = None
    is_visible_in_grid: Flag | None = None
    is_filterable_in_grid: Flag | None = None
    is_searchable: Flag | None = None
    is_visible_in_advanced_search: Flag | None = None
    is_comparable: Flag | None = None
    is_used_for_promo_rules: Flag | None = None
    is_visible_on_front: Flag | None = None
    used_in_product_listing: Flag | None = None
    is_visible: Flag | None = None
    extension_attributes: dict[str, Any] | None = None
    custom_attributes: list[Any] | None = None


class ProductAttributeRequest(BaseModel):
    attribute: ProductAttributeData


# What a create checks (``_input``, ``validate_code``, ``scope_number``), for the document: a label for the admin (the
# default label, else the store-0 one; one to make the code from when no code is sent), a code as Magento's rule, a
# creatable input type, a known scope, known product types, options labelled (a blank one with no value is
# Magento's empty first entry, skipped). With ``attribute_id`` the request updates that attribute: no label needed.
_BLANK = "^[" + WS + "]*(?![\\s\\S])"
_TYPES = "(?:" + "|".join(PRODUCT_TYPES) + ")?"
_APPLY_TO = "[" + WS + "]*" + _TYPES + "[" + WS + "]*"
NEW_ATTRIBUTE_RULES: dict[str, Any] = {
    "anyOf": [
        {"required": ["attribute_id"]},
        {
            "required": ["default_frontend_label"],
            "properties": {"default_frontend_label": {"type": "string", "pattern": NON_BLANK}},
        },
        {
            "required": ["attribute_code", "default_frontend_label"],
            "properties": {"default_frontend_label": {"type": "string", "minLength": 1}},
        },
        {
            "required": ["attribute_code", "frontend_labels"],
            "properties": {
                "frontend_labels": {
                    "type": "array",
                    "contains": {
                        "type": "object",
                        "properties": {"store_id": {"const": 0}, "label": {"type": "string", "minLength": 1}},
                    },
                }
            },
        },
    ]
}
NEW_ATTRIBUTE_FIELDS: dict[str, dict[str, Any]] = {
    "attribute_code": {"type": "string", "pattern": "^[a-zA-Z][a-zA-Z0-9_]{0,59}(?![\\s\\S])"},
    "frontend_input": {"enum": sorted(CREATABLE_INPUTS)},
    "scope": {"enum": sorted(SCOPE_NAMES.values())},
    "apply_to": {
        "anyOf": [
            {"type": "string", "pattern": "^" + _APPLY_TO + "(?:," + _APPLY_TO + ")*(?![\\s\\S])"},
            {"type": "array", "items": {"type": "string", "pattern": "^" + _APPLY_TO + "(?![\\s\\S])"}},
        ]
    },
}
LABELLED_OPTION = {
    "anyOf": [
        {"required": ["label"], "properties": {"label": {"type": "string", "pattern": NON_BLANK}}},
        {
            "properties": {
                "label": {"anyOf": [{"type": "null"}, {"type": "string", "pattern": _BLANK}]},
                "value": {"anyOf": [{"type": "null"}, {"const": ""}]},
            }
        },
    ]
}


def _new_attribute_rules(schema: dict[str, Any]) -> None:
    properties = schema["properties"]
    for name, rule in NEW_ATTRIBUTE_FIELDS.items():
        properties[name] = {"anyOf": [rule, {"type": "null"}]}
    for kind in properties["options"]["anyOf"]:  # list[AttributeOptionData] | None: each item labelled
        if kind.get("type") == "array":
            kind["items"] = {**kind["items"], **LABELLED_OPTION}
    schema.update(NEW_ATTRIBUTE_RULES)


class NewProductAttributeData(ProductAttributeData):
    """``POST /V1/products/attributes``' attribute: created (or, with ``attribute_id``, updated)."""

    model_config = ConfigDict(json_schema_extra=_new_attribute_rules)


class NewProductAttributeRequest(BaseModel):
    attribute: NewProductAttributeData


class ProductAttribute(BaseModel):
    """Magento's ``ProductAttributeInterface`` as it answers (key order and types as Magento's)."""

    is_wysiwyg_enabled: bool
    is_html_allowed_on_front: bool
    used_for_sort_by: bool
    is_filterable: bool
    is_filterable_in_search: bool
    is_used_in_grid: bool
    is_visible_in_grid: bool
    is_filterable_in_grid: bool
    position: int
    apply_to: list[str]
    is_searchable: str
    is_visible_in_advanced_search: str
    is_comparable: str
    is_used_for_promo_rules: str
    is_visible_on_front: str
    used_in_product_listing: str
    is_visible: bool
    scope: str
    attribute_id: int
    attribute_code: str
    frontend_input: str | None = None
    entity_type_id: str
    is_required: bool
    options: list[AttributeOptionView]
    is_user_defined: bool
    default_frontend_label: str | None = None
    frontend_labels: list[AttributeFrontendLabel]
    note: str | None = None
    backend_type: str
    source_model: str | None = None
    default_value: str | None = None
    is_unique: str
    frontend_class: str | None = None
    validation_rules: list[Any] = []


class ProductAttributeType(BaseModel):
    value: str
    label: str


# --- product attributes ----------------------------------------------------------------------------------------
@operations.read("/V1/products/attributes/types", resource=RESOURCE)
def list_types(ctx: OperationContext, params: dict[str, str]) -> list[ProductAttributeType]:
    """The input types a product attribute can have."""
    return [ProductAttributeType(value=value, label=label) for value, label in INPUT_TYPES]


@operations.search("/V1/products/attributes", resource=RESOURCE)
def search_product_attributes(
    ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria
) -> SearchResults[ProductAttribute]:
    """Product attributes matching searchCriteria (fields: attribute_code, frontend_input, is_user_defined,
    is_required, is_filterable … every column of the payload)."""
    return _search(ctx, criteria, PRODUCT_ENTITY_TYPE_ID)


@operations.read("/V1/products/attributes/{attributeCode}", resource=RESOURCE)
def get_product_attribute(ctx: OperationContext, params: dict[str, str]) -> ProductAttribute:
    """One product attribute with its options and labels."""
    return _get(ctx, params["attributeCode"], PRODUCT_ENTITY_TYPE_ID)


@operations.read("/V1/products/attributes/{attributeCode}/is-filterable", resource=RESOURCE)
def get_is_filterable(ctx: OperationContext, params: dict[str, str]) -> bool:
    """Whether the attribute is used in layered navigation."""
    record = attributes.get(ctx.conn, params["attributeCode"], PRODUCT_ENTITY_TYPE_ID)
    return bool(record.properties.get("is_filterable"))


@operations.write(
    "PUT",
    "/V1/products/attributes/{attributeCode}/is-filterable/{isFilterable}",
    resource=RESOURCE,
    params={
        "isFilterable": {
            "type": "string",
            "pattern": "^[" + WS + "]*(0|1|[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])[" + WS + "]*$",
        }
    },
)
def set_is_filterable(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Use the attribute in layered navigation, or not; answers the flag set."""
    text = params["isFilterable"].strip().lower()
    if text not in ("0", "1", "true", "false"):
        raise ApiError(400, INVALID, [params["isFilterable"], "isFilterable"])
    flag = text in ("1", "true")
    code = params["attributeCode"]
    attributes.get(ctx.conn, code, PRODUCT_ENTITY_TYPE_ID)
    attributes.save(ctx.conn, AttributeInput(attribute_code=code, properties={"is_filterable": int(flag)}))
    return flag


# a code that exists already (given, or made from the label) is Magento's 400, and so is a label for a store view that
# does not exist (``check_store_ids``): the store's to say
@operations.write("POST", "/V1/products/attributes", resource=RESOURCE, refuses={400: [CODE_TAKEN, INVALID_VALUE]})
def create_product_attribute(
    ctx: OperationContext, params: dict[str, str], body: NewProductAttributeRequest
) -> ProductAttribute:
    """Create a product attribute (with ``attribute_id``: update that one, as Magento's save does); the code is
    made from the label when not given."""
    data = body.attribute
    if data.attribute_id is not None:
        code = _code_of_id(ctx, data.attribute_id)
        _update(ctx, code, data)
    else:
        code = data.attribute_code or _generated_code(data)
        attributes.create(ctx.conn, _input(data, code, new=True))
    return _get(ctx, code, PRODUCT_ENTITY_TYPE_ID)


@operations.write("PUT", "/V1/products/attributes/{attributeCode}", resource=RESOURCE)
def update_product_attribute(
    ctx: OperationContext, params: dict[str, str], body: ProductAttributeRequest
) -> ProductAttribute:
    """Merge the given fields into the attribute named by the path (its code and input type stay)."""
    code = params["attributeCode"]
    _update(ctx, code, body.attribute)
    return _get(ctx, code, PRODUCT_ENTITY_TYPE_ID)


# Magento refuses to delete a system attribute with a 400 (a StateException): whether the code names one is the
# store's to say, so the document lists the message under 400
@operations.write(
    "DELETE", "/V1/products/attributes/{attributeCode}", resource=RESOURCE, refuses={400: [SYSTEM_ATTRIBUTE]}
)
def delete_product_attribute(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Delete a user-defined attribute with its options and values; system attributes stay."""
    attributes.delete(ctx.conn, params["attributeCode"], PRODUCT_ENTITY_TYPE_ID)
    return True


# --- options -----------------------------------------------------------------------------------------------------
@operations.read("/V1/products/attributes/{attributeCode}/options", resource=RESOURCE)
def get_product_options(ctx: OperationContext, params: dict[str, str]) -> list[AttributeOptionView]:
    """The attribute's options, labelled for the path's store view."""
    return _options(ctx, params["attributeCode"], PRODUCT_ENTITY_TYPE_ID)


# Magento's OptionManagement answers 400 (StateException, InputException) when the attribute named exists but takes
# no options, or the label is another option's already, or a store label names a store view that does not exist: all
# depend on what is stored, not on the request
@operations.write(
    "POST",
    "/V1/products/attributes/{attributeCode}/options",
    resource=RESOURCE,
    refuses={400: [NO_OPTIONS, LABEL_TAKEN_ADD, INVALID_VALUE]},
)
def add_product_option(ctx: OperationContext, params: dict[str, str], body: AttributeOptionRequest) -> str:
    """Add an option (admin label unique within the attribute); answers its id as text."""
    option = body.option
    option_id = add_option(
        ctx.conn,
        params["attributeCode"],
        option.label,
        sort_order=option.sort_order,
        is_default=bool(option.is_default),
        store_labels=_store_labels(option),
    )
    return str(option_id)


@operations.write(
    "PUT",
    "/V1/products/attributes/{attributeCode}/options/{optionId}",
    resource=RESOURCE,
    params={"optionId": {"type": "integer", "minimum": 1, "maximum": MAX_INT}},  # 0: "The option id is empty."
    refuses={400: [NO_OPTIONS, LABEL_TAKEN_UPDATE, INVALID_VALUE]},
)
def update_product_option(ctx: OperationContext, params: dict[str, str], body: AttributeOptionRequest) -> bool:
    """Relabel an option; its id, and so the products that use it, stay."""
    option = body.option
    update_option(
        ctx.conn,
        params["attributeCode"],
        int_param(params, "optionId"),
        option.label,
        sort_order=option.sort_order,
        is_default=bool(option.is_default),
        store_labels=_store_labels(option),
    )
    return True


@operations.write(
    "DELETE",
    "/V1/products/attributes/{attributeCode}/options/{optionId}",
    resource=RESOURCE,
    refuses={400: [NO_OPTIONS]},
)
def delete_product_option(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Delete an option."""
    delete_option(ctx.conn, params["attributeCode"], int_param(params, "optionId"))
    return True


# --- media types and category attributes -----------------------------------------------------------------------
@operations.read("/V1/products/media/types/{attributeSetName}", resource=RESOURCE)
def list_media_types(ctx: OperationContext, params: dict[str, str]) -> list[ProductAttribute]:
    """The media image attributes (image roles) of the product attribute set with that name."""
    codes = media_attribute_codes(ctx.conn, params["attributeSetName"])
    return [present(r, []) for r in attributes.get_many(ctx.conn, codes)]


@operations.search("/V1/categories/attributes", resource=RESOURCE)
def search_category_attributes(
    ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria
) -> SearchResults[ProductAttribute]:
    """Category attributes matching searchCriteria."""
    return _search(ctx, criteria, CATEGORY_ENTITY_TYPE_ID)


@operations.read("/V1/categories/attributes/{attributeCode}", resource=RESOURCE)
def get_category_attribute(ctx: OperationContext, params: dict[str, str]) -> ProductAttribute:
    """One category attribute."""
    return _get(ctx, params["attributeCode"], CATEGORY_ENTITY_TYPE_ID)


@operations.read("/V1/categories/attributes/{attributeCode}/options", resource=RESOURCE)
def get_category_options(ctx: OperationContext, params: dict[str, str]) -> list[AttributeOptionView]:
    """A category attribute's options."""
    return _options(ctx, params["attributeCode"], CATEGORY_ENTITY_TYPE_ID)


# --- helpers -----------------------------------------------------------------------------------------------------
def present(record: AttributeRecord, options: list[AttributeOptionView]) -> ProductAttribute:
    """The stored attribute in Magento's payload terms."""
    props = record.properties
    uses_table = record.frontend_input in OPTION_INPUTS
    source = props.get("source_model") or (TABLE_SOURCE if uses_table else None)
    flags: dict[str, Any] = {name: bool(props.get(name)) for name in BOOL_FLAGS}
    flags.update({name: "1" if props.get(name) else "0" for name in STRING_FLAGS})
    return ProductAttribute(
        **flags,
        position=int(props.get("position") or 0),
        apply_to=record.apply_to,
        scope=record.scope,
        attribute_id=record.attribute_id,
        attribute_code=record.attribute_code,
        frontend_input=record.frontend_input,
        entity_type_id=str(record.entity_type_id),
        is_required=record.is_required,
        options=options,
        is_user_defined=record.is_user_defined,
        default_frontend_label=record.default_frontend_label,
        frontend_labels=[
            AttributeFrontendLabel(store_id=s, label=v) for s, v in sorted(record.frontend_labels.items())
        ],
        note=props.get("note"),
        backend_type=record.backend_type,
        source_model=source,
        default_value=record.default_value,
        is_unique="1" if record.is_unique else "0",
        frontend_class=props.get("frontend_class"),
    )


def present_all(ctx: OperationContext, records: list[AttributeRecord], entity_type: int) -> list[ProductAttribute]:
    """Records in Magento's payload, options labelled for the request's store view (a handful of statements)."""
    metas = load_attributes(ctx.conn, entity_type)
    wanted = [metas[r.attribute_code] for r in records if r.attribute_code in metas]
    offered = offered_options_of(ctx.conn, wanted, ctx.store.store_id)
    return [
        present(r, [AttributeOptionView(label=o.label, value=o.value) for o in offered.get(r.attribute_code, [])])
        for r in records
    ]


def _get(ctx: OperationContext, code: str, entity_type: int) -> ProductAttribute:
    record = attributes.get(ctx.conn, code, entity_type)
    return present(record, _option_views(ctx, record))


def _option_views(ctx: OperationContext, record: AttributeRecord) -> list[AttributeOptionView]:
    return _options(ctx, record.attribute_code, record.entity_type_id)


def _options(ctx: OperationContext, code: str, entity_type: int) -> list[AttributeOptionView]:
    return _views(ctx, attribute_meta(ctx.conn, code, entity_type))


def _views(ctx: OperationContext, meta: AttributeMeta) -> list[AttributeOptionView]:
    """The attribute's options as Magento lists them, labelled for the request's store view."""
    return [
        AttributeOptionView(label=o.label, value=o.value) for o in offered_options(ctx.conn, meta, ctx.store.store_id)
    ]


def _search(ctx: OperationContext, criteria: SearchCriteria, entity_type: int) -> SearchResults[ProductAttribute]:
    rows, total = search_rows(
        ctx.conn, attribute_query(entity_type), criteria, ATTRIBUTE_FIELDS, tiebreak=ATTRIBUTE_FIELDS["attribute_id"]
    )
    items = present_all(
        ctx, attributes.get_many(ctx.conn, [row.attribute_code for row in rows], entity_type), entity_type
    )
    return SearchResults[ProductAttribute](**results(items, criteria, total))


def _code_of_id(ctx: OperationContext, attribute_id: int) -> str:
    code = attribute_code_of(ctx.conn, attribute_id, PRODUCT_ENTITY_TYPE_ID)
    if code is None:
        raise ApiError(404, "No such entity with %1 = %2", ["attribute_id", str(attribute_id)])
    return code


def _update(ctx: OperationContext, code: str, data: ProductAttributeData) -> None:
    """Merge ``data`` into the stored attribute. Options sent are added or relabelled, never removed by being
    left out (a client sends back what it read, blank entry included); attributes whose options come from a
    source model keep them."""
    stored = attributes.get(ctx.conn, code, PRODUCT_ENTITY_TYPE_ID)
    change = _input(data, code, new=False)
    own_options = stored.frontend_input in OPTION_INPUTS and not stored.properties.get("source_model")
    if change.options is not None and not own_options:
        change.options = None
    elif change.options is not None:
        by_id = {o.value: o for o in stored.options}
        by_label = {o.label.lower(): o for o in stored.options}
        top = max((o.sort_order for o in stored.options), default=0)
        sent = [o for o in data.options or [] if not _blank(o)]
        for given, option in zip(sent, change.options, strict=True):
            if given.sort_order is None:  # read back without an order: keep its place, or come last
                match = by_id.get(option.value) or by_label.get(option.label.lower())
                top += match is None
                option.sort_order = match.sort_order if match is not None else top
        ids = {o.value for o in change.options if o.value is not None}
        labels = {o.label.lower() for o in change.options}
        change.options += [o for o in stored.options if o.value not in ids and o.label.lower() not in labels]
    attributes.save(ctx.conn, change)


def _generated_code(data: ProductAttributeData) -> str:
    label = data.default_frontend_label or next((item.label for item in data.frontend_labels or []), "")
    if not label.strip():
        raise ApiError(400, REQUIRED, ["frontend_label"])
    return code_from_label(label)


def _input(data: ProductAttributeData, code: str, *, new: bool) -> AttributeInput:
    """The domain's attribute input: on create the input type decides the storage; an update merges."""
    labels = {item.store_id: item.label for item in data.frontend_labels or []}
    # the admin label: the default one, else a store 0 label that is not empty (as the document's ``contains``
    # says: the last store 0 entry, when empty, was taken and refused)
    admin = (item.label for item in data.frontend_labels or [] if item.store_id == 0 and item.label)
    default_label = data.default_frontend_label or next(admin, None)
    labels.pop(0, None)
    if new:
        if not default_label:
            raise ApiError(400, REQUIRED, ["frontend_label"])
        if data.frontend_input is not None and data.frontend_input not in CREATABLE_INPUTS:
            raise ApiError(400, INVALID, [data.frontend_input, "frontend_input"])
    properties: dict[str, Any] = {
        name: getattr(data, name) for name in (*BOOL_FLAGS, *STRING_FLAGS) if getattr(data, name) is not None
    }
    if "is_filterable" in properties:
        properties["is_filterable"] = int(properties["is_filterable"])
    for name in ("note", "frontend_class", "position"):
        if getattr(data, name) is not None:
            properties[name] = getattr(data, name)
    apply_to = data.apply_to.split(",") if isinstance(data.apply_to, str) else data.apply_to
    unknown = [t for t in apply_to or [] if t.strip() and t.strip() not in PRODUCT_TYPES]
    if unknown:
        raise ApiError(400, INVALID, [unknown[0], "apply_to"])
    return AttributeInput(
        attribute_code=code,
        frontend_input=data.frontend_input if new else None,
        default_frontend_label=default_label,
        frontend_labels=labels if data.frontend_labels is not None else None,
        scope=data.scope,
        is_required=data.is_required,
        is_unique=data.is_unique,
        default_value=None if data.default_value is None else str(data.default_value),
        apply_to=[t.strip() for t in apply_to if t.strip()] if apply_to is not None else None,
        options=None if data.options is None else [_option(o) for o in data.options if not _blank(o)],
        properties=properties,
    )


def _option(data: AttributeOptionData) -> AttributeOption:
    value = str(data.value) if data.value is not None else ""
    return AttributeOption(
        label=(data.label or "").strip(),
        value=int(value) if value.isascii() and value.isdigit() and len(value) <= 10 else None,
        sort_order=data.sort_order or 0,
        is_default=bool(data.is_default),
        store_labels={s: text for s, text in _store_labels(data).items() if s != 0},
    )


def _blank(option: AttributeOptionData) -> bool:
    """Magento's empty first entry of a select's options ({"label": " ", "value": ""}), as read back."""
    return not (option.label or "").strip() and option.value in (None, "")


def _store_labels(option: AttributeOptionData) -> dict[int, str]:
    return {item.store_id: item.label for item in option.store_labels or []}
