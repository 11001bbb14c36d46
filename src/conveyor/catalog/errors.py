"""Domain errors of the catalog store; the API turns them into Magento's messages and status codes."""

from __future__ import annotations


class CatalogError(Exception):
    """Base of every catalog error: ``message`` uses Magento's %1-style placeholders filled by ``parameters``."""

    def __init__(self, message: str, parameters: list[str] | None = None) -> None:
        self.message, self.parameters = message, list(parameters or [])
        text = message
        for number, value in enumerate(self.parameters, start=1):
            text = text.replace(f"%{number}", value)
        super().__init__(text)


class NotFoundError(CatalogError):
    """The requested entity does not exist (HTTP 404)."""


class DuplicateError(CatalogError):
    """A unique value (sku, email per website, code) is taken (HTTP 400, not retriable)."""


class InvalidValueError(CatalogError):
    """A field's value is not acceptable; the message names the field (HTTP 400, not retriable)."""
