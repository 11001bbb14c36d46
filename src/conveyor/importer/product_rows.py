"""Reading one product row: every cell checked and typed against the cached lookups, every problem reported
with its column. Nothing here queries the database; what cannot be decided from the caches (does a
referenced sku exist? is the product new?) is decided for the whole batch by the importer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from conveyor.catalog.eav import SCOPE_GLOBAL, AttributeMeta
from conveyor.catalog.products import ALL_GROUPS, BUNDLE_OPTION_TYPES, PRODUCT_TYPES, TierPrice
from conveyor.importer.base import ImportContext, SourceRow
from conveyor.importer.changes import fold
from conveyor.importer.lookups import CategoryTree, Options, Stores
from conveyor.importer.product_columns import (
    ALIASES,
    LABELS,
    LINK_COLUMNS,
    LINK_POSITIONS,
    ROLE_COLUMNS,
    ROLE_LABELS,
    ROLE_POSITIONS,
    SPECIAL_COLUMNS,
    STATUS_DISABLED,
    STATUS_ENABLED,
    STOCK_SETTINGS,
    USE_CONFIG,
)
from conveyor.importer.product_items import (
    BundleOptionPlan,
    MediaPlan,
    NewOption,
    ProductItem,
    Selection,
    SourceItemPlan,
    SuperAttribute,
    Variants,
)
from conveyor.importer.report import RowError
from conveyor.importer.values import (
    ParseError,
    parse_additional_attributes,
    parse_associated,
    parse_bundle_values,
    parse_category_paths,
    parse_pairs,
    parse_positions,
    parse_source_items,
    parse_tier_prices,
    parse_variations,
    split_list,
    split_positional,
)

Convert = Callable[[str], Any]
Plan = tuple[AttributeMeta, Convert, dict[str, Any] | None]
_SELECT_INPUTS = ("select", "swatch_visual", "swatch_text")
_MEMO_SIZE = 50_000  # results remembered per converter / parser (bounded: memory stays flat on big files)
_MISSING = object()
_TYPES = ", ".join(PRODUCT_TYPES)  # named in the error of a type Conveyor has not


@dataclass(slots=True)
class Lookups:
    """What reading a product row consults (loaded once per import by the importer)."""

    attributes: dict[str, AttributeMeta]
    sets: dict[str, int]  # folded set name → id
    options: Options
    stores: Stores
    categories: CategoryTree
    groups: dict[str, int]  # folded customer group code → id
    sources: set[str]


class RowReader:
    """Turns SourceRows into ProductItems (or RowErrors), with per-column converters built once per header."""

    def __init__(self, context: ImportContext, lookups: Lookups) -> None:
        self.context = context
        self.profile = context.profile
        self.lookups = lookups
        self.parsers = context.profile.parsers
        self.values = context.profile.values
        self._plans: dict[str, Plan | None] = {}
        self._pairs_memo: dict[str, dict[str, str]] = {}
        # tier price cells repeat their price points across products; the parsed prices are shared (read only)
        self._tier_prices_memo: dict[str, list[TierPrice]] = {}
        self._paths_memo: dict[str, list[tuple[str, ...]]] = {}
        self._websites_memo: dict[str, tuple[list[int], list[str]]] = {}
        self.missing_options: dict[tuple[int, str], NewOption] = {}

    # -- columns --------------------------------------------------------------------------------------------

    def check_header(self, columns: Sequence[str], file: str) -> None:
        steps = self.profile.steps
        ignored = [c for c in columns if c not in SPECIAL_COLUMNS and self._plan(c) is None]
        if ignored:
            self.context.warn(f"{file}: columns that are not product attributes are ignored: {', '.join(ignored)}")
        settings = [c for c in columns if c in STOCK_SETTINGS]
        if settings and steps.stock:
            self.context.warn(
                f"{file}: stock configuration columns are not stored (quantity and status per source are): "
                + ", ".join(settings)
            )
        switched = [
            name
            for name, on, columns_of_step in (
                ("media", steps.media, {"base_image", "additional_images"}),
                ("links", steps.links, set(LINK_COLUMNS.values())),
                ("variants", steps.variants, {"configurable_variations"}),
                ("grouped", steps.grouped, {"associated_skus"}),
                ("bundles", steps.bundles, {"bundle_values"}),
                ("stock", steps.stock, {"qty", "is_in_stock"}),
                ("tier_prices", steps.tier_prices, {"tier_prices"}),
                ("categories", steps.categories, {"categories"}),
            )
            if not on and columns_of_step & set(columns)
        ]
        if switched:
            self.context.warn(
                f"{file}: steps switched off by the profile, their columns ignored: {', '.join(switched)}"
            )

    def clearable(self, column: str, store_view: bool) -> bool:
        """Attribute columns: the empty-value marker removes their stored value (``_value``). Not the global
        ones in a store-view row: its empty cell says nothing about the product's one value."""
        plan = self._plan(column)
        return plan is not None and not (store_view and plan[0].scope == SCOPE_GLOBAL)

    def _plan(self, column: str) -> Plan | None:
        """How a column that names an attribute is read (None: not an attribute, or a column of its own)."""
        if column in self._plans:
            return self._plans[column]
        code = ALIASES.get(column, column)
        meta = self.lookups.attributes.get(code)
        plan: Plan | None = None
        if meta is not None and meta.backend_type != "static" and column not in SPECIAL_COLUMNS:
            convert = self._converter(meta)
            # files repeat their option labels, flags, prices and dates thousands of times: results are
            # remembered (text attributes are passed through and not remembered)
            memo: dict[str, Any] | None = None if convert is str or convert is _varchar else {}
            plan = (meta, convert, memo)
        self._plans[column] = plan
        return plan

    def _convert(self, plan: Plan, text: str) -> Any:
        _, convert, memo = plan
        if memo is None:
            return convert(text)
        found = memo.get(text, _MISSING)
        if found is _MISSING:
            found = convert(text)
            if len(memo) < _MEMO_SIZE and not isinstance(found, (NewOption, list)):
                memo[text] = found  # placeholders of options still to be created are not remembered
        return found

    def _converter(self, meta: AttributeMeta) -> Convert:
        parsers = self.parsers
        code = meta.code
        if code == "status":
            return lambda text: _status(text, parsers.boolean)
        if code == "tax_class_id":
            classes = {fold(name): number for name, number in self.profile.tax_classes.items()}
            return lambda text: _labelled(text, classes, "tax class")
        if code in LABELS:
            labels = dict(LABELS[code])
            return lambda text: _labelled(text, labels, code)
        if meta.frontend_input == "boolean":
            as_text = meta.backend_type != "int"

            def boolean(text: str) -> Any:
                if text.strip().lower() == USE_CONFIG:
                    return None
                flag = parsers.boolean(text)
                return ("1" if flag else "0") if as_text else int(flag)

            return boolean
        if meta.uses_options and meta.frontend_input == "multiselect":
            separator = self.values.multiple_value_separator

            def multiselect(text: str) -> Any:
                ids = list(dict.fromkeys(self._option(meta, label) for label in split_list(text, separator)))
                if not ids:
                    return None
                if any(isinstance(i, NewOption) for i in ids):
                    return ids  # joined once the new options exist
                return ",".join(str(i) for i in ids)

            return multiselect
        if meta.uses_options:
            return lambda text: self._option(meta, text.strip())
        backend = meta.backend_type
        if backend == "int":
            return parsers.integer
        if backend == "decimal":
            if meta.frontend_input in ("price", "weight"):
                return lambda text: _non_negative(parsers.decimal(text))
            return parsers.decimal
        if backend == "datetime":
            return parsers.datetime
        if meta.frontend_input == "multiselect":
            separator = self.values.multiple_value_separator
            return lambda text: ",".join(split_list(text, separator)) or None
        if backend == "varchar":
            return _varchar
        return str

    def _option(self, meta: AttributeMeta, label: str) -> int | NewOption:
        found = self.lookups.options.find(meta.attribute_id, label)
        if found is not None:
            return found
        if label.isdigit() and int(label) in self.lookups.options.by_attribute.get(meta.attribute_id, {}).values():
            return int(label)  # an option id
        if not self.profile.steps.create_options:
            raise ParseError(f'"{label}" is not an option of "{meta.code}".')
        key = (meta.attribute_id, fold(label))
        return self.missing_options.setdefault(key, NewOption(meta.attribute_id, meta.code, label))

    # -- rows -------------------------------------------------------------------------------------------------

    def read(self, row: SourceRow) -> ProductItem | list[RowError]:
        """The row as a ProductItem, or every problem it has."""
        errors: list[RowError] = []
        values = row.values
        sku = values.get("sku", "").strip()
        if not sku:
            return [row.error("sku", "The sku is empty.")]
        if len(sku) > 64:
            return [row.error("sku", "The sku is longer than 64 characters.")]
        store_code = values.get("store_view_code", "")
        store_id = self.lookups.stores.store_id(store_code)
        if store_id is None:
            return [row.error("store_view_code", f'The store view "{store_code}" does not exist.')]
        row.store_id = store_id
        item = ProductItem(row=row, sku=sku, store_id=store_id)
        if store_id == 0:
            type_id = values.get("product_type", "").strip()
            if type_id:
                if type_id not in PRODUCT_TYPES:
                    errors.append(
                        row.error("product_type", f'"{type_id}" is not a product type Conveyor has ({_TYPES}).')
                    )
                item.type_id = type_id
            set_name = values.get("attribute_set_code", "").strip()
            if set_name:
                item.set_id = self.lookups.sets.get(fold(set_name))
                if item.set_id is None:
                    errors.append(row.error("attribute_set_code", f'The attribute set "{set_name}" does not exist.'))
        empty = self.values.empty_value
        plans = self._plans
        for column, text in values.items():
            plan = plans[column] if column in plans else self._plan(column)
            if plan is not None:
                self._value(item, plan, text, column, empty, errors)
        additional = values.get("additional_attributes")
        if additional:
            self._additional(item, additional, errors)
        steps = self.profile.steps
        for step, on, read in (
            ("websites", steps.websites, self._websites),
            ("categories", steps.categories, self._categories),
            ("stock", steps.stock, self._stock),
            ("media", steps.media, self._media),
            ("links", steps.links, self._links),
            ("variants", steps.variants, self._variants),
            ("grouped", steps.grouped, self._grouped),
            ("bundles", steps.bundles, self._bundle),
            ("tier_prices", steps.tier_prices, self._tier_prices),
        ):
            if on and (store_id == 0 or step in ("media",)):
                read(item, errors)
        return errors or item

    def _value(self, item: ProductItem, plan: Plan, text: str, column: str, empty: str, errors: list[RowError]) -> None:
        meta = plan[0]
        if text == empty:
            item.values[meta.attribute_id] = (meta, None)
            if item.cleared is None:
                item.cleared = []
            item.cleared.append(meta.attribute_id)
            return
        try:
            value = self._convert(plan, text)
        except ParseError as error:
            errors.append(item.row.error(column, f"{meta.code}: {error}"))
            return
        item.values[meta.attribute_id] = (meta, value)
        if type(value) is list or isinstance(value, NewOption):
            item.pending = True

    def _additional(self, item: ProductItem, text: str, errors: list[RowError]) -> None:
        column = "additional_attributes"
        pairs = self._pairs_memo.get(text)
        if pairs is None:
            try:
                pairs = parse_additional_attributes(text, self.values.multiple_field_separator)
            except ParseError as error:
                errors.append(item.row.error(column, str(error)))
                return
            if len(self._pairs_memo) < _MEMO_SIZE:
                self._pairs_memo[text] = pairs
        empty = self.values.empty_value
        for code, raw in pairs.items():
            plan = self._plan(code)
            if plan is None:
                if self.profile.unknown_attributes == "error":
                    errors.append(item.row.error(column, f'The attribute "{code}" does not exist.'))
                else:
                    self.context.warn(f'additional_attributes: "{code}" is not a product attribute; ignored')
                continue
            if raw == "" and not self.profile.clean_up.empty_values:
                continue
            self._value(item, plan, raw if raw != "" else empty, column, empty, errors)

    # -- relations and the rest -------------------------------------------------------------------------------

    def _websites(self, item: ProductItem, errors: list[RowError]) -> None:
        text = item.row.values.get("product_websites")
        if text is None:
            return
        found = self._websites_memo.get(text)
        if found is None:
            ids: list[int] = []
            unknown: list[str] = []
            for code in split_list(text, self.values.multiple_field_separator):
                website_id = self.lookups.stores.website_id(code)
                if website_id is None or website_id == 0:
                    unknown.append(code)
                elif website_id not in ids:
                    ids.append(website_id)
            found = (ids, unknown)
            if len(self._websites_memo) < _MEMO_SIZE:
                self._websites_memo[text] = found
        for code in found[1]:
            errors.append(item.row.error("product_websites", f'The website "{code}" does not exist.'))
        item.websites = list(found[0])

    def _categories(self, item: ProductItem, errors: list[RowError]) -> None:
        text = item.row.values.get("categories")
        if text is None:
            return
        try:
            paths = self._paths_memo.get(text)
            if paths is None:
                paths = parse_category_paths(
                    text, self.values.multiple_field_separator, self.values.category_path_separator
                )
                if len(self._paths_memo) < _MEMO_SIZE:
                    self._paths_memo[text] = paths
            positions = parse_positions(item.row.values.get("categories_position", ""))
        except ParseError as error:
            errors.append(item.row.error("categories", str(error)))
            return
        tree = self.lookups.categories
        item.categories = []
        for index, segments in enumerate(paths):
            if tree.find(segments) is None:
                shown = self.values.category_path_separator.join(segments)
                if not tree.root_exists(segments):
                    errors.append(item.row.error("categories", f'The category path "{shown}" has no root category.'))
                    continue
                if not self.profile.steps.create_categories:
                    errors.append(item.row.error("categories", f'The category "{shown}" does not exist.'))
                    continue
            position = positions[index] if index < len(positions) else None
            item.categories.append((segments, position))

    def _stock(self, item: ProductItem, errors: list[RowError]) -> None:
        values = item.row.values
        qty: Decimal | None = None
        in_stock: bool | None = None
        try:
            if "qty" in values:
                qty = self.parsers.decimal(values["qty"])
        except ParseError as error:
            errors.append(item.row.error("qty", str(error)))
        try:
            if "is_in_stock" in values:
                in_stock = self.parsers.boolean(values["is_in_stock"])
        except ParseError as error:
            errors.append(item.row.error("is_in_stock", str(error)))
        if qty is not None or in_stock is not None:
            item.stock = (qty, in_stock)
        text = values.get("inventory_source_items")
        if text:
            try:
                item.sources = [self._source_item(record) for record in parse_source_items(text)]
            except ParseError as error:
                errors.append(item.row.error("inventory_source_items", str(error)))

    def _source_item(self, record: Mapping[str, str]) -> SourceItemPlan:
        code = record["source_code"]
        if code not in self.lookups.sources:
            raise ParseError(f'The source "{code}" does not exist.')
        quantity = self.parsers.decimal(record["quantity"]) if record.get("quantity") else None
        status = None
        if record.get("status"):
            status = int(self.parsers.boolean(record["status"]))
        return SourceItemPlan(code, quantity, status)

    def _media(self, item: ProductItem, errors: list[RowError]) -> None:
        values = item.row.values
        separator = self.values.multiple_field_separator
        plan = MediaPlan()
        try:
            labelled: set[str] = set()
            for column, role in ROLE_COLUMNS.items():
                file = values.get(column, "").strip()
                if not file:
                    continue
                image = plan.image(file)
                plan.roles[role] = file
                meta = self.lookups.attributes.get(role)
                if meta is not None:
                    item.values[meta.attribute_id] = (meta, file)
                label = values.get(ROLE_LABELS[column])
                if label and file not in labelled:  # the first role's label names the image
                    image.label = label
                    labelled.add(file)
                position = values.get(ROLE_POSITIONS[column])
                if position and image.position is None:
                    image.position = _position(position)
            files = split_list(values.get("additional_images", ""), separator)
            labels = split_positional(values.get("additional_image_labels", ""), separator)
            positions = parse_positions(values.get("additional_image_positions", ""), separator)
            for index, file in enumerate(files):
                image = plan.image(file)
                if index < len(labels) and labels[index] and file not in labelled:
                    image.label = labels[index]
                if index < len(positions) and positions[index] is not None:
                    image.position = positions[index]
            for column in ("hide_from_product_page", "disabled_images"):
                for file in split_list(values.get(column, ""), separator):
                    plan.image(file).hidden = True
        except ParseError as error:
            errors.append(item.row.error("additional_image_positions", str(error)))
            return
        for image in plan.images:
            if len(image.file) > 255:
                errors.append(item.row.error("additional_images", "An image path is longer than 255 characters."))
                return
        if plan.images:
            item.media = plan

    def _links(self, item: ProductItem, errors: list[RowError]) -> None:
        separator = self.values.multiple_field_separator
        for link_type, column in LINK_COLUMNS.items():
            if column not in item.row.values:
                continue
            skus = split_list(item.row.values[column], separator)
            try:
                positions = parse_positions(item.row.values.get(LINK_POSITIONS[link_type], ""), separator)
            except ParseError as error:
                errors.append(item.row.error(LINK_POSITIONS[link_type], str(error)))
                continue
            links: list[tuple[str, int]] = []
            for index, sku in enumerate(skus):
                given = positions[index] if index < len(positions) else None
                links.append((sku, index + 1 if given is None else given))
            item.links[link_type] = links

    def _variants(self, item: ProductItem, errors: list[RowError]) -> None:
        values = item.row.values
        text = values.get("configurable_variations")
        if text is None:
            return
        column = "configurable_variations"
        try:
            variations = parse_variations(
                text, self.values.multiple_value_separator, self.values.multiple_field_separator
            )
            labels = parse_pairs(values.get("configurable_variation_labels", ""), self.values.multiple_field_separator)
            positions = parse_pairs(
                values.get("configurable_variations_position", ""), self.values.multiple_field_separator
            )
        except ParseError as error:
            errors.append(item.row.error(column, str(error)))
            return
        codes: list[str] = []
        for _, pairs in variations:
            for code in pairs:
                if code not in codes:
                    codes.append(code)
        supers: list[SuperAttribute] = []
        for index, code in enumerate(codes):
            meta = self.lookups.attributes.get(code)
            if meta is None:
                errors.append(item.row.error(column, f'The attribute "{code}" does not exist.'))
                continue
            if meta.frontend_input not in _SELECT_INPUTS or meta.scope != SCOPE_GLOBAL:
                errors.append(item.row.error(column, f'"{code}" is not a global select attribute.'))
                continue
            try:
                position = int(positions[code]) if code in positions else index
            except ValueError:
                errors.append(
                    item.row.error("configurable_variations_position", f'"{positions[code]}" is not a number.')
                )
                continue
            supers.append(SuperAttribute(meta, labels.get(code) or None, position))
            for _, pairs in variations:  # the labels the children use must be options (or be created)
                if pairs.get(code):
                    try:
                        self._option(meta, pairs[code])
                    except ParseError as error:
                        errors.append(item.row.error(column, str(error)))
        children = list(dict.fromkeys(sku for sku, _ in variations))
        item.variants = Variants(children, supers)

    def _grouped(self, item: ProductItem, errors: list[RowError]) -> None:
        text = item.row.values.get("associated_skus")
        if text is None:
            return
        try:
            children = parse_associated(text, self.values.multiple_field_separator)
            positions = parse_positions(
                item.row.values.get("associated_position", ""), self.values.multiple_field_separator
            )
            grouped = []
            for index, (sku, qty) in enumerate(children):
                given = positions[index] if index < len(positions) else None
                amount = self.parsers.decimal(qty) if qty else None
                grouped.append((sku, amount, index + 1 if given is None else given))
        except ParseError as error:
            errors.append(item.row.error("associated_skus", str(error)))
            return
        item.grouped = grouped

    def _bundle(self, item: ProductItem, errors: list[RowError]) -> None:
        text = item.row.values.get("bundle_values")
        if text is None:
            return
        column = "bundle_values"
        try:
            selections = parse_bundle_values(
                text, self.values.multiple_value_separator, self.values.multiple_field_separator
            )
            option_positions = parse_pairs(item.row.values.get("bundle_values_position", ""))
            options: dict[str, BundleOptionPlan] = {}
            for data in selections:
                name = data["name"]
                option = options.get(name)
                if option is None:
                    kind = data.get("type", "select")
                    if kind not in BUNDLE_OPTION_TYPES:
                        raise ParseError(f'"{kind}" is not a bundle option type.')
                    position = option_positions.get(name)
                    option = BundleOptionPlan(
                        title=name,
                        type=kind,
                        required=self.parsers.boolean(data.get("required", "1")),
                        position=int(position) if position else len(options) + 1,
                    )
                    options[name] = option
                price_type = data.get("price_type", "fixed").lower()
                if price_type not in ("fixed", "percent"):
                    raise ParseError(f'"{price_type}" is not fixed or percent.')
                at = data.get("selection_position") or data.get("position") or str(len(option.selections) + 1)
                option.selections.append(
                    Selection(
                        sku=data["sku"],
                        qty=self.parsers.decimal(data.get("default_qty") or "1"),
                        can_change_qty=self.parsers.boolean(data.get("can_change_qty") or "0"),
                        price_type=0 if price_type == "fixed" else 1,
                        price=self.parsers.decimal(data.get("price") or "0"),
                        is_default=self.parsers.boolean(data.get("default") or "0"),
                        position=int(at),
                    )
                )
        except (ParseError, ValueError) as error:
            errors.append(item.row.error(column, str(error)))
            return
        item.bundle = list(options.values())

    def _tier_prices(self, item: ProductItem, errors: list[RowError]) -> None:
        text = item.row.values.get("tier_prices")
        if text is None:
            return
        known = self._tier_prices_memo.get(text)
        if known is not None:
            item.tier_prices = list(known)
            return
        try:
            prices = []
            seen: set[tuple[int, int, Decimal]] = set()
            for record in parse_tier_prices(text):
                prices.append(self._tier_price(record))
                price = prices[-1]
                key = (price.website_id, price.customer_group_id, Decimal(str(price.qty)))
                if key in seen:
                    raise ParseError("The same website, customer group and quantity are given twice.")
                seen.add(key)
        except ParseError as error:
            errors.append(item.row.error("tier_prices", str(error)))
            return
        item.tier_prices = prices
        if len(self._tier_prices_memo) < _MEMO_SIZE:
            self._tier_prices_memo[text] = list(prices)

    def _tier_price(self, record: Mapping[str, str]) -> TierPrice:
        qty = self.parsers.decimal(record["qty"])
        if qty <= 0:
            raise ParseError(f'"{record["qty"]}" is not a quantity.')
        price = self.parsers.decimal(record["price"])
        kind = record.get("value_type", "fixed").strip().lower()
        website = record.get("website", "All Websites").strip()
        group = record.get("customer_group", "ALL GROUPS").strip()
        return tier_price(self.lookups.stores, self.lookups.groups, qty, price, kind, website, group)


def tier_price(
    stores: Stores, groups: Mapping[str, int], qty: Decimal, price: Decimal, kind: str, website: str, group: str
) -> TierPrice:
    """A TierPrice from Magento's advanced-pricing words ("All Websites", "ALL GROUPS", fixed / discount)."""
    if kind not in ("fixed", "discount", "percent"):
        raise ParseError(f'"{kind}" is not fixed or discount.')
    if price < 0 or (kind != "fixed" and not 0 < price <= 100):
        raise ParseError(f'"{price}" is not a valid {"price" if kind == "fixed" else "discount"}.')
    website_id = 0 if fold(website) in ("all websites", "all") else stores.website_id(website)
    if website_id is None:
        raise ParseError(f'The website "{website}" does not exist.')
    if fold(group) in ("all groups", "all"):
        group_id = ALL_GROUPS
    else:
        found = groups.get(fold(group))
        if found is None:
            raise ParseError(f'The customer group "{group}" does not exist.')
        group_id = found
    if kind == "fixed":
        return TierPrice(qty=qty, value=price, customer_group_id=group_id, website_id=website_id)
    return TierPrice(qty=qty, percentage_value=price, customer_group_id=group_id, website_id=website_id)


def _status(text: str, boolean: Callable[[str], bool]) -> int:
    if text.strip() == "2":
        return STATUS_DISABLED
    return STATUS_ENABLED if boolean(text) else STATUS_DISABLED


def _labelled(text: str, labels: Mapping[str, int | str], what: str) -> int | str:
    value = text.strip()
    found = labels.get(value.lower())
    if found is not None:
        return found
    if value.isdigit() and int(value) in labels.values():
        return int(value)
    if value in labels.values():
        return value
    raise ParseError(f'"{text}" is not a {what} ({", ".join(str(k) for k in labels)}).')


def _non_negative(number: Decimal) -> Decimal:
    if number < 0:
        raise ParseError(f'"{number}" is negative.')
    return number


def _varchar(text: str) -> str:
    if len(text) > 255:
        raise ParseError("The value is longer than 255 characters.")
    return text


def _position(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ParseError(f'"{text}" is not a whole number.') from None


__all__ = ["Lookups", "RowReader", "tier_price"]
