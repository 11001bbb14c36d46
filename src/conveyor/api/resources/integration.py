"""``POST /V1/integration/admin/token``: Magento's admin login, the one route without a token."""

from __future__ import annotations

from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from conveyor.api.auth import issue_admin_token
from conveyor.api.login import authenticate_admin
from conveyor.api.operations import RequestContext, operations


class AdminCredentials(BaseModel):
    username: str
    password: str


@operations.write(
    "POST",
    "/V1/integration/admin/token",
    asynchronous=False,
    public=True,
    resource="Magento_Backend::admin",
    answers={401: "Wrong credentials, or the account is disabled or locked"},
)
async def create_admin_token(ctx: RequestContext, params: dict[str, str], body: AdminCredentials) -> str:
    """An admin token for valid credentials, as a JSON string; send it as ``Authorization: Bearer <token>``.

    Failures lock the username after ``CONVEYOR_ADMIN_LOCKOUT_FAILURES`` in a row, and one client address may try
    ``CONVEYOR_ADMIN_LOGIN_RATE`` times (429 past it)."""
    identity = await authenticate_admin(ctx.engine, body.username, body.password, ctx.client, ctx.settings)

    def issue() -> str:
        with ctx.engine.begin() as conn:
            return issue_admin_token(conn, identity.user_id, identity.username, ctx.settings.admin_token_lifetime_hours)

    return await run_in_threadpool(issue)
