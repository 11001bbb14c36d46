"""Customers on the three databases: round trips, Magento's rules and messages, search, and set-based batches."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from conveyor.catalog.customers.repository import (
    DUPLICATE_EMAIL,
    AddressInput,
    CustomerInput,
    CustomerRepository,
    address_table,
    custom_attribute_table,
    customer_table,
)
from conveyor.catalog.customers.tables import ExactDecimal, format_timestamp, parse_timestamp
from conveyor.catalog.customers.validation import email_address
from conveyor.catalog.errors import DuplicateError, InvalidValueError, NotFoundError
from conveyor.catalog.stores.scopes import store_group_table, store_table, website_table
from conveyor.db import make_engine

repo = CustomerRepository()


def add_second_website(conn: Connection) -> None:
    """Website 2 with store group 2 and store view 2 ("German")."""
    conn.execute(
        website_table.insert().values(website_id=2, code="second", name="Second", default_group_id=2, is_default=False)
    )
    conn.execute(
        store_group_table.insert().values(
            group_id=2, website_id=2, code="second_store", name="Second Store", root_category_id=2, default_store_id=2
        )
    )
    conn.execute(store_table.insert().values(store_id=2, code="de", website_id=2, group_id=2, name="German"))


def address(**values: Any) -> AddressInput:
    base: dict[str, Any] = {
        "firstname": "Jane",
        "lastname": "Doe",
        "street": ["1 Main St", "Apt 2"],
        "city": "Springfield",
        "country_id": "US",
        "telephone": "555-0100",
    }
    return AddressInput.model_validate({**base, **values})


def customer(email: str = "jane@example.com", **values: Any) -> CustomerInput:
    return CustomerInput.model_validate({"email": email, "firstname": "Jane", "lastname": "Doe", **values})


@contextmanager
def counting(conn: Connection) -> Iterator[list[str]]:
    """Every statement sent to the database while the block runs."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(conn, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(conn, "before_cursor_execute", record)


def test_customer_round_trips_field_by_field(engine: Engine) -> None:
    payload = CustomerInput.model_validate(
        {
            "email": "Jane.Doe@Example.com",
            "firstname": "Jane",
            "middlename": "Q",
            "lastname": "Doe",
            "prefix": "Dr.",
            "suffix": "PhD",
            "dob": "1980-02-29",
            "gender": 2,
            "taxvat": "DE123",
            "group_id": 2,
            "website_id": 1,
            "store_id": 1,
            "disable_auto_group_change": 1,
            "addresses": [
                {
                    "firstname": "Jane",
                    "lastname": "Doe",
                    "company": "ACME",
                    "street": ["1 Main St", "Building B", "Floor 3"],
                    "city": "Austin",
                    "region": {"region_code": "TX", "region": "Texas", "region_id": 57},
                    "postcode": "78701",
                    "country_id": "us",
                    "telephone": "555-0100",
                    "fax": "555-0101",
                    "vat_id": "US999",
                    "default_billing": True,
                },
                {
                    "firstname": "John",
                    "middlename": "M",
                    "lastname": "Roe",
                    "prefix": "Mr",
                    "suffix": "Jr",
                    "street": "Hauptstr. 5",
                    "city": "Berlin",
                    "country_id": "DE",
                    "telephone": "030-1",
                    "default_shipping": True,
                },
            ],
            "custom_attributes": [
                {"attribute_code": "loyalty_tier", "value": "gold"},
                {"attribute_code": "points", "value": 1200},
                {"attribute_code": "interests", "value": ["7", "9"]},
            ],
        }
    )
    with engine.begin() as conn:
        created = repo.create(conn, payload, password_hash="$argon2id$hash")
    with engine.connect() as conn:
        found = repo.get(conn, created.id)
        by_email = repo.get_by_email(conn, "JANE.DOE@example.COM", 1)
        stored_hash = conn.execute(sa.select(customer_table.c.password_hash)).scalar_one()
    assert found == created == by_email
    assert stored_hash == "$argon2id$hash"
    assert "password_hash" not in found.model_dump()
    assert (found.email, found.firstname, found.middlename, found.lastname) == (
        "jane.doe@example.com",
        "Jane",
        "Q",
        "Doe",
    )
    assert (found.prefix, found.suffix, found.dob, found.gender, found.taxvat) == (
        "Dr.",
        "PhD",
        "1980-02-29",
        2,
        "DE123",
    )
    assert (found.group_id, found.website_id, found.store_id, found.created_in) == (2, 1, 1, "Default Store View")
    assert found.disable_auto_group_change == 1 and found.is_active is True
    datetime.strptime(found.created_at, "%Y-%m-%d %H:%M:%S")  # Magento's text format
    assert found.updated_at == found.created_at
    billing, shipping = found.addresses
    assert found.default_billing == str(billing.id) and found.default_shipping == str(shipping.id)
    assert (billing.default_billing, billing.default_shipping) == (True, False)
    assert (shipping.default_billing, shipping.default_shipping) == (False, True)
    assert billing.street == ["1 Main St", "Building B", "Floor 3"]
    assert (billing.region.region_code, billing.region.region, billing.region.region_id) == ("TX", "Texas", 57)
    assert (billing.region_id, billing.country_id, billing.postcode, billing.company) == (57, "US", "78701", "ACME")
    assert (billing.fax, billing.vat_id, billing.telephone, billing.customer_id) == (
        "555-0101",
        "US999",
        "555-0100",
        found.id,
    )
    assert shipping.street == ["Hauptstr. 5"]
    assert (shipping.firstname, shipping.middlename, shipping.lastname) == ("John", "M", "Roe")
    assert (shipping.prefix, shipping.suffix, shipping.city, shipping.country_id) == ("Mr", "Jr", "Berlin", "DE")
    assert {a.attribute_code: a.value for a in found.custom_attributes} == {
        "interests": "7,9",
        "loyalty_tier": "gold",
        "points": "1200",
    }


def test_the_same_email_is_refused_in_a_website_and_allowed_in_another(engine: Engine) -> None:
    with engine.begin() as conn:
        add_second_website(conn)
        first = repo.create(conn, customer("shared@example.com"))
    with engine.begin() as conn, pytest.raises(DuplicateError) as refused:
        repo.create(conn, customer("SHARED@example.com", firstname="Other"))
    assert str(refused.value) == "A customer with the same email address already exists in an associated website."
    assert refused.value.message == DUPLICATE_EMAIL
    with engine.begin() as conn:
        second = repo.create(conn, customer("shared@example.com", website_id=2))
        assert second.store_id == 2 and second.created_in == "German"  # the website's default store view
        other = repo.create(conn, customer("other@example.com", store_id=2))
        assert other.website_id == 2  # the store view's website
    with engine.begin() as conn, pytest.raises(DuplicateError):
        repo.save(conn, customer("shared@example.com", id=other.id, website_id=2))  # taking another's email
    with engine.connect() as conn:
        assert repo.get_by_email(conn, "shared@example.com", 1).id == first.id
        assert repo.get_by_email(conn, "shared@example.com", 2).id == second.id
        with pytest.raises(NotFoundError) as missing:
            repo.get_by_email(conn, "nobody@example.com", 1)
    assert str(missing.value) == "No such entity with email = nobody@example.com, websiteId = 1"


def test_save_replaces_addresses_and_merges_attributes(engine: Engine) -> None:
    with engine.begin() as conn:
        created = repo.create(
            conn,
            customer(
                middlename="Q",
                group_id=3,
                addresses=[address(default_billing=True), address(city="Shelbyville", default_shipping=True)],
                custom_attributes=[{"attribute_code": "a", "value": "1"}, {"attribute_code": "b", "value": "2"}],
            ),
        )
    kept, dropped = created.addresses
    with engine.begin() as conn:
        saved = repo.save(
            conn,
            customer(
                "jane.new@example.com",
                id=created.id,
                lastname="Smith",
                addresses=[address(id=kept.id, city="Capital City"), address(city="Ogdenville", default_shipping=True)],
                custom_attributes=[{"attribute_code": "a", "value": None}, {"attribute_code": "c", "value": "3"}],
            ),
        )
    assert (saved.email, saved.lastname, saved.middlename) == ("jane.new@example.com", "Smith", None)
    assert saved.group_id == 3  # left out: kept, as Magento does
    assert saved.created_at == created.created_at
    assert [a.city for a in saved.addresses] == ["Capital City", "Ogdenville"]
    assert saved.addresses[0].id == kept.id  # named by id: updated in place
    assert dropped.id not in {a.id for a in saved.addresses}  # deleted, and its id never handed out again
    assert saved.default_billing == str(kept.id)  # survived the replacement
    assert saved.default_shipping == str(saved.addresses[1].id)  # the flagged new address
    assert {a.attribute_code: a.value for a in saved.custom_attributes} == {"b": "2", "c": "3"}
    with engine.begin() as conn:
        untouched = repo.save(conn, customer("jane.new@example.com", id=created.id, lastname="Smith"))
        assert untouched.addresses == saved.addresses  # no addresses in the payload: kept
        assert untouched.default_billing == saved.default_billing
        cleared = repo.save(conn, customer("jane.new@example.com", id=created.id, lastname="Smith", addresses=[]))
        assert cleared.addresses == [] and cleared.default_billing is None and cleared.default_shipping is None
        rows = conn.execute(sa.select(sa.func.count()).select_from(address_table)).scalar_one()
    assert rows == 0
    with engine.begin() as conn, pytest.raises(NotFoundError) as foreign:
        repo.save(conn, customer(id=created.id, addresses=[address(id=999999)]))
    assert str(foreign.value) == "No such entity with addressId = 999999"
    with engine.begin() as conn, pytest.raises(NotFoundError) as missing:
        repo.save(conn, customer(id=424242))
    assert str(missing.value) == "No such entity with customerId = 424242"


def test_delete_takes_addresses_and_attributes_along(engine: Engine) -> None:
    with engine.begin() as conn:
        gone = repo.create(
            conn,
            customer(addresses=[address(), address()], custom_attributes=[{"attribute_code": "a", "value": "1"}]),
        )
        stays = repo.create(
            conn,
            customer(
                "stays@example.com", addresses=[address()], custom_attributes=[{"attribute_code": "a", "value": "2"}]
            ),
        )
        repo.delete(conn, gone.id)
    with engine.connect() as conn:
        owners = conn.execute(sa.select(address_table.c.parent_id)).scalars().all()
        attribute_owners = conn.execute(sa.select(custom_attribute_table.c.entity_id)).scalars().all()
        with pytest.raises(NotFoundError) as missing:
            repo.get(conn, gone.id)
        assert repo.get(conn, stays.id) == stays
    assert owners == [stays.id] and attribute_owners == [stays.id]
    assert str(missing.value) == f"No such entity with customerId = {gone.id}"
    with engine.begin() as conn, pytest.raises(NotFoundError):
        repo.delete(conn, gone.id)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"email": "not-an-email"}, '"email" is not a valid email address.'),
        ({"email": "two@@example.com"}, '"email" is not a valid email address.'),
        ({"email": None}, '"email" is required. Enter and try again.'),
        ({"firstname": "  "}, '"firstname" is required. Enter and try again.'),
        ({"lastname": None}, '"lastname" is required. Enter and try again.'),
        ({"website_id": 9}, 'Invalid value of "9" provided for the website_id field.'),
        ({"website_id": 0}, 'Invalid value of "0" provided for the website_id field.'),
        ({"group_id": 77}, 'Invalid value of "77" provided for the group_id field.'),
        ({"store_id": 55}, 'Invalid value of "55" provided for the store_id field.'),
        ({"dob": "1980-13-01"}, 'Invalid value of "1980-13-01" provided for the dob field.'),
        ({"dob": "2999-01-01"}, 'Invalid value of "2999-01-01" provided for the dob field.'),
        ({"gender": 4}, 'Invalid value of "4" provided for the gender field.'),
        ({"firstname": "x" * 192}, '"firstname" cannot be longer than 191 characters.'),
        (
            {"addresses": [{"firstname": "A", "lastname": "B", "street": ["s"], "country_id": "US", "telephone": "1"}]},
            '"city" is required. Enter and try again.',
        ),
        (
            {
                "addresses": [
                    {
                        "firstname": "A",
                        "lastname": "B",
                        "street": [""],
                        "city": "C",
                        "country_id": "US",
                        "telephone": "1",
                    }
                ]
            },
            '"street" is required. Enter and try again.',
        ),
        (
            {
                "addresses": [
                    {
                        "firstname": "A",
                        "lastname": "B",
                        "street": ["s"],
                        "city": "C",
                        "country_id": "USA",
                        "telephone": "1",
                    }
                ]
            },
            'Invalid value of "USA" provided for the country_id field.',
        ),
    ],
)
def test_invalid_values_name_their_field(engine: Engine, values: dict[str, Any], message: str) -> None:
    payload = {"email": "jane@example.com", "firstname": "Jane", "lastname": "Doe", **values}
    with engine.begin() as conn, pytest.raises(InvalidValueError) as refused:
        repo.create(conn, CustomerInput.model_validate(payload))
    assert str(refused.value) == message
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(customer_table)).scalar_one() == 0


def test_search_filters_sorts_pages_and_counts(engine: Engine) -> None:
    with engine.begin() as conn:
        repo.save_many(
            conn,
            [
                customer(
                    f"user{n:02d}@example.com",
                    firstname=f"First{n % 3}",
                    lastname=f"Last{n:02d}",
                    group_id=2 if n % 2 else 1,
                    created_at=f"2024-01-{n + 1:02d} 10:00:00",
                )
                for n in range(20)
            ],
        )
    fields = repo.search_fields()
    assert {
        "email",
        "firstname",
        "lastname",
        "group_id",
        "website_id",
        "store_id",
        "created_at",
        "updated_at",
        "dob",
        "gender",
        "entity_id",
        "id",
        "taxvat",
    } <= set(fields)
    with engine.connect() as conn:
        wholesale = sa.and_(fields["group_id"] == 2, fields["created_at"] >= "2024-01-05 00:00:00")
        page, total = repo.search(conn, wholesale, [fields["lastname"].desc()], limit=3, offset=2)
        everything, count = repo.search(conn)
        exact, one = repo.search(conn, fields["email"] == "USER07@Example.com")
        liked, _ = repo.search(conn, fields["email"].like("USER1%"), [fields["id"].asc()])
        named, _ = repo.search(conn, fields["firstname"].in_(["First0"]), [fields["created_at"].desc()], limit=2)
    # group 2: odd n; created on or after Jan 5: n >= 4 -> 5, 7, ..., 19 (8 customers)
    assert total == 8
    assert [c.lastname for c in page] == ["Last15", "Last13", "Last11"]
    assert count == 20 and len(everything) == 20
    assert one == 1 and exact[0].email == "user07@example.com"
    assert [c.email for c in liked] == [f"user{n}@example.com" for n in range(10, 20)]
    assert [c.lastname for c in named] == ["Last18", "Last15"]


def test_save_many_upserts_by_email_with_a_bounded_number_of_statements(engine: Engine) -> None:
    def batch(size: int, city: str) -> list[CustomerInput]:
        return [
            customer(
                f"bulk{n}@example.com",
                lastname=f"Bulk{n}",
                addresses=[address(city=city, default_billing=True, default_shipping=True)],
                custom_attributes=[{"attribute_code": "erp_id", "value": f"E{n}"}],
            )
            for n in range(size)
        ]

    with engine.begin() as conn, counting(conn) as small:
        repo.save_many(conn, batch(20, "Small"))
    with engine.begin() as conn:
        conn.execute(address_table.delete())
        conn.execute(custom_attribute_table.delete())
        conn.execute(customer_table.delete())
    with engine.begin() as conn, counting(conn) as created:
        ids = repo.save_many(conn, batch(2000, "Springfield"))
    with engine.begin() as conn, counting(conn) as repeated:
        again = repo.save_many(conn, batch(2000, "Springfield"))  # an unchanged re-import
    with engine.begin() as conn, counting(conn) as moved:
        repo.save_many(conn, batch(2000, "Shelbyville"))  # every address changes
    # One statement more per table per 1,000 rows (the upsert chunk), never one per customer.
    assert len(created) <= len(small) + 4, created
    assert len(created) <= 25 and len(repeated) <= 25 and len(moved) <= 25
    assert again == ids and len(set(ids)) == 2000
    with engine.connect() as conn:
        counts = [
            conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (customer_table, address_table, custom_attribute_table)
        ]
        sample = repo.get(conn, ids[1234])
    assert counts == [2000, 2000, 2000]
    assert (sample.email, sample.lastname) == ("bulk1234@example.com", "Bulk1234")
    assert sample.addresses[0].city == "Shelbyville"
    assert sample.default_billing == sample.default_shipping == str(sample.addresses[0].id)
    assert [(a.attribute_code, a.value) for a in sample.custom_attributes] == [("erp_id", "E1234")]


def test_save_many_keeps_what_an_import_leaves_out(engine: Engine) -> None:
    with engine.begin() as conn:
        first = repo.create(
            conn, customer(group_id=3, addresses=[address(default_billing=True)]), password_hash="secret-hash"
        )
    with engine.begin() as conn:
        (same_id,) = repo.save_many(conn, [customer("JANE@example.com", lastname="Updated", created_at=None)])
        again = repo.get(conn, same_id)
        stored_hash = conn.execute(sa.select(customer_table.c.password_hash)).scalar_one()
    assert same_id == first.id
    assert again.lastname == "Updated" and again.group_id == 3 and again.created_at == first.created_at
    assert again.addresses == first.addresses and again.default_billing == first.default_billing
    assert stored_hash == "secret-hash"


# -- parsers and column types (no database) ------------------------------------------------------------------


@given(st.emails().filter(lambda e: len(e) <= 191))
def test_every_ordinary_email_is_accepted_lower_cased(email: str) -> None:
    assert email_address("email", f"  {email} ") == email.lower()


@given(st.text(alphabet=st.characters(blacklist_characters="@"), max_size=40))
def test_text_without_an_at_sign_is_not_an_email(text: str) -> None:
    with pytest.raises(InvalidValueError):
        email_address("email", text)


line = (
    st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cs", "Zl", "Zp"]), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)


@given(st.lists(line, min_size=1, max_size=4))
def test_street_lines_round_trip(lines: list[str]) -> None:
    from conveyor.catalog.customers.repository import _address

    checked = _address(address(street=lines))
    assert checked.values["street"].split("\n") == lines


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1)))
def test_timestamps_round_trip_through_magento_text(moment: datetime) -> None:
    whole = moment.replace(microsecond=0)
    assert parse_timestamp(format_timestamp(whole)) == whole
    assert parse_timestamp(moment.replace(tzinfo=UTC).isoformat()) == whole


DIALECTS = [sa.create_engine("sqlite://").dialect, sa.create_engine("postgresql+psycopg://").dialect]


@given(st.decimals(min_value=Decimal("-99999999999999.9999"), max_value=Decimal("99999999999999.9999"), places=4))
def test_money_round_trips_exactly_on_sqlite_and_postgresql(amount: Decimal) -> None:
    money = ExactDecimal(20, 4)
    for dialect in DIALECTS:
        stored = money.process_bind_param(amount, dialect)
        assert money.process_result_value(stored, dialect) == amount
    assert isinstance(money.process_bind_param(amount, DIALECTS[0]), int)  # exact, not a REAL


@pytest.mark.parametrize("server", ["pg_url", "maria_url"])
def test_a_concurrent_create_of_the_same_email_is_a_duplicate_error(
    server: str, request: pytest.FixtureRequest
) -> None:
    """Both creates pass the check (neither sees the other's uncommitted row); the second insert waits for the
    first to commit and then fails on the unique key: Magento's duplicate error, not a 500."""
    import threading
    import time

    engine = make_engine(request.getfixturevalue(server))
    outcome: list[BaseException | int] = []
    with engine.connect() as first, engine.connect() as second:
        first_tx = first.begin()
        repo.create(first, customer("race@example.com"))

        def create_too() -> None:
            with second.begin():
                try:
                    outcome.append(repo.create(second, customer("race@example.com")).id)
                except Exception as exc:
                    outcome.append(exc)

        racer = threading.Thread(target=create_too)
        racer.start()
        time.sleep(0.5)  # the racer's insert now waits on the first's uncommitted key
        first_tx.commit()
        racer.join(30)
    engine.dispose()
    assert len(outcome) == 1 and isinstance(outcome[0], DuplicateError), outcome
    assert outcome[0].message == DUPLICATE_EMAIL
