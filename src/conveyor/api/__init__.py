"""The Magento-compatible REST API (FastAPI): one registry of operations served sync, async and in bulk.

Other packages use this surface only::

    from conveyor.api import OperationContext, operations, int_param, SearchCriteria, SearchResults, search_rows

* ``operations`` — the registry resource modules declare on (``write`` / ``read`` / ``search``); see
  ``conveyor.api.operations`` for the contract and ``conveyor.api.resources.customer_groups`` for an example.
* ``create_app(settings)`` — the application; ``conveyor api serve`` runs it.
* ``SearchCriteria`` / ``parse`` / ``apply`` / ``search_rows`` / ``results`` — Magento's searchCriteria.
* ``ApiError`` — an error with Magento's message and a status; catalog errors map by themselves.
* ``authenticate_admin(engine, username, password, client, settings)`` — the one admin login (awaited): the
  lockout per username, the throttle per client address and the password hash off the event loop, shared by the
  token endpoint and the admin web UI; returns an ``AdminIdentity`` or raises ``ApiError`` (401, 429).
  ``unlock_admin(conn, username)`` ends a lockout (``conveyor user unlock``).

Names are imported on first use, so that ``conveyor.schema`` (which imports ``conveyor.api.schema``) does not
load FastAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.lazy import lazy_exports

if TYPE_CHECKING:
    from conveyor.api.app import create_app
    from conveyor.api.auth import Caller, caller_for_token, issue_admin_token, revoke_token
    from conveyor.api.errors import ApiError
    from conveyor.api.login import AdminIdentity, authenticate_admin, unlock_admin
    from conveyor.api.operations import (
        Operation,
        OperationContext,
        Registry,
        RequestContext,
        default_registry,
        int_param,
        operations,
        topic_for,
    )
    from conveyor.api.scope import StoreScope
    from conveyor.api.search import SearchCriteria, SearchResults, apply, parse, results, search_rows

_EXPORTS = {
    "create_app": "conveyor.api.app",
    "Caller": "conveyor.api.auth",
    "caller_for_token": "conveyor.api.auth",
    "issue_admin_token": "conveyor.api.auth",
    "revoke_token": "conveyor.api.auth",
    "ApiError": "conveyor.api.errors",
    "AdminIdentity": "conveyor.api.login",
    "authenticate_admin": "conveyor.api.login",
    "unlock_admin": "conveyor.api.login",
    "RequestContext": "conveyor.api.operations",
    "Operation": "conveyor.api.operations",
    "OperationContext": "conveyor.api.operations",
    "Registry": "conveyor.api.operations",
    "default_registry": "conveyor.api.operations",
    "int_param": "conveyor.api.operations",
    "operations": "conveyor.api.operations",
    "topic_for": "conveyor.api.operations",
    "StoreScope": "conveyor.api.scope",
    "SearchCriteria": "conveyor.api.search",
    "SearchResults": "conveyor.api.search",
    "apply": "conveyor.api.search",
    "parse": "conveyor.api.search",
    "results": "conveyor.api.search",
    "search_rows": "conveyor.api.search",
}

__all__ = [
    "AdminIdentity",
    "ApiError",
    "Caller",
    "Operation",
    "OperationContext",
    "Registry",
    "RequestContext",
    "SearchCriteria",
    "SearchResults",
    "StoreScope",
    "apply",
    "authenticate_admin",
    "caller_for_token",
    "create_app",
    "default_registry",
    "int_param",
    "issue_admin_token",
    "operations",
    "parse",
    "results",
    "revoke_token",
    "search_rows",
    "topic_for",
    "unlock_admin",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
