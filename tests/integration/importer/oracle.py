"""An independent reading of Magento product and category files, to check a store against them field by field.

Deliberately written apart from the importer (csv.DictReader, plain string handling) so that a mistake in
the importer's parsing is not repeated here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog import AttributeRepository, CategoryRepository, ProductRecord, ProductRepository
from conveyor.catalog.eav import attribute_set_table
from conveyor.catalog.stores import store_table

VISIBILITY = {"Not Visible Individually": 1, "Catalog": 2, "Search": 3, "Catalog, Search": 4}
DATES = {"special_price_from_date": "special_from_date", "new_from_date": "news_from_date"}
DATES.update({"custom_design_from": "custom_design_from", "special_price_to_date": "special_to_date"})
PLAIN = {"url_key": "url_key", "meta_title": "meta_title", "description": "description"}
PRICES = {"special_price": "special_price", "msrp_price": "msrp"}
ROLES = {"base_image": "image", "small_image": "small_image", "thumbnail_image": "thumbnail"}
LINKS = {"related": "related", "crosssell": "crosssell", "upsell": "upsell"}
BUNDLE_FLAGS = {"bundle_price_type": "price_type", "bundle_sku_type": "sku_type", "bundle_weight_type": "weight_type"}
# Category columns → the attribute they hold, and Magento's display mode labels → stored values.
CATEGORY_VALUES = {"image_path": "image", "description": "description", "meta_title": "meta_title"}
CATEGORY_VALUES.update({"meta_keywords": "meta_keywords", "meta_description": "meta_description"})
CATEGORY_VALUES.update({"page_layout": "page_layout", "custom_layout_update": "custom_layout_update"})
DISPLAY_MODES = {
    "Static block only": "PAGE",
    "Products only": "PRODUCTS",
    "Static block and products": "PRODUCTS_AND_PAGE",
}


def date_text(value: str) -> str:
    return datetime.strptime(value, "%m/%d/%y, %I:%M %p").strftime("%Y-%m-%d %H:%M:%S")


class Oracle:
    """Compares stored products with the rows of a product bunch; ``problems`` lists every difference."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.repo = ProductRepository()
        self.labels: dict[str, dict[int, str]] = {}
        self.inputs: dict[str, str] = {}
        for record in AttributeRepository().get_list(conn):
            self.inputs[record.attribute_code] = record.frontend_input or ""
            self.labels[record.attribute_code] = {int(o.value or 0): o.label for o in record.options}
        self.sets = dict(
            conn.execute(
                sa.select(attribute_set_table.c.attribute_set_name, attribute_set_table.c.attribute_set_id)
            ).all()
        )
        self.stores = dict(conn.execute(sa.select(store_table.c.code, store_table.c.store_id)).all())
        self.categories: dict[str, int | None] = {}
        self.problems: list[str] = []

    def category(self, path: str) -> int | None:
        if path not in self.categories:
            self.categories[path] = CategoryRepository().id_by_path(self.conn, path)
        return self.categories[path]

    def fail(self, row: dict[str, str], what: str, expected: Any, actual: Any) -> None:
        self.problems.append(f"{row['sku']}@{row.get('store_view_code') or 'admin'} {what}: {expected!r} != {actual!r}")

    def check(self, rows: Sequence[dict[str, str]], exact: bool = False) -> list[str]:
        """Check every default row, then every store-view row (``exact``: no value beyond the row's)."""
        defaults = [r for r in rows if not r["store_view_code"]]
        for start in range(0, len(defaults), 500):
            part = defaults[start : start + 500]
            found = {p.sku: p for p in self.repo.get_many(self.conn, [r["sku"] for r in part])}
            for row in part:
                product = found.get(row["sku"])
                if product is None:
                    self.fail(row, "exists", True, False)
                    continue
                self.check_default(row, product, exact)
        for row in rows:
            if row.get("store_view_code", ""):
                product = self.repo.get(self.conn, row["sku"], self.stores[row.get("store_view_code", "")])
                self.check_store_view(row, product)
        return self.problems

    def check_default(self, row: dict[str, str], p: ProductRecord, exact: bool) -> None:
        attrs = p.custom_attributes
        if p.type_id != row.get("product_type", ""):
            self.fail(row, "type", row.get("product_type", ""), p.type_id)
        if p.attribute_set_id != self.sets[row.get("attribute_set_code", "")]:
            self.fail(row, "attribute set", row.get("attribute_set_code", ""), p.attribute_set_id)
        if p.name != row.get("name", ""):
            self.fail(row, "name", row.get("name", ""), p.name)
        if row.get("price", "") and p.price != float(row.get("price", "")):
            self.fail(row, "price", row.get("price", ""), p.price)
        if row.get("weight", "") and p.weight != float(row.get("weight", "")):
            self.fail(row, "weight", row.get("weight", ""), p.weight)
        if exact and not row.get("weight", "") and p.weight is not None:
            self.fail(row, "weight cleaned", None, p.weight)
        if p.status != (1 if row.get("product_online", "1") == "1" else 2):
            self.fail(row, "status", row.get("product_online", ""), p.status)
        if p.visibility != VISIBILITY[row.get("visibility", "")]:
            self.fail(row, "visibility", row.get("visibility", ""), p.visibility)
        for column, code in PLAIN.items():
            if row.get(column) and attrs.get(code) != row.get(column, ""):
                self.fail(row, code, row.get(column, ""), attrs.get(code))
        for column, code in PRICES.items():
            if row.get(column) and attrs.get(code) != float(row.get(column, "")):
                self.fail(row, code, row.get(column, ""), attrs.get(code))
            if exact and not row.get(column) and code in attrs:
                self.fail(row, f"{code} cleaned", None, attrs.get(code))
        for column, code in DATES.items():
            if row.get(column) and attrs.get(code) != date_text(row.get(column, "")):
                self.fail(row, code, row.get(column, ""), attrs.get(code))
        if attrs.get("tax_class_id") != 2:
            self.fail(row, "tax_class_id", 2, attrs.get("tax_class_id"))
        if row.get("gift_message_available") == "Yes" and attrs.get("gift_message_available") != "1":
            self.fail(row, "gift_message_available", "1", attrs.get("gift_message_available"))
        self.check_additional(row, attrs)
        websites = [1] if row.get("product_websites", "") == "base" else []
        if p.website_ids != websites:
            self.fail(row, "websites", websites, p.website_ids)
        wanted = {self.category(path.strip()) for path in row.get("categories", "").split(",") if path.strip()}
        if None in wanted or {link.category_id for link in p.category_links} != wanted:
            self.fail(row, "categories", wanted, {link.category_id for link in p.category_links})
        if row.get("qty", "") and (p.stock is None or p.stock.qty != float(row.get("qty", ""))):
            self.fail(row, "qty", row.get("qty", ""), p.stock)
        if row.get("is_in_stock", "") and (
            p.stock is None or p.stock.is_in_stock != (row.get("is_in_stock", "") == "1")
        ):
            self.fail(row, "is_in_stock", row.get("is_in_stock", ""), p.stock)
        self.check_media(row, p, exact)
        self.check_links(row, p)
        self.check_configurable(row, p)
        self.check_bundle(row, p)

    def check_additional(self, row: dict[str, str], attrs: dict[str, Any]) -> None:
        if not row.get("additional_attributes", ""):
            return
        pairs: dict[str, str] = {}
        last = ""
        for part in row.get("additional_attributes", "").split(","):
            if "=" in part:
                last, _, value = part.partition("=")
                pairs[last] = value
            else:
                pairs[last] += "," + part
        for code, value in pairs.items():
            stored = attrs.get(code)
            kind = self.inputs[code]
            if kind == "multiselect":
                ids = [int(i) for i in str(stored or "").split(",") if i]
                labels = {html.unescape(self.labels[code].get(i, str(i))) for i in ids}
                if labels != {html.unescape(v) for v in value.split("|")}:
                    self.fail(row, code, value, labels)
            elif kind == "select":
                if html.unescape(self.labels[code].get(int(stored or 0), "")) != html.unescape(value):
                    self.fail(row, code, value, stored)
            elif kind == "boolean":
                if stored != (1 if value == "Yes" else 0):
                    self.fail(row, code, value, stored)
            elif str(stored) != value:
                self.fail(row, code, value, stored)

    def check_media(self, row: dict[str, str], p: ProductRecord, exact: bool) -> None:
        files: list[str] = []
        for column in ("base_image", "small_image", "thumbnail_image", "swatch_image"):
            if row.get(column) and row.get(column, "") not in files:
                files.append(row.get(column, ""))
        additional = [f for f in row.get("additional_images", "").split(",") if f]
        files += [f for f in additional if f not in files]
        stored = [entry.file for entry in p.media_gallery_entries]
        if exact and set(stored) != set(files):
            self.fail(row, "gallery", files, stored)
        if not set(files) <= set(stored):
            self.fail(row, "gallery files", files, stored)
        by_file = {entry.file: entry for entry in p.media_gallery_entries}
        labels = row.get("additional_image_labels", "").split(",") if row.get("additional_image_labels", "") else []
        for file, label in zip(additional, labels, strict=False):
            if label and by_file.get(file) is not None and by_file[file].label != label:
                self.fail(row, f"label of {file}", label, by_file[file].label)
        if row.get("base_image_label") and by_file[row.get("base_image", "")].label != row.get("base_image_label", ""):
            self.fail(
                row, "base image label", row.get("base_image_label", ""), by_file[row.get("base_image", "")].label
            )
        hidden = {f for f in row.get("hide_from_product_page", "").split(",") if f}
        for entry in p.media_gallery_entries:
            if entry.file in files and entry.disabled != (entry.file in hidden):
                self.fail(row, f"hidden {entry.file}", entry.file in hidden, entry.disabled)
        for column, role in ROLES.items():
            if row.get(column) and p.custom_attributes.get(role) != row.get(column, ""):
                self.fail(row, role, row.get(column, ""), p.custom_attributes.get(role))

    def check_links(self, row: dict[str, str], p: ProductRecord) -> None:
        for kind, link_type in LINKS.items():
            skus = [s for s in row.get(f"{kind}_skus", "").split(",") if s]
            positions = row.get(f"{kind}_position", "").split(",") if row.get(f"{kind}_position", "") else []
            wanted = {
                (sku, int(positions[i]) if i < len(positions) and positions[i] else i + 1) for i, sku in enumerate(skus)
            }
            stored = {
                (link.linked_product_sku, link.position) for link in p.product_links if link.link_type == link_type
            }
            if stored != wanted:
                self.fail(row, f"{kind} links", wanted, stored)
        grouped = row.get("associated_skus", "")
        if grouped:
            wanted_qty = {s.partition("=")[0]: float(s.partition("=")[2] or 0) for s in grouped.split(",")}
            stored_qty = {
                link.linked_product_sku: link.qty for link in p.product_links if link.link_type == "associated"
            }
            if stored_qty != wanted_qty:
                self.fail(row, "associated", wanted_qty, stored_qty)

    def check_configurable(self, row: dict[str, str], p: ProductRecord) -> None:
        if not row.get("configurable_variations", ""):
            return
        variations = [
            dict(pair.split("=", 1) for pair in v.split(",")) for v in row.get("configurable_variations", "").split("|")
        ]
        children = {v["sku"] for v in variations}
        if set(p.configurable_children) != children:
            self.fail(row, "children", children, p.configurable_children)
        codes = {k for v in variations for k in v if k != "sku"}
        if {o.attribute_code for o in p.configurable_options} != codes:
            self.fail(row, "super attributes", codes, [o.attribute_code for o in p.configurable_options])
        labels = dict(pair.split("=", 1) for pair in row.get("configurable_variation_labels", "").split(",") if pair)
        for option in p.configurable_options:
            expected = labels.get(option.attribute_code or "") or option.label
            if option.label != expected:
                self.fail(row, "super attribute label", expected, option.label)

    def check_bundle(self, row: dict[str, str], p: ProductRecord) -> None:
        if not row.get("bundle_values", ""):
            return
        selections = [
            dict(pair.split("=", 1) for pair in s.split(",")) for s in row.get("bundle_values", "").split("|")
        ]
        wanted: dict[str, set[tuple[str, float, bool, float]]] = {}
        for s in selections:
            wanted.setdefault(s["name"], set()).add(
                (s["sku"], float(s["default_qty"]), s["default"] == "1", float(s["price"]))
            )
        stored = {
            o.title: {(s.sku, float(s.qty), s.is_default, float(s.price)) for s in o.product_links}
            for o in p.bundle_options
        }
        if stored != wanted:
            self.fail(row, "bundle", wanted, stored)
        if {o.type for o in p.bundle_options} != {s["type"] for s in selections}:
            self.fail(row, "bundle types", {s["type"] for s in selections}, {o.type for o in p.bundle_options})
        for column, code in BUNDLE_FLAGS.items():
            if p.custom_attributes.get(code) != (0 if row.get(column, "") == "dynamic" else 1):
                self.fail(row, code, row.get(column, ""), p.custom_attributes.get(code))
        shipment = 1 if row.get("bundle_shipment_type", "") == "separately" else 0
        if p.custom_attributes.get("shipment_type") != shipment:
            self.fail(row, "shipment_type", shipment, p.custom_attributes.get("shipment_type"))

    def check_store_view(self, row: dict[str, str], p: ProductRecord) -> None:
        for column in ("name", "description", "url_key"):
            if row.get(column):
                stored = p.name if column == "name" else p.custom_attributes.get(column)
                if stored != row.get(column, ""):
                    self.fail(row, column, row.get(column, ""), stored)
        if row.get("visibility") and p.visibility != VISIBILITY[row.get("visibility", "")]:
            self.fail(row, "visibility", row.get("visibility", ""), p.visibility)


def category_problems(conn: Connection, rows: Sequence[dict[str, str]], exact: bool = False) -> list[str]:
    """Every difference between the stored categories and the default rows of a category file (``exact``: the
    category holds no attribute value beyond its row's)."""
    repo = CategoryRepository()
    problems: list[str] = []
    for row in rows:
        if row["store_view_code"]:
            continue
        category_id = repo.id_by_path(conn, row["path"])
        if category_id is None:
            problems.append(f"{row['path']}: missing")
            continue
        category = repo.get(conn, category_id)
        fields: dict[str, object] = {"name": row["name"], "url_key": row["url_key"] or category.url_key}
        fields.update({flag: row[flag] == "1" for flag in ("is_active", "include_in_menu", "is_anchor")})
        stored_fields = {name: getattr(category, name) for name in fields}
        values = {code: row[column] for column, code in CATEGORY_VALUES.items() if row[column]}
        if row["display_mode"]:
            values["display_mode"] = DISPLAY_MODES[row["display_mode"]]
        stored = dict(category.custom_attributes) if exact else {c: category.custom_attributes.get(c) for c in values}
        if (stored_fields, stored) != (fields, values):
            problems.append(f"{row['path']}: {(fields, values)!r} != {(stored_fields, stored)!r}")
    return problems


__all__ = ["Oracle", "category_problems", "date_text"]
