"""Customers: Magento's ``/V1/customers`` routes and payloads on ``CustomerRepository``.

The writes are also served as ``/rest/async/V1/customers…`` and ``/rest/async/bulk/V1/customers[/byCustomerId]``
on the topics ``async.V1.customers.POST``, ``async.V1.customers.byCustomerId.PUT`` and
``async.V1.customers.byCustomerId.DELETE``.

Two request rules every resource of this kind needs live here (``orders`` imports them):

* ``snake_keys`` — Magento reads ``countryId`` as ``country_id``; its own documentation sends camelCase.
* ``magento_errors`` — "No such entity", "is required" and "Invalid value" with Magento's named parameters.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from conveyor.api.auth import USER_TYPE_GUEST, hash_password
from conveyor.api.document import DATE_OF_BIRTH, EMAIL, NON_BLANK, PASSWORD, declares, pattern
from conveyor.api.errors import INVALID, ApiError
from conveyor.api.operations import OperationContext, int_param, operations
from conveyor.api.search import SearchCriteria, SearchResults, apply, results
from conveyor.catalog import CatalogError, InvalidValueError, NotFoundError
from conveyor.catalog.customers import (
    DUPLICATE_EMAIL,
    NO_SUCH_ENTITY,
    NO_SUCH_ENTITY_2,
    AddressRecord,
    CustomerInput,
    CustomerRecord,
    CustomerRepository,
    check_password,
    email_address,
)

RESOURCE = "Magento_Customer::customer"  # reading customers
MANAGE = "Magento_Customer::manage"  # changing them, and the address and account routes
DELETE = "Magento_Customer::delete"
ANONYMOUS = "anonymous"  # Magento's routes without a token (createAccount, password reset, isEmailAvailable)
NAMED_NO_SUCH_ENTITY = "No such entity with %fieldName = %fieldValue"
NAMED_NO_SUCH_ENTITY_2 = "No such entity with %fieldName = %fieldValue, %field2Name = %field2Value"
NAMED_REQUIRED = '"%fieldName" is required. Enter and try again.'
NAMED_INVALID = 'Invalid value of "%value" provided for the %fieldName field.'
# the genders the repository takes (``GENDERS``: 0 and 3 not specified, 1 male, 2 female), or none
GENDER = {"anyOf": [{"type": "integer", "minimum": 0, "maximum": 3}, {"type": "null"}]}
# a valid customer the stored data refuses: a website, store view or group that does not exist (or does not go
# with the others), an email the website already has
STORED_DATA_REFUSALS = [NAMED_INVALID, DUPLICATE_EMAIL]
REQUIRED = '"%1" is required. Enter and try again.'

repository = CustomerRepository()
_CAMEL = re.compile(r"(.)([A-Z])")


# --- request rules shared with the other sales resources ----------------------------------------------------
def snake_case(name: str) -> str:
    """Magento's camelCase-to-snake_case for field names: ``countryId`` → ``country_id``."""
    return _CAMEL.sub(r"\1_\2", name).lower()


def snake_keys(value: Any, verbatim: Collection[str] = ()) -> Any:
    """``value`` with every object key in snake_case; the values of ``verbatim`` keys (free-form data) untouched."""
    if isinstance(value, dict):
        converted = {}
        for key, item in value.items():
            name = snake_case(key) if isinstance(key, str) else key
            converted[name] = item if name in verbatim else snake_keys(item, verbatim)
        return converted
    if isinstance(value, list):
        return [snake_keys(item, verbatim) for item in value]
    return value


SnakeKeys = BeforeValidator(snake_keys)
"""A request field whose object keys may come in Magento's camelCase: ``entity: Annotated[Entity, SnakeKeys]``."""


@contextmanager
def magento_errors() -> Iterator[None]:
    """Re-raise the repositories' errors in the shape Magento's exceptions have: named parameters.

    "No such entity" (``NoSuchEntityException``), "is required" and "Invalid value" (``InputException``'s
    ``requiredField`` / ``invalidFieldValue``) carry ``%fieldName``-style placeholders; Magento's clients read them.
    """
    try:
        yield
    except NotFoundError as exc:
        names = ("fieldName", "fieldValue", "field2Name", "field2Value")
        if exc.message == NO_SUCH_ENTITY and len(exc.parameters) == 2:
            raise ApiError(404, NAMED_NO_SUCH_ENTITY, dict(zip(names, exc.parameters, strict=False))) from exc
        if exc.message == NO_SUCH_ENTITY_2 and len(exc.parameters) == 4:
            raise ApiError(404, NAMED_NO_SUCH_ENTITY_2, dict(zip(names, exc.parameters, strict=True))) from exc
        raise
    except InvalidValueError as exc:
        if exc.message == REQUIRED and len(exc.parameters) == 1:
            raise ApiError(400, NAMED_REQUIRED, {"fieldName": exc.parameters[0]}) from exc
        if exc.message == INVALID and len(exc.parameters) == 2:
            value, field = exc.parameters
            raise ApiError(400, NAMED_INVALID, {"value": value, "fieldName": field}) from exc
        raise


# --- payloads -----------------------------------------------------------------------------------------------
class CustomerData(CustomerInput):
    """A customer as sent: email (a valid address), first and last name are required as in Magento.

    Checked here rather than only in the repository so that a bulk item missing them is rejected at once.
    """

    model_config = ConfigDict(json_schema_extra=declares(properties={"dob": DATE_OF_BIRTH, "gender": GENDER}))

    email: Annotated[str, Field(json_schema_extra=pattern(EMAIL))]
    firstname: Annotated[str, Field(json_schema_extra=pattern(NON_BLANK))]  # '"%fieldName" is required' if blank
    lastname: Annotated[str, Field(json_schema_extra=pattern(NON_BLANK))]

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str) -> str:
        try:
            email_address("email", value)
        except CatalogError as exc:
            raise ValueError(str(exc)) from None
        return value


class CustomerCreateRequest(BaseModel):
    """``POST /V1/customers``: Magento's ``createAccount`` (``redirectUrl``, for a confirmation email, unused)."""

    customer: CustomerData
    password: str | None = Field(default=None, json_schema_extra=PASSWORD)
    redirectUrl: str | None = None  # noqa: N815  (Magento's parameter name)

    @field_validator("customer", mode="before")
    @classmethod
    def _snake(cls, value: Any) -> Any:
        return snake_keys(value)


class CustomerSaveRequest(BaseModel):
    """``PUT /V1/customers/{customerId}``: the whole customer; ``addresses`` given replace the stored ones."""

    customer: CustomerData

    @field_validator("customer", mode="before")
    @classmethod
    def _snake(cls, value: Any) -> Any:
        return snake_keys(value)


# --- routes -------------------------------------------------------------------------------------------------
@operations.search("/V1/customers/search", resource=RESOURCE)
def search_customers(
    ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria
) -> SearchResults[CustomerRecord]:
    """Customers matching searchCriteria (email, firstname, lastname, group_id, website_id, created_at, …)."""
    translation = apply(criteria, repository.search_fields())
    found, total = repository.search(
        ctx.conn, translation.where, translation.order_by, translation.limit, translation.offset
    )
    return SearchResults[CustomerRecord].model_validate(results(found, criteria, total))


@operations.read("/V1/customers/{customerId}", resource=RESOURCE)
def get_customer(ctx: OperationContext, params: dict[str, str]) -> CustomerRecord:
    """One customer with addresses and custom attributes."""
    with magento_errors():
        return repository.get(ctx.conn, int_param(params, "customerId"))


@operations.read("/V1/customers/{customerId}/billingAddress", resource=MANAGE)
def get_billing_address(ctx: OperationContext, params: dict[str, str]) -> AddressRecord | None:
    """The customer's default billing address (null when none is set)."""
    with magento_errors():
        customer = repository.get(ctx.conn, int_param(params, "customerId"))
    return next((a for a in customer.addresses if a.default_billing), None)


@operations.read("/V1/customers/{customerId}/shippingAddress", resource=MANAGE)
def get_shipping_address(ctx: OperationContext, params: dict[str, str]) -> AddressRecord | None:
    """The customer's default shipping address (null when none is set)."""
    with magento_errors():
        customer = repository.get(ctx.conn, int_param(params, "customerId"))
    return next((a for a in customer.addresses if a.default_shipping), None)


@operations.write("POST", "/V1/customers", resource=ANONYMOUS, public=True, refuses={400: STORED_DATA_REFUSALS})
def create_customer(ctx: OperationContext, params: dict[str, str], body: CustomerCreateRequest) -> CustomerRecord:
    """Create a customer (Magento's createAccount) in the request's website unless the payload names one.

    An email already used in the website is Magento's 400; a ``customer.id`` is ignored (new ids are assigned).
    Without a token the group is not the caller's to choose (Magento's AccountManagementApi): the default group.
    """
    data = body.customer.model_copy(update={"id": None})
    if ctx.caller.user_type == USER_TYPE_GUEST:
        data = data.model_copy(update={"group_id": None})
    if data.website_id is None and data.store_id is None and not ctx.store.is_admin:
        data = data.model_copy(update={"website_id": ctx.store.website_id, "store_id": ctx.store.store_id})
    password_hash = None
    if body.password is not None:
        check_password(body.password, data.email)
        password_hash = hash_password(body.password)
    with magento_errors():
        return repository.create(ctx.conn, data, password_hash)


@operations.write("PUT", "/V1/customers/{customerId}", resource=MANAGE, refuses={400: STORED_DATA_REFUSALS})
def save_customer(ctx: OperationContext, params: dict[str, str], body: CustomerSaveRequest) -> CustomerRecord:
    """Update the path's customer; a ``customer.id`` of another is ignored: the path's id wins (Magento's
    ``UpdateCustomerId`` plugin sets it on the customer before saving)."""
    customer_id = int_param(params, "customerId")
    with magento_errors():
        return repository.save(ctx.conn, body.customer.model_copy(update={"id": customer_id}))


@operations.write("DELETE", "/V1/customers/{customerId}", resource=DELETE)
def delete_customer(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Delete a customer with its addresses (its orders keep their snapshot of the customer)."""
    with magento_errors():
        repository.delete(ctx.conn, int_param(params, "customerId"))
    return True
