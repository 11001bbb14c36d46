"""The effective settings, read-only, secrets masked (SecretStr fields, passwords in URLs, names that say so)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import SecretStr

from conveyor.admin.web import Session, admin_of, render, session
from conveyor.settings import Settings

router = APIRouter()

MASK = "••••••••"
_SECRET_NAME = re.compile(r"(secret|password|passwd|api_key|token)$", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<password>[^@\s]+)(?P<tail>@)", re.IGNORECASE)


def masked(name: str, value: Any) -> str:
    if isinstance(value, SecretStr):
        return MASK
    if value is not None and _SECRET_NAME.search(name):
        return MASK
    if isinstance(value, list | tuple):
        text = ", ".join(str(item) for item in value) or "—"
    elif isinstance(value, Path):
        text = str(value)
    else:
        text = str(value)
    return _URL_PASSWORD.sub(lambda m: m["head"] + MASK + m["tail"], text)


def effective(settings: Settings) -> list[tuple[str, str, str]]:
    """(variable, value, description) of every setting, by name."""
    rows = []
    for name, field in sorted(type(settings).model_fields.items()):
        rows.append((f"CONVEYOR_{name.upper()}", masked(name, getattr(settings, name)), field.description or ""))
    return rows


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, current: Annotated[Session, Depends(session)]) -> HTMLResponse:
    return render(request, "settings.html", current, rows=effective(admin_of(request).settings))
