"""What every admin view shares: the running context, templates, the signed-in admin, forms with CSRF, paging."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlalchemy.engine import Engine

from conveyor.admin.session import COOKIE, Signer
from conveyor.api import Caller, caller_for_token
from conveyor.bus import CommandBus
from conveyor.db import COUNT_CAP, KeysetPage
from conveyor.mq import MessageQueue
from conveyor.pipelines import maintenance
from conveyor.settings import Settings

MAX_FORM_BYTES = 64 * 1024
FLASH_COOKIE = "conveyor_admin_flash"
PAGE_SIZE = 50
TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Admin:
    """The admin UI's view of the running system (one per mounted app)."""

    settings: Settings
    mq: MessageQueue
    bus: CommandBus
    signer: Signer
    templates: Jinja2Templates

    @property
    def engine(self) -> Engine:
        return self.mq.engine


class LoginRequiredError(Exception):
    """No valid session: the app answers with a redirect to the login page."""


class RefusedError(Exception):
    """A form without a valid CSRF token (or too large): 403, nothing done."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Session:
    caller: Caller
    token: str
    csrf: str


def admin_of(request: Request) -> Admin:
    found: Admin = request.app.state.admin
    return found


def session(request: Request) -> Session:
    """The signed-in admin (a FastAPI dependency); LoginRequiredError otherwise."""
    admin = admin_of(request)
    token = admin.signer.token_of(request.cookies.get(COOKIE))
    if token is None:
        raise LoginRequiredError
    with admin.engine.connect() as conn:
        caller = caller_for_token(conn, token)
    if caller is None or not caller.is_admin:
        raise LoginRequiredError
    return Session(caller, token, admin.signer.csrf(token))


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded form (bounded), one value per field (the last)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise RefusedError("the form is too large")
    try:
        pairs = urllib.parse.parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=200)
    except (UnicodeDecodeError, ValueError) as error:
        raise RefusedError("the form could not be read") from error
    return dict(pairs)


async def checked_form(request: Request, current: Session) -> dict[str, str]:
    """The posted form of a signed-in admin, after its CSRF token is checked (RefusedError otherwise)."""
    form = await read_form(request)
    if not admin_of(request).signer.csrf_ok(current.token, form.get("csrf")):
        raise RefusedError("the form's security token is missing or out of date; reload the page and try again")
    return form


MAX_UPLOAD_FILES = 20


async def checked_upload(request: Request, current: Session) -> tuple[dict[str, str], list[tuple[str, bytes]]]:
    """A posted multipart form of a signed-in admin (its fields, and its files as (name, content)), after its
    size and CSRF token are checked (RefusedError otherwise). Bounded: the API's body limit, 20 files."""
    limit = admin_of(request).settings.api_max_body_bytes
    declared = request.headers.get("content-length", "")
    if not declared.isdigit():
        raise RefusedError("the upload must say its length")
    if int(declared) > limit:
        raise RefusedError(f"the upload is larger than {limit:,} bytes")
    try:
        form = await request.form(max_files=MAX_UPLOAD_FILES, max_fields=20)
    except Exception as error:  # python-multipart's and Starlette's refusals: too many parts, a malformed body
        raise RefusedError(f"the upload could not be read: {error}") from error
    try:
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        if not admin_of(request).signer.csrf_ok(current.token, fields.get("csrf")):
            raise RefusedError("the form's security token is missing or out of date; reload the page and try again")
        files = []
        for _, value in form.multi_items():
            if not isinstance(value, str) and value.filename:
                files.append((value.filename, await value.read()))
        return fields, files
    finally:
        await form.close()


def render(
    request: Request, template: str, current: Session | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    admin = admin_of(request)
    base = request.scope.get("root_path", "")
    context.update(
        request=request,
        base=base,
        user=current.caller.name if current else None,
        csrf=current.csrf if current else "",
        maintenance=current is not None and maintenance.is_on(admin.engine),
        flash=_flash(request),
        page_path=request.url.path[len(base) :] or "/",
    )
    response = admin.templates.TemplateResponse(request, template, context, status_code=status_code)
    if context["flash"]:
        response.delete_cookie(FLASH_COOKIE, path=base or "/")
    return response


def _flash(request: Request) -> str | None:
    """The one-line message of the action that led here: signed, so no link can put words in the UI's mouth."""
    found = request.cookies.get(FLASH_COOKIE)
    if not found or "." not in found:
        return None
    encoded, _, mac = found.rpartition(".")
    signer = admin_of(request).signer
    if not signer.verify("flash", encoded, mac):
        return None
    return urllib.parse.unquote(encoded)


def back(request: Request, path: str, flash: str | None = None) -> RedirectResponse:
    """303 to ``path`` (under the app) with a one-line message shown at the top of the next page."""
    base = request.scope.get("root_path", "")
    response = RedirectResponse(base + path, status_code=303)
    if flash:
        encoded = urllib.parse.quote(flash[:500])
        value = f"{encoded}.{admin_of(request).signer.sign('flash', encoded)}"
        response.set_cookie(FLASH_COOKIE, value, max_age=60, httponly=True, samesite="strict", path=base or "/")
    return response


def int_param(value: str | None) -> int | None:
    """A paging or filter number from the query string; anything else means none."""
    return int(value) if value is not None and value.isascii() and value.isdigit() and len(value) < 19 else None


def paging(request: Request) -> tuple[int | None, bool]:
    """A list's keyset page: the last id of the page before (``cursor``) and the order (``order=asc``: oldest
    first; newest first by default)."""
    return int_param(request.query_params.get("cursor")), request.query_params.get("order") == "asc"


@dataclass(frozen=True)
class Sorting(KeysetPage):
    """A list's order and keyset page as its query string asks for it, and the links to the page after."""

    def next_page(self, rows: list[Any], limit: int, key: str = "id") -> dict[str, Any]:
        """``query_with`` changes to the page after ``rows`` (rows as mappings or objects); {} on the last page."""
        if len(rows) < limit:
            return {}
        last = rows[-1]

        def value(name: str) -> Any:
            return last[name] if isinstance(last, Mapping) else getattr(last, name)

        return {"cursor": value(key), "after": value(self.sort) if self.sort else None}


def sorting(request: Request, columns: Collection[str]) -> Sorting:
    """The sorting a list's query string asks for, among the ``columns`` its package indexes (the key else):
    sorting stays on indexed columns, so every page is a keyset read at any depth."""
    params = request.query_params
    sort = params.get("sort") if params.get("sort") in columns else None
    after = params.get("after", "")[:255] if sort else None
    cursor, ascending = paging(request)
    return Sorting(sort, ascending, cursor, after if cursor is not None else None)


def sort_header(request: Request, label: str, numeric: bool = False, sort: str | None = None) -> Markup:
    """A sortable column's header: a link to the list sorted by it (``sort``; None: the key), from the first page;
    on the column sorted by now, the link turns the order around. Keyboard-usable (a link), with ``aria-sort``."""
    params = request.query_params
    active = (params.get("sort") or None) == sort
    ascending = params.get("order") == "asc"
    # the active column turns around; another starts as it reads best: the key newest first, a column A to Z
    order = "asc" if (not ascending if active else sort is not None) else None
    link = query_with(request, sort=sort, order=order, cursor=None, after=None)
    state = ("ascending" if ascending else "descending") if active else "none"
    arrow = ("↑" if ascending else "↓") if active else ""
    return Markup('<th scope="col"{} aria-sort="{}"><a href="{}">{}{}</a></th>').format(
        Markup(' class="num"') if numeric else "",
        state,
        link,
        label,
        f" {arrow}" if arrow else "",
    )


def query_with(request: Request, **changes: Any) -> str:
    """The current query string with ``changes`` (None removes a key): links to the next page, another sort."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urllib.parse.urlencode(params) if params else "?"


# --- template filters ------------------------------------------------------------------------------------------
def when(epoch: float | None) -> str:
    if epoch is None:
        return "—"
    return dt.datetime.fromtimestamp(float(epoch), dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def age(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def counted(value: int, capped: bool = False) -> str:
    """A count with thousands separators; ``1,000+`` where counting stopped at its cap (``mq.count_messages``)."""
    return f"{int(value):,}+" if capped else f"{int(value):,}"


def bounded(value: int) -> str:
    """A figure ``db.bounded_counts`` counted up to ``COUNT_CAP``, as ``counted`` shows it."""
    return counted(value, int(value) >= COUNT_CAP)


def state_count(counts: Any, state: str) -> str:
    """One state's figure of a ``QueueCounts``, as ``counted`` shows it."""
    return counted(getattr(counts, state), counts.is_capped(state))


def period(seconds: float) -> str:
    """A window's length as its quota names it: ``1 s``, ``1 min``, ``1 h``, ``1 d`` (``90 s`` when not whole)."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)} {unit}"
    return f"{seconds:g} s"


def duration(start: float | None, end: float | None, status: str = "running") -> str:
    """How long something took; "running" while it runs (a retried step keeps its last start until it runs)."""
    if status == "running":
        return "running"
    if start is None or end is None:
        return "—"
    return age(float(end) - float(start))


BADGES: Mapping[str, str] = {
    "success": "ok",
    "complete": "ok",
    "finished successfully": "ok",
    "skipped": "muted",
    "running": "busy",
    "in progress": "busy",
    "enqueued": "busy",
    "open": "busy",
    "pending": "wait",
    "new": "wait",
    "not started": "wait",
    "retry required": "warn",
    "retriably failed": "warn",
    "expired": "warn",
    "cancelled": "muted",
    "abandoned": "muted",
    "rejected": "bad",
    "failed": "bad",
    "processed": "ok",
    "acknowledged": "ok",
    "exported": "ok",
    "sent": "ok",
    "error": "bad",
    "not retriably failed": "bad",
    "finished with failure": "bad",
}


def badge(label: str) -> Markup:
    kind = BADGES.get(str(label).lower(), "muted")
    return Markup('<span class="badge badge-{}">{}</span>').format(kind, label)


def pretty(value: Any) -> str:
    """A message body or a JSON column, indented for reading (text that is not JSON as it is)."""
    if isinstance(value, bytes | bytearray | memoryview):
        value = bytes(value).decode(errors="replace")
    if isinstance(value, str):
        text = value
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            return text
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()


def sparkline(values: list[int] | None, width: int = 150, height: int = 20) -> Markup:
    """A small inline SVG bar chart of per-interval counts (the throughput over the last hour)."""
    if not values:
        return Markup('<span class="muted">—</span>')
    top = max(values) or 1
    step = width / len(values)
    bars = []
    for i, v in enumerate(values):
        h = max(1.0, v / top * (height - 2)) if v else 0.0
        if h:
            bars.append(
                f'<rect x="{i * step:.1f}" y="{height - h:.1f}" width="{max(step - 1, 1):.1f}" height="{h:.1f}">'
                f"<title>{v}</title></rect>"
            )
    total = sum(values)
    return Markup(
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{total} handled in the last hour"><line x1="0" y1="{height - 0.5}" x2="{width}" '
        f'y2="{height - 0.5}" class="axis"/>{"".join(bars)}</svg>'
    )


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.filters.update(
        when=when,
        age=age,
        period=period,
        badge=badge,
        pretty=pretty,
        sparkline=sparkline,
        counted=counted,
        bounded=bounded,
        state_count=state_count,
    )
    env.globals.update(duration=duration, query_with=query_with, sort_header=sort_header)
    return templates
