"""MSI's errors as Magento renders them: named parameters (``{"field": "name"}``) and a validation's ``errors``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from conveyor.api.errors import ApiError
from conveyor.catalog.inventory import InventoryInvalidError, InventoryNotFoundError, InventoryValidationError

F = TypeVar("F", bound=Callable[..., Any])


def _error(status: int, message: str, named: dict[str, str]) -> ApiError:
    return ApiError(status, message, named if named else None)


def magento_errors(handler: F) -> F:
    """Run ``handler`` and answer MSI's domain errors in Magento's shape (400 or 404)."""

    @functools.wraps(handler)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except InventoryValidationError as exc:
            status = 404 if exc.missing else 400  # Magento's messages; a missing entity is a 404 here
            error = ApiError(status, exc.message)
            error.errors = [_error(status, message, named) for message, named in exc.errors]
            raise error from exc
        except InventoryNotFoundError as exc:
            raise _error(404, exc.message, exc.named) from exc
        except InventoryInvalidError as exc:
            raise _error(400, exc.message, exc.named) from exc

    return run  # type: ignore[return-value]
