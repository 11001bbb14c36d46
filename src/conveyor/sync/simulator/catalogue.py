"""The simulated ERP's data: a retail catalogue generated from a seed, and the changes made to it later.

The same seed and sizes always give the same catalogue, and the same sequence of change requests the same
changes (changes draw from their own generator), so tests can compare the store with what the ERP holds.
Seeded entities carry fixed timestamps in 2024; changed entities carry the time of the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from random import Random
from typing import Any

from conveyor.sync.models import (
    Attribute,
    AttributeValue,
    Customer,
    CustomerAddress,
    EntityType,
    Fulfillment,
    FulfillmentLine,
    GroupPrice,
    Outlet,
    OutletPrice,
    PriceGroup,
    Product,
    StockLevel,
    Variant,
)

BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)
CENT = Decimal("0.01")

OUTLETS = (
    Outlet(code="WH", name="Central Warehouse", country="DE", zip="14974"),
    Outlet(code="WEB", name="Web Shop", country="DE", zip="10115"),
    Outlet(code="BER", name="Berlin Mitte", country="DE", zip="10117"),
    Outlet(code="HAM", name="Hamburg Altona", country="DE", zip="22765"),
)
# code, name, discount factor on the retail price, share of products that have a price in the group
PRICE_GROUPS = (
    ("WHOLESALE", "Wholesale", Decimal("0.60"), 1.0),
    ("B2B", "Business Customers", Decimal("0.75"), 0.5),
    ("VIP", "VIP Club", Decimal("0.90"), 0.5),
    ("STAFF", "Staff", Decimal("0.70"), 0.3),
)
COLOURS = (
    ("BLACK", "Black"),
    ("WHITE", "White"),
    ("NAVY", "Navy"),
    ("RED", "Red"),
    ("GREEN", "Forest Green"),
    ("GREY", "Grey Melange"),
    ("BEIGE", "Beige"),
    ("BLUE", "Sky Blue"),
)
SIZES = (("XS", "XS"), ("S", "S"), ("M", "M"), ("L", "L"), ("XL", "XL"), ("XXL", "XXL"))
MATERIALS = (
    ("COTTON", "Organic Cotton"),
    ("WOOL", "Merino Wool"),
    ("LINEN", "Linen"),
    ("DENIM", "Denim"),
    ("POLY", "Recycled Polyester"),
)
BRANDS = (("NORDLY", "Nordly"), ("KESTREL", "Kestrel & Co."), ("HALDEN", "Halden"), ("MOSS", "Moss Atelier"))
CARE = ("Machine wash at 30 °C", "Hand wash only", "Dry clean only", None)
KINDS = (
    ("Shirt", ("COTTON", "LINEN")),
    ("T-Shirt", ("COTTON", "POLY")),
    ("Sweater", ("WOOL", "COTTON")),
    ("Jeans", ("DENIM",)),
    ("Jacket", ("POLY", "WOOL")),
    ("Scarf", ("WOOL",)),
    ("Cap", ("COTTON",)),
    ("Socks", ("COTTON", "WOOL")),
)
ADJECTIVES = ("Classic", "Relaxed", "Slim", "Heritage", "Everyday", "Coastal", "Urban", "Alpine", "Harbour", "Fjord")
FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hugo", "Ida", "Jonas", "Lena", "Max", "Nora",
    "Oskar", "Paula", "Rosa", "Simon", "Tara", "Vera", "Wim", "Xenia", "Yusuf", "Zoë", "Jörg", "Małgorzata",
)  # fmt: skip
LAST_NAMES = (
    "Albers", "Becker", "Cramer", "Dietrich", "Engel", "Fischer", "Graf", "Hartmann", "Jansen", "Keller",
    "Lorenz", "Meyer", "Neumann", "Otto", "Peters", "Richter", "Schulz", "Vogel", "Weber", "Ziegler", "Müller",
    "Großmann", "de Vries", "O'Brien",
)  # fmt: skip
CITIES = (
    ("Berlin", "10115", "DE"),
    ("Hamburg", "20095", "DE"),
    ("München", "80331", "DE"),
    ("Köln", "50667", "DE"),
    ("Wien", "1010", "AT"),
    ("Amsterdam", "1012 AB", "NL"),
    ("Utrecht", "3511 AA", "NL"),
    ("Lyon", "69001", "FR"),
    ("Zürich", "8001", "CH"),
    ("København", "1050", "DK"),
)
STREETS = ("Hauptstraße", "Bahnhofstraße", "Lindenallee", "Gartenweg", "Marktplatz", "Schillerstraße", "Ringstraße")
CARRIERS = (("dhl", "DHL Paket"), ("ups", "UPS Standard"), ("gls", "GLS Business Parcel"))


@dataclass
class Order:
    """An order the ERP received from the shop: its lines, as the fulfilments ship them."""

    order_no: str
    lines: list[FulfillmentLine]
    updated_at: datetime
    fulfillments: list[Fulfillment] = field(default_factory=list)

    def remaining(self) -> list[FulfillmentLine]:
        """What is still to ship, line by line."""
        shipped: dict[str, Decimal] = {}
        for fulfillment in self.fulfillments:
            for line in fulfillment.lines:
                shipped[line.sku] = shipped.get(line.sku, Decimal(0)) + line.quantity
        left = []
        for line in self.lines:
            quantity = line.quantity - shipped.get(line.sku, Decimal(0))
            if quantity > 0:
                left.append(FulfillmentLine(sku=line.sku, quantity=quantity))
        return left


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT)


class Catalogue:
    """Everything the ERP holds, by entity type and id; mutated only through ``change`` and ``add_order``."""

    def __init__(
        self,
        seed: int = 1,
        customers: int = 100,
        products: int = 50,
        orders: int = 0,
        order_numbers: Sequence[str] = (),
    ) -> None:
        """``orders`` numbered 000000001… are seeded, or the orders with ``order_numbers`` when given."""
        self.seed = seed
        rng = Random(seed)
        self.change_random = Random(f"{seed}/changes")  # changes draw apart, so seeding stays the same
        self._counter = 0
        self._fulfillment_no = 0
        self.outlets = list(OUTLETS)
        self.price_groups = {
            code: PriceGroup(code=code, name=name, updated_at=BASE_TIME) for code, name, _factor, _share in PRICE_GROUPS
        }
        self.attributes = self._seed_attributes()
        self.customers: dict[str, Customer] = {}
        for number in range(1, customers + 1):
            customer = self._new_customer(rng, number)
            self.customers[customer.customer_no] = customer
        self.products: dict[str, Product] = {}
        for number in range(1, products + 1):
            product = self._new_product(rng, number)
            self.products[product.product_no] = product
        self.orders: dict[str, Order] = {}
        skus = [variant.sku for product in self.products.values() for variant in product.variants]
        numbers = list(order_numbers) or [f"{number:09d}" for number in range(1, orders + 1)]
        for hours, order_no in enumerate(numbers, start=1):
            self._seed_order(rng, order_no, skus, BASE_TIME + timedelta(hours=hours))

    # -- reading -----------------------------------------------------------------------------------------

    def stamps(self, entity: EntityType) -> dict[str, datetime]:
        """id → last change, for listing; fulfilments are listed by order number (orders that shipped)."""
        if entity is EntityType.FULFILLMENT:
            return {no: order.updated_at for no, order in self.orders.items() if order.fulfillments}
        entities: dict[EntityType, dict[str, Any]] = {
            EntityType.CUSTOMER: self.customers,
            EntityType.ATTRIBUTE: self.attributes,
            EntityType.PRICE_GROUP: self.price_groups,
            EntityType.PRODUCT: self.products,
        }
        return {key: value.updated_at for key, value in entities[entity].items()}

    def all_skus(self) -> list[str]:
        return [variant.sku for product in self.products.values() for variant in product.variants]

    # -- seeding -----------------------------------------------------------------------------------------

    @staticmethod
    def _seed_attributes() -> dict[str, Attribute]:
        def values(pairs: tuple[tuple[str, str], ...]) -> list[AttributeValue]:
            return [AttributeValue(code=code, name=name, sort=n) for n, (code, name) in enumerate(pairs, start=1)]

        return {
            "colour": Attribute(code="colour", name="Colour", values=values(COLOURS), updated_at=BASE_TIME),
            "size": Attribute(code="size", name="Size", values=values(SIZES), updated_at=BASE_TIME),
            "material": Attribute(code="material", name="Material", values=values(MATERIALS), updated_at=BASE_TIME),
            "brand": Attribute(code="brand", name="Brand", values=values(BRANDS), updated_at=BASE_TIME),
            "care": Attribute(code="care", name="Care Instructions", type="text", updated_at=BASE_TIME),
        }

    @staticmethod
    def _address(rng: Random, address_id: str, billing: bool, delivery: bool) -> CustomerAddress:
        city, zip_code, country = rng.choice(CITIES)
        street = [f"{rng.choice(STREETS)} {rng.randint(1, 180)}"]
        if rng.random() < 0.2:
            street.append(f"{rng.randint(1, 5)}. OG")
        return CustomerAddress(
            id=address_id,
            company="Example GmbH" if rng.random() < 0.1 else None,
            street=street,
            zip=zip_code,
            city=city,
            country=country,
            phone=f"+49 30 {rng.randint(1000000, 9999999)}",
            billing=billing,
            delivery=delivery,
        )

    def _new_customer(self, rng: Random, number: int) -> Customer:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        no = f"C{number:06d}"
        addresses = []
        if rng.random() < 0.3:  # a separate delivery address
            addresses.append(self._address(rng, f"{no}-1", billing=True, delivery=False))
            addresses.append(self._address(rng, f"{no}-2", billing=False, delivery=True))
        else:
            addresses.append(self._address(rng, f"{no}-1", billing=True, delivery=True))
        price_group = rng.choice([code for code, _n, _f, _s in PRICE_GROUPS]) if rng.random() < 0.4 else None
        local = "".join(ch for ch in f"{first}.{last}".lower() if ch.isascii() and (ch.isalnum() or ch == "."))
        return Customer(
            customer_no=no,
            email=f"{local}.{number}@example.com",
            first_name=first,
            last_name=last,
            birth_date=date(1950, 1, 1) + timedelta(days=rng.randrange(20000)) if rng.random() < 0.7 else None,
            gender=rng.choice(["female", "male", None]),
            phone=f"+49 171 {rng.randint(1000000, 9999999)}",
            vat_number=f"DE{rng.randint(100000000, 999999999)}" if rng.random() < 0.1 else None,
            price_group=price_group,
            active=rng.random() < 0.95,
            created_at=BASE_TIME - timedelta(days=rng.randrange(1, 2000)),
            addresses=addresses,
            updated_at=BASE_TIME + timedelta(minutes=number),
        )

    def _prices(self, rng: Random, price: Decimal, web_discount: bool) -> dict[str, Any]:
        group_prices = [
            GroupPrice(price_group=code, price=_money(price * factor))
            for code, _name, factor, share in PRICE_GROUPS
            if share >= 1.0 or rng.random() < share
        ]
        outlet_prices = [OutletPrice(outlet="WEB", price=_money(price * Decimal("0.85")))] if web_discount else []
        return {"price": price, "group_prices": group_prices, "outlet_prices": outlet_prices}

    def _stock(self, rng: Random) -> list[StockLevel]:
        return [
            StockLevel(outlet=outlet.code, on_hand=Decimal(rng.randrange(0, 200 if outlet.code == "WH" else 30)))
            for outlet in self.outlets
        ]

    def _variant(
        self, rng: Random, product_no: str, name: str, options: dict[str, str], prices: dict[str, Any]
    ) -> Variant:
        labels = {
            "colour": dict(COLOURS),
            "size": dict(SIZES),
        }
        suffix = [options[axis] for axis in ("colour", "size") if axis in options]
        sku = "-".join([product_no, *suffix]) if suffix else product_no
        shown = ", ".join([name, *(labels[axis].get(options[axis], options[axis]) for axis in options)])
        return Variant(
            sku=sku,
            name=shown,
            barcode=f"400{rng.randrange(10**9, 10**10)}",
            options=options,
            weight=Decimal(rng.randrange(80, 1500)) / 1000,
            stock=self._stock(rng),
            **prices,
        )

    def _new_product(self, rng: Random, number: int) -> Product:
        kind, materials = rng.choice(KINDS)
        name = f"{rng.choice(ADJECTIVES)} {kind}"
        no = f"P{number:05d}"
        shape = rng.random()
        axes = [] if shape < 0.15 else ["colour"] if shape < 0.25 else ["colour", "size"]
        price = _money(Decimal(rng.randrange(19, 200)) + Decimal("0.95"))
        prices = self._prices(rng, price, web_discount=rng.random() < 0.3)
        variants = []
        if not axes:
            variants.append(self._variant(rng, no, name, {}, prices))
        else:
            colours = rng.sample([code for code, _ in COLOURS], rng.randint(1 if len(axes) == 2 else 2, 3))
            sizes = [code for code, _ in SIZES]
            start = rng.randrange(0, 3)
            sizes = sizes[start : start + rng.randint(2, 4)] if "size" in axes else [""]
            for colour in colours:
                for size in sizes:
                    options = {"colour": colour, **({"size": size} if size else {})}
                    variants.append(self._variant(rng, no, name, options, prices))
        return Product(
            product_no=no,
            name=name,
            description=f"<p>The {name.lower()} from our {rng.choice(ADJECTIVES).lower()} line.</p>",
            active=rng.random() < 0.97,
            axes=axes,
            attributes={
                "material": rng.choice(materials),
                "brand": rng.choice(BRANDS)[0],
                "care": rng.choice(CARE),
            },
            variants=variants,
            updated_at=BASE_TIME + timedelta(minutes=number),
        )

    def _seed_order(self, rng: Random, order_no: str, skus: list[str], when: datetime) -> None:
        if not skus:
            return
        chosen = rng.sample(skus, min(len(skus), rng.randint(1, 3)))
        order = Order(order_no, [FulfillmentLine(sku=sku, quantity=Decimal(rng.randint(1, 3))) for sku in chosen], when)
        self.orders[order_no] = order
        fate = rng.random()
        if fate < 0.2:
            return  # nothing shipped yet
        if fate < 0.6:
            self._ship(rng, order, order.remaining(), when)
        else:  # the first line alone: a split delivery, the rest later (or now)
            self._ship(rng, order, order.remaining()[:1], when)
            if fate < 0.8 and order.remaining():
                self._ship(rng, order, order.remaining(), when + timedelta(days=1))

    def _ship(self, rng: Random, order: Order, lines: list[FulfillmentLine], when: datetime) -> Fulfillment:
        self._fulfillment_no += 1
        carrier, carrier_name = rng.choice(CARRIERS)
        numbers = [f"{carrier.upper()}{rng.randrange(10**11, 10**12)}" for _ in range(2 if rng.random() < 0.1 else 1)]
        fulfillment = Fulfillment(
            id=f"F{self.seed:03d}{self._fulfillment_no:07d}",
            order_no=order.order_no,
            shipped_at=when,
            carrier=carrier,
            carrier_name=carrier_name,
            tracking_numbers=numbers,
            lines=lines,
        )
        order.fulfillments.append(fulfillment)
        order.updated_at = when
        return fulfillment

    # -- changing ----------------------------------------------------------------------------------------

    def add_order(self, order_no: str, lines: list[FulfillmentLine], now: datetime) -> Order:
        """An order the shop exported to the ERP (it ships through ``change``)."""
        known = set(self.all_skus())
        unknown = [line.sku for line in lines if line.sku not in known]
        if unknown:
            raise ValueError(f"unknown sku(s): {', '.join(unknown)}")
        if not lines:
            raise ValueError("an order needs at least one line")
        order = Order(order_no, list(lines), now)
        self.orders[order_no] = order
        return order

    def changeable(self, entity: EntityType) -> list[str]:
        """Ids a change may pick (fulfilments: orders with something left to ship)."""
        if entity is EntityType.FULFILLMENT:
            return sorted(no for no, order in self.orders.items() if order.remaining())
        return sorted(self.stamps(entity))

    def change(self, entity: EntityType, now: datetime, ids: list[str] | None = None, count: int = 1) -> list[str]:
        """Change the given entities (or ``count`` picked ones) and return the ids that changed."""
        if ids is None:
            candidates = self.changeable(entity)
            ids = self.change_random.sample(candidates, min(count, len(candidates)))
        changed = []
        for entity_id in ids:
            if self._change_one(entity, entity_id, now):
                changed.append(entity_id)
        return changed

    def _change_one(self, entity: EntityType, entity_id: str, now: datetime) -> bool:
        rng = self.change_random
        self._counter += 1
        n = self._counter
        if entity is EntityType.CUSTOMER:
            self.customers[entity_id] = self._changed_customer(rng, self.customers[entity_id], n, now)
        elif entity is EntityType.PRODUCT:
            self.products[entity_id] = self._changed_product(rng, self.products[entity_id], now)
        elif entity is EntityType.ATTRIBUTE:
            attribute = self.attributes[entity_id]
            update: dict[str, Any] = {"updated_at": now}
            if attribute.type == "text" or not attribute.values:
                update["name"] = f"{attribute.name.split(' #')[0]} #{n}"
            elif rng.random() < 0.5:
                value = AttributeValue(code=f"NEW{n:04d}", name=f"{attribute.name} {n}", sort=len(attribute.values) + 1)
                update["values"] = [*attribute.values, value]
            else:
                values = list(attribute.values)
                k = rng.randrange(len(values))
                values[k] = values[k].model_copy(update={"name": f"{values[k].name.split(' #')[0]} #{n}"})
                update["values"] = values
            self.attributes[entity_id] = attribute.model_copy(update=update)
        elif entity is EntityType.PRICE_GROUP:
            group = self.price_groups[entity_id]
            name = f"{group.name.split(' #')[0]} #{n}"
            self.price_groups[entity_id] = group.model_copy(update={"name": name, "updated_at": now})
        else:
            order = self.orders[entity_id]
            left = order.remaining()
            if not left:
                return False
            self._ship(rng, order, left, now)
        return True

    def _changed_customer(self, rng: Random, customer: Customer, n: int, now: datetime) -> Customer:
        kind = rng.choice(["phone", "name", "price_group", "address", "email"])
        phone = f"+49 172 {rng.randint(1000000, 9999999)}"
        update: dict[str, Any] = {"updated_at": now, "phone": phone}
        if kind == "phone":  # the shop keeps phone numbers on addresses
            update["addresses"] = [customer.addresses[0].model_copy(update={"phone": phone}), *customer.addresses[1:]]
        elif kind == "name":
            update["last_name"] = rng.choice([name for name in LAST_NAMES if name != customer.last_name])
        elif kind == "price_group":
            codes: list[str | None] = [None, *(code for code, _n, _f, _s in PRICE_GROUPS)]
            update["price_group"] = rng.choice([code for code in codes if code != customer.price_group])
        elif kind == "address":
            first = self._address(rng, customer.addresses[0].id, customer.addresses[0].billing, True)
            rest = [a.model_copy(update={"delivery": False}) for a in customer.addresses[1:]]
            update["addresses"] = [first, *rest]
        elif kind == "email":
            local, _, domain = customer.email.partition("@")
            update["email"] = f"{local.split('+')[0]}+{n}@{domain}"
        return customer.model_copy(update=update)

    def _changed_product(self, rng: Random, product: Product, now: datetime) -> Product:
        kind = rng.choice(["price", "stock", "name", "variant"])
        update: dict[str, Any] = {"updated_at": now}
        if kind == "variant" and "size" in product.axes:
            used = {v.options.get("size") for v in product.variants}
            free = [code for code, _ in SIZES if code not in used]
            if free:
                size = free[0]
                colours = list(dict.fromkeys(v.options["colour"] for v in product.variants))
                template = product.variants[0]
                prices = {
                    "price": template.price,
                    "group_prices": template.group_prices,
                    "outlet_prices": template.outlet_prices,
                }
                added = [
                    self._variant(rng, product.product_no, product.name, {"colour": c, "size": size}, prices)
                    for c in colours
                ]
                update["variants"] = [*product.variants, *added]
                return product.model_copy(update=update)
            kind = "price"
        if kind == "name":
            adjective = rng.choice([a for a in ADJECTIVES if not product.name.startswith(a)])
            name = f"{adjective} {product.name.split(' ', 1)[1]}"
            update["name"] = name
            update["variants"] = [
                v.model_copy(update={"name": (v.name or product.name).replace(product.name, name, 1)})
                for v in product.variants
            ]
        elif kind == "stock":
            update["variants"] = [v.model_copy(update={"stock": self._stock(rng)}) for v in product.variants]
        else:
            price = _money(Decimal(rng.randrange(19, 200)) + Decimal("0.95"))
            prices = self._prices(rng, price, web_discount=rng.random() < 0.3)
            update["variants"] = [v.model_copy(update=prices) for v in product.variants]
        return product.model_copy(update=update)
