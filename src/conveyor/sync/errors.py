"""Errors of sources and sync handlers, each saying whether trying again later can help.

The bus classifies failures by ``transient``: a transient error is retried (a 429 is waited out and never
counted as a failed attempt), a permanent one goes to the sync log as failed at once.
"""

from __future__ import annotations


class SyncError(Exception):
    """Base of every sync failure; ``transient`` tells the bus whether a retry may succeed."""

    transient = False


class SourceError(SyncError):
    """The source could not answer a request."""


class RateLimited(SourceError):  # noqa: N818 - the name callers know from the source APIs
    """The source answered 429: wait ``retry_after`` seconds before the next request (not a failed attempt)."""

    transient = True

    def __init__(self, retry_after: float, message: str | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message or f"the source's quota is used up: retry after {retry_after:g}s")


class SourceUnavailableError(SourceError):
    """5xx answers, timeouts or connection failures that outlasted the retries."""

    transient = True


class SourceRequestError(SourceError):
    """The source refused a request (4xx other than 429): repeating it unchanged will fail again."""

    def __init__(self, message: str, status: int, entity: str | None = None, entity_id: str | None = None) -> None:
        self.status, self.entity, self.entity_id = status, entity, entity_id
        super().__init__(message)


class EntityNotFoundError(SourceRequestError):
    """The source has no entity with that id (404)."""


class SourceAuthError(SourceRequestError):
    """The source rejected the credentials (401/403): check the API key settings."""


class SourceDataError(SourceError):
    """The source answered with a payload that does not match its documented shape."""


class MappingError(SyncError):
    """A source entity cannot be mapped into the store (unknown order, option missing at the source …)."""
