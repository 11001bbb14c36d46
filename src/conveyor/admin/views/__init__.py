"""One module per admin page; ``ROUTERS`` is what the app includes."""

from __future__ import annotations

from conveyor.admin.views import auth, bulks, dashboard, pipelines, queues, settings_page

ROUTERS = [
    auth.router,
    dashboard.router,
    queues.router,
    bulks.router,
    pipelines.router,
    settings_page.router,
]
