"""Errors in Magento's shape: ``{"message": "...%1...", "parameters": [...]}`` with Magento's status codes.

``ApiError`` is what the framework raises itself (auth, scope, search criteria); catalog errors
(``conveyor.catalog.errors``) raised by repositories are translated by ``status_of``. ``describe_validation``
turns pydantic's errors into Magento's messages so a request body and a bulk item fail with the same text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from conveyor.catalog import CatalogError, NotFoundError

REQUIRED = '"%1" is required. Enter and try again.'
INVALID = 'Invalid value of "%1" provided for the %2 field.'
NO_ROUTE = "Request does not match any route."
NOT_AUTHORIZED = "The consumer isn't authorized to access %resources."
# Magento's answer to a locked account (AdminTokenService, RequestThrottler): said only when the lockout holds
ACCOUNT_LOCKED = (
    "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later."
)
SIGN_IN_FAILED = ACCOUNT_LOCKED  # the former name
INVALID_LOGIN = "Invalid login or password."  # Magento's words for wrong credentials
TOO_MANY_ATTEMPTS = "Too many sign-in attempts from this address. Please wait %1 seconds and try again."
TOO_LONG = 'The value of "%1" is longer than %2 characters.'
TOO_MANY = '"%1" holds more than %2 entries.'
TOO_MANY_ITEMS = 'Maximum items of type "%type" is %max'
BODY_TOO_LARGE = "The request body is larger than the limit of %1 bytes."
STORE_NOT_FOUND = "The store that was requested wasn't found. Verify the store and try again."
DECODING = "Decoding error: %1"
OUT_OF_RANGE = "A number in the request is out of range: integers are limited to 64 bits."
INTERNAL = "Internal Error. Details are available in the Conveyor log. Report ID: %1"


class ErrorResponse(BaseModel):
    """Magento's error body; ``parameters`` is a list (``%1``) or, for authorization, a mapping (``%name``)."""

    message: str
    parameters: list[str] | dict[str, str] = []
    errors: list[ErrorResponse] | None = None
    trace: str | None = None  # developer mode only


class ApiError(Exception):
    """An error answered as ``status`` with Magento's ``message`` and ``parameters``."""

    def __init__(self, status: int, message: str, parameters: Sequence[str] | Mapping[str, str] | None = None) -> None:
        self.status = status
        self.message = message
        self.errors: list[ApiError] = []  # further errors of the same request (Magento's ``errors``)
        self.parameters: list[str] | dict[str, str] = (
            dict(parameters) if isinstance(parameters, Mapping) else [str(p) for p in parameters or ()]
        )
        super().__init__(render(message, self.parameters))

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "parameters": self.parameters}
        if self.errors:
            body["errors"] = [e.body() for e in self.errors]
        return body


def render(message: str, parameters: Sequence[str] | Mapping[str, str]) -> str:
    """The message with its placeholders filled (for logs, bulk results and CLI output)."""
    if isinstance(parameters, Mapping):
        for name, value in parameters.items():
            message = message.replace(f"%{name}", value)
        return message
    for number in range(len(parameters), 0, -1):  # %10 before %1
        message = message.replace(f"%{number}", str(parameters[number - 1]))
    return message


def status_of(error: CatalogError) -> int:
    """Magento's status for a catalog error: 404 for a missing entity, 400 for everything else."""
    return 404 if isinstance(error, NotFoundError) else 400


def unauthorized(resource: str) -> ApiError:
    return ApiError(401, NOT_AUTHORIZED, {"resources": resource})


def forbidden(resource: str) -> ApiError:
    """A valid token whose ACL resources do not include the route's: Magento's 403."""
    return ApiError(403, NOT_AUTHORIZED, {"resources": resource})


def describe_validation(errors: Sequence[Mapping[str, Any]], skip: int = 0) -> list[ApiError]:
    """Magento messages for pydantic errors: the field path joined with dots (``group.code``).

    ``skip`` leading location parts are dropped (FastAPI prefixes ``body``/``path``/``query``).
    """
    described = []
    for error in errors:
        location = [str(part) for part in tuple(error.get("loc", ()))[skip:]]
        field = ".".join(location) or "body"
        kind = str(error.get("type", ""))
        if kind == "missing":
            described.append(ApiError(400, REQUIRED, [field]))
        elif kind == "json_invalid":
            described.append(ApiError(400, DECODING, [str(error.get("ctx", {}).get("error", "invalid JSON"))]))
        else:
            value = error.get("input")
            shown = value if isinstance(value, str) else _short_json(value)
            described.append(ApiError(400, INVALID, [shown, field]))
    return described or [ApiError(400, DECODING, ["invalid request"])]


def first_error(errors: Sequence[ApiError]) -> ApiError:
    """The first error, carrying the others as Magento's ``errors`` list."""
    head = errors[0]
    head.errors = list(errors[1:])
    return head


def _short_json(value: Any) -> str:
    import orjson

    try:
        text = orjson.dumps(value).decode()
    except TypeError:
        text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."
