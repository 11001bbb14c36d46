"""One module per admin page; ``ROUTERS`` is what the app includes."""

from __future__ import annotations

from conveyor.admin.views import auth, bulks, dashboard, imports, orders, pipelines, queues, settings_page, sync

ROUTERS = [
    auth.router,
    dashboard.router,
    queues.router,
    bulks.router,
    pipelines.router,
    imports.router,
    sync.router,
    orders.router,
    settings_page.router,
]
