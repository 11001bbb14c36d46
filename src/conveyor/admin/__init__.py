"""The admin web UI (server-rendered with Jinja2, htmx as a static file): mounted under ``/admin``.

    from conveyor.admin import create_admin_app

It reads and acts through the faces of the packages below it only; one view module (and its templates) per page
(``conveyor.admin.views``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.lazy import lazy_exports

if TYPE_CHECKING:
    from conveyor.admin.app import create_admin_app

_EXPORTS = {"create_admin_app": "conveyor.admin.app"}

__all__ = ["create_admin_app"]

__getattr__ = lazy_exports(__name__, _EXPORTS)
