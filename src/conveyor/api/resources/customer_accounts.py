"""Customer account management as an admin uses it: Magento's ``AccountManagementInterface`` routes.

Password reset: Conveyor sends no email. ``PUT /V1/customers/password`` records a new reset token on the
account and emits it on ``customer.password.reset_requested`` (``accounts.PASSWORD_RESET_REQUESTED``) for
whatever sends the shop's emails; ``POST /V1/customers/resetPassword`` spends it. Those two, the token check
and ``isEmailAvailable`` are anonymous in Magento and need no token here either.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from conveyor.api.auth import hash_password
from conveyor.api.document import PASSWORD
from conveyor.api.operations import OperationContext, int_param, operations
from conveyor.api.resources.customers import (
    ANONYMOUS,
    MANAGE,
    RESOURCE,
    magento_errors,
    repository,
    snake_keys,
)
from conveyor.catalog.customers import CustomerInput, CustomerRecord, accounts


class PasswordResetRequest(BaseModel):
    """``initiatePasswordReset``: the template is ``email_reset`` or ``email_reminder``."""

    email: str
    template: str
    websiteId: int | None = Field(default=None, ge=0, le=2**15 - 1)  # noqa: N815  (Magento's parameter name)


class ResetPasswordRequest(BaseModel):
    """``resetPassword``: without an email, the account is the one holding the token."""

    email: str | None = None
    resetToken: str  # noqa: N815
    newPassword: str = Field(json_schema_extra=PASSWORD)  # noqa: N815


class ResendConfirmationRequest(BaseModel):
    email: str
    websiteId: int | None = Field(default=None, ge=0, le=2**15 - 1)  # noqa: N815
    redirectUrl: str | None = None  # noqa: N815  (a confirmation email's link: no email is sent)


class ActivateRequest(BaseModel):
    confirmationKey: str  # noqa: N815


class EmailAvailabilityRequest(BaseModel):
    customerEmail: str  # noqa: N815
    websiteId: int | None = Field(default=None, ge=0, le=2**15 - 1)  # noqa: N815


class ValidateRequest(BaseModel):
    """``validate``: any customer payload, complete or not (the answer lists what is wrong)."""

    customer: CustomerInput

    @field_validator("customer", mode="before")
    @classmethod
    def _snake(cls, value: Any) -> Any:
        return snake_keys(value)


class ValidationResults(BaseModel):
    """Magento's ``ValidationResultsInterface``."""

    valid: bool
    messages: list[str]


def _website(ctx: OperationContext, website_id: int | None) -> int:
    """The website named, else the request's store's (as Magento's current store)."""
    return ctx.store.website_id if website_id is None else website_id


# --- anonymous in Magento ---------------------------------------------------------------------------------
@operations.write("POST", "/V1/customers/isEmailAvailable", resource=ANONYMOUS, public=True)
def is_email_available(ctx: OperationContext, params: dict[str, str], body: EmailAvailabilityRequest) -> bool:
    """Whether no account uses the email in the website (the request's store's unless ``websiteId`` is given).

    Answers as Magento does with "Enable Guest Checkout Login" on (with it off, 2.4.8's default, Magento answers
    true for every email, which tells an integration nothing). Served asynchronously too, as Magento serves
    every POST: the answer is then the operation's result.
    """
    return accounts.is_email_available(ctx.conn, body.customerEmail, _website(ctx, body.websiteId))


@operations.write("PUT", "/V1/customers/password", resource=ANONYMOUS, public=True)
def initiate_password_reset(ctx: OperationContext, params: dict[str, str], body: PasswordResetRequest) -> bool:
    """Start a password reset: a new token is recorded and emitted (no email is sent); true."""
    with magento_errors():
        return accounts.initiate_password_reset(
            ctx.conn, ctx.events, body.email, body.template, _website(ctx, body.websiteId)
        )


@operations.read(
    "/V1/customers/{customerId}/password/resetLinkToken/{resetPasswordLinkToken}", resource=ANONYMOUS, public=True
)
def validate_reset_token(ctx: OperationContext, params: dict[str, str]) -> bool:
    """True if the token is the account's current reset token and has not expired (2 hours)."""
    with magento_errors():
        return accounts.validate_reset_token(
            ctx.conn, int_param(params, "customerId"), params["resetPasswordLinkToken"]
        )


@operations.write("POST", "/V1/customers/resetPassword", resource=ANONYMOUS, public=True)
def reset_password(ctx: OperationContext, params: dict[str, str], body: ResetPasswordRequest) -> bool:
    """Set a new password with a reset token (Magento's password rules apply); the token is spent."""
    with magento_errors():
        return accounts.reset_password(
            ctx.conn,
            body.email,
            body.resetToken,
            body.newPassword,
            hash_password(body.newPassword),
            ctx.store.website_id,
        )


# --- admin ----------------------------------------------------------------------------------------------------
@operations.write("PUT", "/V1/customers/validate", resource=MANAGE)
def validate_customer(ctx: OperationContext, params: dict[str, str], body: ValidateRequest) -> ValidationResults:
    """Check a customer payload without saving it: ``valid`` and Magento's messages."""
    messages = accounts.validate(ctx.conn, body.customer)
    return ValidationResults(valid=not messages, messages=messages)


@operations.read("/V1/customers/{customerId}/permissions/readonly", resource=RESOURCE)
def is_customer_readonly(ctx: OperationContext, params: dict[str, str]) -> bool:
    """Whether the account is read-only for an admin (never, here)."""
    with magento_errors():
        return accounts.is_readonly(ctx.conn, int_param(params, "customerId"))


@operations.read("/V1/customers/{customerId}/confirm", resource=MANAGE)
def confirmation_status(ctx: OperationContext, params: dict[str, str]) -> str:
    """``account_confirmation_required`` while the account awaits confirmation, else ``…_not_required``."""
    with magento_errors():
        return accounts.confirmation_status(ctx.conn, int_param(params, "customerId"))


@operations.write("POST", "/V1/customers/confirm", resource=MANAGE)
def resend_confirmation(ctx: OperationContext, params: dict[str, str], body: ResendConfirmationRequest) -> bool:
    """True for an account awaiting confirmation (no email is sent); Magento's 400 when none is needed."""
    with magento_errors():
        return accounts.resend_confirmation(ctx.conn, body.email, _website(ctx, body.websiteId))


@operations.write("PUT", "/V1/customers/{email}/activate", resource=MANAGE)
def activate(ctx: OperationContext, params: dict[str, str], body: ActivateRequest) -> CustomerRecord:
    """Confirm an account (in the request's website) with its confirmation key; the customer."""
    with magento_errors():
        customer_id = accounts.activate(ctx.conn, params["email"], body.confirmationKey, ctx.store.website_id)
        return repository.get(ctx.conn, customer_id)
