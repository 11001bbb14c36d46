"""``POST /V1/integration/admin/token``: Magento's admin login, the one route without a token."""

from __future__ import annotations

from pydantic import BaseModel

from conveyor.api.auth import issue_admin_token
from conveyor.api.operations import OperationContext, operations


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
def create_admin_token(ctx: OperationContext, params: dict[str, str], body: AdminCredentials) -> str:
    """An admin token for valid credentials, as a JSON string; send it as ``Authorization: Bearer <token>``."""
    return issue_admin_token(ctx.conn, body.username, body.password, ctx.settings.admin_token_lifetime_hours)
