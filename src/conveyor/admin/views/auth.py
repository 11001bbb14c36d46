"""Sign in and out. The password check is the REST API's admin token check (``issue_admin_token``), so the UI
and ``/V1/integration/admin/token`` share one mechanism, and its lockout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from conveyor.admin.session import COOKIE, LOGIN_CSRF_COOKIE, new_login_nonce
from conveyor.admin.web import RefusedError, Session, admin_of, back, checked_form, read_form, render, session
from conveyor.api import ApiError, authenticate_admin, issue_admin_token, revoke_token

router = APIRouter()


def _cookie_args(request: Request) -> dict[str, object]:
    return {
        "httponly": True,
        "samesite": "strict",
        "secure": request.url.scheme == "https",
        "path": request.scope.get("root_path", "") or "/",
    }


def _login_page(request: Request, error: str | None = None, username: str = "", status: int = 200) -> HTMLResponse:
    nonce = new_login_nonce()
    response = render(request, "login.html", None, status_code=status, error=error, username=username, nonce=nonce)
    response.set_cookie(LOGIN_CSRF_COOKIE, nonce, max_age=3600, **_cookie_args(request))  # type: ignore[arg-type]
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return _login_page(request)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await read_form(request)
    nonce = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not nonce or form.get("csrf") != nonce:
        raise RefusedError("the sign-in form's security token is missing or out of date; reload the page and try again")
    username = form.get("username", "")[:40]
    password = form.get("password", "")[:256]
    admin = admin_of(request)

    client = request.client.host if request.client else None
    try:  # the API's one admin login: its throttle per address and lockout per name hold here too
        identity = await authenticate_admin(admin.engine, username, password, client, admin.settings)
    except ApiError as error:
        return _login_page(request, str(error), username, status=error.status)

    def sign_in() -> str:
        with admin.engine.begin() as conn:
            return issue_admin_token(
                conn, identity.user_id, identity.username, admin.settings.admin_token_lifetime_hours
            )

    token = await run_in_threadpool(sign_in)
    response = RedirectResponse(request.scope.get("root_path", "") + "/", status_code=303)
    max_age = int(admin.settings.admin_token_lifetime_hours * 3600)
    response.set_cookie(COOKIE, admin.signer.cookie(token), max_age=max_age, **_cookie_args(request))  # type: ignore[arg-type]
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=request.scope.get("root_path", "") or "/")
    return response


@router.post("/logout")
async def logout(request: Request, current: Annotated[Session, Depends(session)]) -> Response:
    await checked_form(request, current)
    with admin_of(request).engine.begin() as conn:
        revoke_token(conn, current.token)
    response = back(request, "/login")
    response.delete_cookie(COOKIE, path=request.scope.get("root_path", "") or "/")
    return response
