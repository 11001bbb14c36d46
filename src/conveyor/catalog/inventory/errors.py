"""MSI's errors carry named placeholders (``"%field" can not be empty.`` with ``{"field": "name"}``) and, for a
validation, a headline with one entry per failed rule; the API renders both exactly as Magento does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from conveyor.catalog.errors import InvalidValueError, NotFoundError

VALIDATION_FAILED = "Validation Failed"
EMPTY = '"%field" can not be empty.'
WHITESPACE = '"%field" can not contain whitespaces.'

Named = Mapping[str, str]


def _render(message: str, named: Named) -> str:
    for name, value in named.items():
        message = message.replace(f"%{name}", value)
    return message


class InventoryValidationError(InvalidValueError):
    """Magento's ValidationException: ``message`` (a headline) and ``errors``, each (message, named parameters)."""

    def __init__(
        self, errors: Sequence[tuple[str, Named]], headline: str = VALIDATION_FAILED, *, missing: bool = False
    ) -> None:
        super().__init__(headline)
        self.errors = [(message, dict(named)) for message, named in errors]
        self.missing = missing  # every error names an entity that does not exist (the API answers 404)
        self.args = (headline + ": " + "; ".join(_render(m, n) for m, n in self.errors),)


class InventoryNotFoundError(NotFoundError):
    """A missing entity, with Magento's named placeholders (``Stock with id "%value" does not exist.``)."""

    def __init__(self, message: str, named: Named) -> None:
        super().__init__(message)
        self.named = dict(named)
        self.args = (_render(message, named),)


class InventoryInvalidError(InvalidValueError):
    """A refused write whose message has named placeholders (``Source %sourceCode does not exist``)."""

    def __init__(self, message: str, named: Named | None = None) -> None:
        super().__init__(message)
        self.named = dict(named or {})
        self.args = (_render(message, self.named),)


def check_code(field: str, value: str | None, errors: list[tuple[str, Named]]) -> None:
    """MSI's code rules: not empty, no whitespace, no ``${…}`` template."""
    text = value or ""
    if not text.strip():
        errors.append((EMPTY, {"field": field}))
    if any(c.isspace() for c in text):
        errors.append((WHITESPACE, {"field": field}))
    check_template(text, errors)


def check_text(field: str, value: str | None, errors: list[tuple[str, Named]]) -> None:
    """MSI's name rules: not empty, no ``${…}`` template."""
    text = value or ""
    if not text.strip():
        errors.append((EMPTY, {"field": field}))
    check_template(text, errors)


def check_template(text: str, errors: list[tuple[str, Named]]) -> None:
    import re

    if re.search(r"\$:*\{.*\}", text):
        errors.append((VALIDATION_FAILED, {}))
