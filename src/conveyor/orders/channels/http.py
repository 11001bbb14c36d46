"""The HTTP/REST channel: the document POSTed with httpx, authenticated, with an idempotency key.

Auth: ``bearer`` (``token``), ``basic`` (``username``, ``password``) or ``hmac`` (``secret``: the body's
HMAC-SHA256 in ``X-Signature: sha256=<hex>``). TLS: ``verify`` (false, or a CA bundle) and ``cert``. A 2xx answer
is success, and its JSON ``id_field`` (default ``erp_order_id``) is the ERP's order id; anything else, a timeout
or a refused connection fails the attempt, which the step retries.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, model_validator

from conveyor.orders.channels import ChannelError, Document, Sent

IDEMPOTENCY_HEADER = "Idempotency-Key"
SIGNATURE_HEADER = "X-Signature"


class Auth(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["bearer", "basic", "hmac"]
    token: str | None = None
    username: str | None = None
    password: str | None = None
    secret: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> Auth:
        needs = {"bearer": ("token",), "basic": ("username", "password"), "hmac": ("secret",)}[self.type]
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{self.type} auth needs {', '.join(missing)}")
        return self


class HttpOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str
    method: Literal["POST", "PUT"] = "POST"
    headers: dict[str, str] = Field(default_factory=dict)
    auth: Auth | None = None
    timeout: float = Field(default=10.0, gt=0)
    connect_timeout: float = Field(default=5.0, gt=0)
    verify: bool | str = True
    cert: str | None = None
    id_field: str = "erp_order_id"


class HttpChannel:
    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = HttpOptions.model_validate(options)

    @staticmethod
    def check_options(options: Mapping[str, Any]) -> None:
        HttpOptions.model_validate(options)

    def headers(self, document: Document, body: bytes) -> dict[str, str]:
        headers = {
            "Content-Type": document.media_type,
            IDEMPOTENCY_HEADER: document.idempotency_key,
            **self.options.headers,
        }
        auth = self.options.auth
        if auth is not None and auth.type == "bearer":
            headers["Authorization"] = f"Bearer {auth.token}"
        elif auth is not None and auth.type == "hmac":
            assert auth.secret is not None
            digest = hmac.new(auth.secret.encode(), body, hashlib.sha256).hexdigest()
            headers[SIGNATURE_HEADER] = f"sha256={digest}"
        return headers

    def send(self, document: Document) -> Sent:
        o = self.options
        body = document.content.encode()
        basic = (
            (o.auth.username or "", o.auth.password or "") if o.auth is not None and o.auth.type == "basic" else None
        )
        timeout = httpx.Timeout(o.timeout, connect=o.connect_timeout)
        try:
            with httpx.Client(timeout=timeout, verify=o.verify, cert=o.cert) as client:
                answer = client.request(o.method, o.url, content=body, headers=self.headers(document, body), auth=basic)
        except httpx.HTTPError as exc:
            raise ChannelError(f"{o.method} {o.url}: {type(exc).__name__}: {exc}") from exc
        if not answer.is_success:
            raise ChannelError(f"{o.method} {o.url}: HTTP {answer.status_code}: {answer.text[:200]}")
        erp_order_id = None
        try:
            data = answer.json()
        except ValueError:
            data = None
        if isinstance(data, dict) and data.get(o.id_field) is not None:
            erp_order_id = str(data[o.id_field])
        return Sent(f"{o.url} ({answer.status_code})", erp_order_id)
