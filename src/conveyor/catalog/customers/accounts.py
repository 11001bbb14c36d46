"""Account management (Magento's ``AccountManagementInterface``) as an admin uses it over REST.

Confirmation: ``customer_entity.confirmation`` holds the key of an account awaiting confirmation (Magento's
``customer/create_account/confirm`` is off by default, so accounts made here never await one; an imported or
migrated account may). Password reset: Conveyor sends no email. ``initiate_password_reset`` records a new
token (``rp_token``, valid ``RESET_LINK_HOURS`` as Magento's default) and emits ``PASSWORD_RESET_REQUESTED``
with it, so whatever sends the shop's emails can send the link; ``reset_password`` checks and clears it.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.customers.models import CustomerInput
from conveyor.catalog.customers.passwords import check_password
from conveyor.catalog.customers.repository import NO_SUCH_ENTITY, NO_SUCH_ENTITY_2, CustomerRepository, customer_table
from conveyor.catalog.customers.tables import utc_now
from conveyor.catalog.customers.validation import REQUIRED, email_address
from conveyor.catalog.errors import CatalogError, InvalidValueError, NotFoundError
from conveyor.catalog.events import EventSink

PASSWORD_RESET_REQUESTED = "customer.password.reset_requested"
# Labels and messages of Magento's EAV validator (Eav\Model\Attribute\Data\Text), which validate() reports.
LABELS = {"firstname": "First Name", "lastname": "Last Name", "email": "Email"}
REQUIRED_VALUE = '"%1" is a required value.'
TOO_LONG_VALUE = '"%1" length must be equal or less than %2 characters.'
NOT_AN_EMAIL = '"%1" is not a valid email address.'
NAME_MAX_LENGTH = 255
EMAIL_REMINDER, EMAIL_RESET = "email_reminder", "email_reset"
RESET_LINK_HOURS = 2  # Magento's customer/password/reset_link_expiration_period
ACCOUNT_CONFIRMED = "account_confirmed"
ACCOUNT_CONFIRMATION_REQUIRED = "account_confirmation_required"
ACCOUNT_CONFIRMATION_NOT_REQUIRED = "account_confirmation_not_required"

UNKNOWN_TEMPLATE = 'Invalid value of "%1" provided for the %2 field. Possible values: %3 or %4.'
TOKEN_MISMATCH = "The password token is mismatched. Reset and try again."
TOKEN_EXPIRED = "The password token is expired. Reset and try again."
INVALID = 'Invalid value of "%1" provided for the %2 field.'
ALREADY_ACTIVE = "The account is already active."
CONFIRMATION_INVALID = "The confirmation token is invalid. Verify the token and try again."
CONFIRMATION_NOT_NEEDED = "Confirmation isn't needed."

C = customer_table


def customer_id(conn: Connection, email: str, website_id: int) -> int:
    """The id of the account with ``email`` in ``website_id``; Magento's 404 naming both otherwise."""
    found = conn.execute(
        sa.select(C.c.entity_id).where(C.c.email == email.strip(), C.c.website_id == website_id)
    ).scalar_one_or_none()
    if found is None:
        raise NotFoundError(NO_SUCH_ENTITY_2, ["email", email, "websiteId", str(website_id)])
    return int(found)


def is_email_available(conn: Connection, email: str, website_id: int) -> bool:
    """Whether no account uses ``email`` in ``website_id``."""
    query = sa.select(C.c.entity_id).where(C.c.email == email.strip(), C.c.website_id == website_id)
    return conn.execute(query).first() is None


def is_readonly(conn: Connection, customer: int) -> bool:
    """Whether an admin may not edit the account: never here (Magento: not ``deleteable``); 404 if unknown."""
    _row(conn, customer)
    return False


def validate(conn: Connection, data: CustomerInput) -> list[str]:
    """Magento's validate: the messages of every required or malformed field, then the first other failure.

    Empty when ``data`` would save (addresses are not validated, as Magento's validate leaves them out).
    """
    messages = []
    for field, label in LABELS.items():
        value = (getattr(data, field) or "").strip()
        if not value:
            messages.append(str(CatalogError(REQUIRED_VALUE, [label])))
        elif field == "email":
            try:
                email_address(field, value)
            except CatalogError:
                messages.append(str(CatalogError(NOT_AN_EMAIL, [label])))
        elif len(value) > NAME_MAX_LENGTH:
            messages.append(str(CatalogError(TOO_LONG_VALUE, [label, str(NAME_MAX_LENGTH)])))
    if not messages:
        try:
            CustomerRepository().check(conn, data.model_copy(update={"addresses": None}))
        except CatalogError as exc:
            messages.append(str(exc))
    return messages


# --- password reset ---------------------------------------------------------------------------------------
def initiate_password_reset(conn: Connection, events: EventSink, email: str, template: str, website_id: int) -> bool:
    """Record a new reset token for the account and emit it (Magento would email it); ``template`` as Magento's."""
    found = customer_id(conn, email, website_id)
    if template not in (EMAIL_REMINDER, EMAIL_RESET):
        raise InvalidValueError(UNKNOWN_TEMPLATE, [template, "template", EMAIL_REMINDER, EMAIL_RESET])
    token = secrets.token_hex(16)
    conn.execute(C.update().where(C.c.entity_id == found).values(rp_token=token, rp_token_created_at=utc_now()))
    payload = {"customer_id": found, "email": email.strip().lower(), "website_id": website_id}
    events.emit(PASSWORD_RESET_REQUESTED, {**payload, "template": template, "token": token})
    return True


def validate_reset_token(conn: Connection, customer: int, token: str) -> bool:
    """True if ``token`` is the account's current, unexpired reset token; Magento's 400 otherwise."""
    if customer <= 0:
        raise InvalidValueError(INVALID, [str(customer), "customerId"])
    if not token:
        raise InvalidValueError(REQUIRED, ["resetPasswordLinkToken"])
    row = _row(conn, customer)
    stored, created = row.rp_token, row.rp_token_created_at
    if not stored or not hmac.compare_digest(stored.encode(), token.encode()):
        raise InvalidValueError(TOKEN_MISMATCH)
    now = utc_now()
    if created is None or created > now or now - created >= timedelta(hours=RESET_LINK_HOURS):
        raise InvalidValueError(TOKEN_EXPIRED)
    return True


def reset_password(
    conn: Connection, email: str | None, token: str, password: str, password_hash: str, website_id: int
) -> bool:
    """Set a new password with a valid reset token (the token is then spent); ``password_hash`` of ``password``.

    Without an email the account is the one holding ``token``, as Magento finds it.
    """
    if email and email.strip():
        found = customer_id(conn, email, website_id)
    else:
        holder = conn.execute(sa.select(C.c.entity_id, C.c.email).where(C.c.rp_token == token)).first()
        if not token or holder is None:
            raise NotFoundError(NO_SUCH_ENTITY, ["rpToken", token])
        found, email = int(holder.entity_id), str(holder.email)
    validate_reset_token(conn, found, token)
    check_password(password, email)
    conn.execute(
        C.update()
        .where(C.c.entity_id == found)
        .values(password_hash=password_hash, rp_token=None, rp_token_created_at=None, updated_at=utc_now())
    )
    return True


# --- confirmation -------------------------------------------------------------------------------------------
def confirmation_status(conn: Connection, customer: int) -> str:
    """Magento's getConfirmationStatus: required while a confirmation key is pending, else not required."""
    row = _row(conn, customer)
    return ACCOUNT_CONFIRMATION_REQUIRED if row.confirmation else ACCOUNT_CONFIRMATION_NOT_REQUIRED


def activate(conn: Connection, email: str, key: str, website_id: int) -> int:
    """Confirm the account with its confirmation key (Magento's activate); returns its id."""
    found = customer_id(conn, email, website_id)
    pending = _row(conn, found).confirmation
    if not pending:
        raise InvalidValueError(ALREADY_ACTIVE)
    if not hmac.compare_digest(str(pending).encode(), key.encode()):
        raise InvalidValueError(CONFIRMATION_INVALID)
    conn.execute(C.update().where(C.c.entity_id == found).values(confirmation=None, updated_at=utc_now()))
    return found


def resend_confirmation(conn: Connection, email: str, website_id: int) -> bool:
    """Magento's resendConfirmation: only for an account awaiting confirmation (no email is sent here)."""
    if not _row(conn, customer_id(conn, email, website_id)).confirmation:
        raise InvalidValueError(CONFIRMATION_NOT_NEEDED)
    return True


def _row(conn: Connection, customer: int) -> Any:
    row = conn.execute(
        sa.select(C.c.entity_id, C.c.confirmation, C.c.rp_token, C.c.rp_token_created_at).where(
            C.c.entity_id == customer
        )
    ).first()
    if row is None:
        raise NotFoundError(NO_SUCH_ENTITY, ["customerId", str(customer)])
    return row
