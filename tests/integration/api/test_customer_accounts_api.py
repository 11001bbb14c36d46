"""Account management as an admin (and Magento's anonymous callers) use it: password reset, confirmation,
email availability, validate and read-only, on every database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from conveyor.api.auth import verify_password
from conveyor.bulk.schema import operation_table
from conveyor.catalog.customers import accounts, customer_table
from conveyor.catalog.customers.tables import utc_now
from tests.integration.api.harness import Harness, harness
from tests.integration.catalog.test_customers import add_second_website

BASE = "/rest/V1/customers"
NO_TOKEN: dict[str, str] = {}
PASSWORD = "Old-Passw0rd"


def create(api: Harness, email: str, headers: dict[str, str] | None = None, **values: Any) -> dict[str, Any]:
    body = {"customer": {"email": email, "firstname": "Jane", "lastname": "Doe", **values}, "password": PASSWORD}
    answer = api.send("POST", BASE, body, headers=api.headers if headers is None else headers)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def account(api: Harness, customer_id: int) -> Any:
    with api.engine.connect() as conn:
        return conn.execute(sa.select(customer_table).where(customer_table.c.entity_id == customer_id)).one()


def set_account(api: Harness, customer_id: int, **values: Any) -> None:
    with api.engine.begin() as conn:
        conn.execute(customer_table.update().where(customer_table.c.entity_id == customer_id).values(**values))


def error(answer: Any) -> tuple[int, str, Any]:
    return answer.status_code, answer.json()["message"], answer.json()["parameters"]


def test_password_reset_without_a_token_records_validates_and_spends_the_reset_token(api: Harness) -> None:
    jane = create(api, "jane@example.com")
    path = f"{BASE}/{jane['id']}/password/resetLinkToken"
    start = {"email": "Jane@Example.com", "template": "email_reset", "websiteId": 1}
    assert api.send("PUT", f"{BASE}/password", start, headers=NO_TOKEN).json() is True
    token = account(api, jane["id"]).rp_token
    assert len(token) == 32 and account(api, jane["id"]).rp_token_created_at is not None
    assert api.get(f"{path}/{token}", headers=NO_TOKEN).json() is True
    mismatch = api.get(f"{path}/{'0' * 32}", headers=NO_TOKEN)
    assert error(mismatch) == (400, "The password token is mismatched. Reset and try again.", [])

    weak = {"email": "jane@example.com", "resetToken": token, "newPassword": "weakpassword"}
    assert error(api.send("POST", f"{BASE}/resetPassword", weak, headers=NO_TOKEN))[:2] == (
        400,
        "Minimum of different classes of characters in password is %1. "
        "Classes of characters: Lower Case, Upper Case, Digits, Special Characters.",
    )
    assert account(api, jane["id"]).rp_token == token  # a refused reset spends nothing
    strong = {**weak, "newPassword": "New-Passw0rd!"}
    assert api.send("POST", f"{BASE}/resetPassword", strong, headers=NO_TOKEN).json() is True
    row = account(api, jane["id"])
    assert verify_password("New-Passw0rd!", row.password_hash) and row.rp_token is None
    assert error(api.get(f"{path}/{token}", headers=NO_TOKEN))[0] == 400  # spent
    assert error(api.send("POST", f"{BASE}/resetPassword", strong, headers=NO_TOKEN))[1] == (
        "The password token is mismatched. Reset and try again."
    )

    # the email may be left out: the token names the account
    assert api.send("PUT", f"{BASE}/password", {**start, "template": "email_reminder"}).json() is True
    token = account(api, jane["id"]).rp_token
    anonymous = {"email": "", "resetToken": token, "newPassword": "Third-Passw0rd"}
    assert api.send("POST", f"{BASE}/resetPassword", anonymous, headers=NO_TOKEN).json() is True
    assert verify_password("Third-Passw0rd", account(api, jane["id"]).password_hash)


def test_password_reset_errors_are_magentos(api: Harness) -> None:
    jane = create(api, "jane@example.com")
    unknown = api.send("PUT", f"{BASE}/password", {"email": "nobody@example.com", "template": "email_reset"})
    assert error(unknown) == (
        404,
        "No such entity with %fieldName = %fieldValue, %field2Name = %field2Value",
        {"fieldName": "email", "fieldValue": "nobody@example.com", "field2Name": "websiteId", "field2Value": "1"},
    )
    template = api.send("PUT", f"{BASE}/password", {"email": "jane@example.com", "template": "email_welcome"})
    assert error(template) == (
        400,
        'Invalid value of "%1" provided for the %2 field. Possible values: %3 or %4.',
        ["email_welcome", "template", "email_reminder", "email_reset"],
    )
    assert account(api, jane["id"]).rp_token is None
    assert api.send("PUT", f"{BASE}/password", {"email": "jane@example.com", "template": "email_reset"}).json()
    token = account(api, jane["id"]).rp_token
    set_account(api, jane["id"], rp_token_created_at=utc_now() - timedelta(hours=2))  # Magento's 2 hours
    expired = api.get(f"{BASE}/{jane['id']}/password/resetLinkToken/{token}")
    assert error(expired) == (400, "The password token is expired. Reset and try again.", [])
    assert error(api.get(f"{BASE}/0/password/resetLinkToken/{token}"))[1:] == (
        'Invalid value of "%value" provided for the %fieldName field.',
        {"value": "0", "fieldName": "customerId"},
    )
    assert api.get(f"{BASE}/999/password/resetLinkToken/{token}").status_code == 404


def test_confirmation_status_resend_and_activate(api: Harness) -> None:
    jane = create(api, "jane@example.com")
    status = f"{BASE}/{jane['id']}/confirm"
    assert api.get(status).json() == "account_confirmation_not_required"  # confirmation is off, as Magento's default
    activate = f"{BASE}/jane@example.com/activate"
    assert error(api.send("PUT", activate, {"confirmationKey": "x"})) == (400, "The account is already active.", [])
    resend = {"email": "jane@example.com", "websiteId": 1, "redirectUrl": ""}
    assert error(api.send("POST", f"{BASE}/confirm", resend)) == (400, "Confirmation isn't needed.", [])

    set_account(api, jane["id"], confirmation="a" * 32)  # an account awaiting confirmation (e.g. migrated)
    assert api.get(status).json() == "account_confirmation_required"
    assert api.get(f"{BASE}/{jane['id']}").json()["confirmation"] == "a" * 32
    assert api.send("POST", f"{BASE}/confirm", resend).json() is True
    wrong = api.send("PUT", activate, {"confirmationKey": "b" * 32})
    assert error(wrong) == (400, "The confirmation token is invalid. Verify the token and try again.", [])
    activated = api.send("PUT", activate, {"confirmationKey": "a" * 32})
    assert activated.status_code == 200 and activated.json()["id"] == jane["id"]
    assert "confirmation" not in activated.json()
    assert api.get(status).json() == "account_confirmation_not_required"
    assert api.get(f"{BASE}/999/confirm").status_code == 404
    assert api.send("PUT", f"{BASE}/nobody@example.com/activate", {"confirmationKey": "x"}).status_code == 404


def test_email_availability_per_website_and_read_only(api: Harness) -> None:
    with api.engine.begin() as conn:
        add_second_website(conn)
    jane = create(api, "jane@example.com")

    def available(body: dict[str, Any], store: str = "") -> Any:
        answer = api.send("POST", f"/rest{store}/V1/customers/isEmailAvailable", body, headers=NO_TOKEN)
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert available({"customerEmail": "JANE@example.com"}) is False
    assert available({"customerEmail": "john@example.com"}) is True
    assert available({"customerEmail": "jane@example.com", "websiteId": 2}) is True
    assert available({"customerEmail": "jane@example.com"}, store="/de") is True  # the store view's website
    queued = api.send("POST", "/rest/async/V1/customers/isEmailAvailable", {"customerEmail": "jane@example.com"})
    assert queued.status_code == 202, queued.text
    api.drain()
    with api.engine.connect() as conn:
        result = conn.execute(sa.select(operation_table.c.result_serialized_data)).scalar_one()
    assert orjson.loads(result) is False

    assert api.get(f"{BASE}/{jane['id']}/permissions/readonly").json() is False
    missing = api.get(f"{BASE}/999/permissions/readonly")
    assert error(missing) == (
        404,
        "No such entity with %fieldName = %fieldValue",
        {"fieldName": "customerId", "fieldValue": "999"},
    )
    assert api.get(f"{BASE}/{jane['id']}/permissions/readonly", headers=NO_TOKEN).status_code == 401


def test_validate_lists_every_message_without_saving(api: Harness) -> None:
    def validate(customer: dict[str, Any]) -> Any:
        answer = api.send("PUT", f"{BASE}/validate", {"customer": customer})
        assert answer.status_code == 200, answer.text
        return answer.json()

    good = {"email": "jane@example.com", "firstname": "Jane", "lastname": "Doe", "groupId": 2}
    assert validate(good) == {"valid": True, "messages": []}
    assert validate({"email": "not-an-email", "lastname": " "}) == {
        "valid": False,
        "messages": [
            '"First Name" is a required value.',
            '"Last Name" is a required value.',
            '"Email" is not a valid email address.',
        ],
    }
    assert validate({**good, "groupId": 99}) == {
        "valid": False,
        "messages": ['Invalid value of "99" provided for the group_id field.'],
    }
    assert validate({**good, "firstname": "J" * 256})["messages"] == [
        '"First Name" length must be equal or less than 255 characters.'
    ]
    with api.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(customer_table)).scalar_one() == 0


def test_create_account_without_a_token_joins_the_default_group(api: Harness) -> None:
    guest = create(api, "guest@example.com", headers=NO_TOKEN, group_id=2)
    assert guest["group_id"] == 1  # a guest cannot choose its group (Magento's AccountManagementApi)
    admin = create(api, "admin-made@example.com", headers=api.admin, group_id=2)
    assert admin["group_id"] == 2
    assert verify_password(PASSWORD, account(api, guest["id"]).password_hash)
    bad_token = {"Authorization": "Bearer " + "f" * 32}
    assert create(api, "other@example.com", headers=bad_token, group_id=2)["group_id"] == 1


def test_a_reset_request_emits_the_token_for_whatever_sends_the_email(sqlite_url: str, tmp_path: Path) -> None:
    topology = tmp_path / "customer-events.yaml"
    topology.write_text(
        "exchanges:\n  - name: magento\n    bindings:\n"
        "      - {id: customer-events, topic: 'customer.#', destination: mailer}\nqueues: [mailer]\n"
    )
    with harness(sqlite_url, topology_files=[topology]) as api:
        jane = create(api, "jane@example.com")
        start = {"email": "jane@example.com", "template": "email_reset"}
        assert api.send("PUT", f"{BASE}/password", start, headers=NO_TOKEN).json() is True
        transport = api.mq.transport_for_queue("mailer")
        deliveries = transport.reserve("mailer", 10, "test")
        assert [(d.envelope.topic, d.envelope.json()) for d in deliveries] == [
            (
                accounts.PASSWORD_RESET_REQUESTED,
                {
                    "customer_id": jane["id"],
                    "email": "jane@example.com",
                    "website_id": 1,
                    "template": "email_reset",
                    "token": account(api, jane["id"]).rp_token,
                },
            )
        ]
