"""``POST /rest/V1/eds/change-sets``: the source's webhook for event-driven sync.

The source signs each post (HMAC-SHA256 over ``"<timestamp>.<body>"`` with the shared ``CONVEYOR_EDS_SECRET``,
see ``conveyor.sync.signing``); a post without a valid signature, or signed outside the tolerance window, is a
401 and changes nothing (so is every post while no secret is configured). A valid post is recorded and its sync
commands queued in one transaction, then answered at once (202); a replay of a known change-set id is answered
200 and queues nothing. No bearer token here: the source is not an API user; the signature authenticates the body.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from conveyor.api.errors import (
    DECODING,
    INVALID,
    NOT_AUTHORIZED,
    ApiError,
    ErrorResponse,
    describe_validation,
    first_error,
)
from conveyor.api.operations import check_text
from conveyor.api.routing import Services
from conveyor.bus import CommandBus, default_registry
from conveyor.settings import settings_or_default
from conveyor.sync import change_sets
from conveyor.sync.commands import AcknowledgeChangeSet, command_for
from conveyor.sync.models import ChangeSet
from conveyor.sync.schema import OPEN, change_set_item_table, change_set_table
from conveyor.sync.signing import (
    SIGNATURE_HEADER,
    SIGNATURE_PATTERN,
    TIMESTAMP_HEADER,
    TIMESTAMP_PATTERN,
    verify,
)

PATH = "/rest/V1/eds/change-sets"
NOT_CONFIGURED = "Event-driven sync is not configured: set %1."
TOO_LONG = '"%1" must be between 1 and %2 characters long.'
MAX_CHANGE_SET_ID = int(change_set_table.c.change_set_id.type.length or 191)  # type: ignore[attr-defined]
MAX_ENTITY_ID = int(change_set_item_table.c.entity_id.type.length or 191)  # type: ignore[attr-defined]


class Accepted(BaseModel):
    """The answer to a change-set post."""

    change_set_id: str
    status: str
    queued: int  # sync commands queued by this post (0 for a replay)
    replay: bool


def add_eds_route(app: FastAPI, services: Services) -> dict[str, Any]:
    """Serve the webhook on ``app``; returns the OpenAPI schemas it refers to (the change set's).

    Commands are queued on ``services.mq``, whose topology must have the command publishers.
    """
    settings = settings_or_default(services.settings)
    bus = CommandBus(services.mq, default_registry())

    def store(change_set: ChangeSet) -> tuple[int, dict[str, Any]]:
        try:
            with services.writing() as tx:
                receipt = change_sets.record(tx.conn, change_set, settings.source)
                if receipt.new:
                    commands = [command_for(change_set.entity_type, i, change_set.id) for i in receipt.entity_ids]
                    bus.enqueue(commands, tx=tx, correlation_id=f"eds-{change_set.id}"[:64])
                    if not receipt.entity_ids:  # nothing to do: acknowledged like any processed set
                        bus.enqueue([AcknowledgeChangeSet(change_set_id=change_set.id)], tx=tx)
        except IntegrityError:  # a concurrent post of the same id won the insert
            receipt = change_sets.Receipt(change_set.id, False, (), OPEN)
        body = {
            "change_set_id": receipt.change_set_id,
            "status": receipt.status,
            "queued": len(receipt.entity_ids),
            "replay": not receipt.new,
        }
        return (202 if receipt.new else 200), body

    @app.post(
        PATH,
        status_code=202,
        tags=["eds"],
        summary="Receive a change set from the source (HMAC-signed)",
        response_model=Accepted,
        responses={
            200: {"model": Accepted, "description": "A replay: already received, nothing queued"},
            400: {
                "model": ErrorResponse,
                "description": "Not a change set, or a malformed signature header (the message names it)",
            },
            401: {"model": ErrorResponse, "description": "Missing, forged or stale signature, or no secret configured"},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChangeSet"}}},
            }
        },
    )
    async def receive_change_set(request: Request) -> JSONResponse:
        secret = settings.eds_secret
        if secret is None:
            raise ApiError(401, NOT_CONFIGURED, ["CONVEYOR_EDS_SECRET"])
        timestamp, signature = _signature_headers(request)
        body = await request.body()
        signed = verify(secret.get_secret_value(), timestamp, signature, body, tolerance=settings.eds_tolerance)
        if not signed:
            raise ApiError(401, NOT_AUTHORIZED, {"resources": "eds change sets"})
        try:
            change_set = ChangeSet.model_validate_json(body)
        except ValidationError as exc:
            errors = describe_validation(list(exc.errors()), skip=0)
            raise first_error(errors) if errors else ApiError(400, DECODING, [str(exc)]) from exc
        check_storable(change_set)
        status, answer = await run_in_threadpool(store, change_set)
        return JSONResponse(answer, status_code=status)

    _, schemas = models_json_schema([(ChangeSet, "validation")], ref_template="#/components/schemas/{model}")
    return dict(schemas.get("$defs", {}))


def _signature_headers(request: Request) -> tuple[str | None, str | None]:
    """Both signature headers; one that is present but not of the signer's shape is a 400 naming it, before any
    number is read or digest compared (a 5,000-digit timestamp, a byte outside ASCII). A missing one is the 401
    of an unsigned post."""
    found = []
    for name, pattern in ((TIMESTAMP_HEADER, TIMESTAMP_PATTERN), (SIGNATURE_HEADER, SIGNATURE_PATTERN)):
        value = request.headers.get(name)
        if value is not None and not pattern.fullmatch(value):
            raise ApiError(400, INVALID, [_shown(value), name])
        found.append(value)
    return found[0], found[1]


def check_storable(change_set: ChangeSet) -> None:
    """Refuse, with a 400 naming the field, what the change-set tables cannot hold: ids longer than their columns,
    NUL characters and lone surrogates. Checked before the database, so that no backend answers 500 (PostgreSQL
    refuses NUL in text) and a source that retries on 5xx stops retrying a post that can never succeed."""
    check_text(change_set.id, "id")
    if not change_set.id or len(change_set.id) > MAX_CHANGE_SET_ID:
        raise ApiError(400, TOO_LONG, ["id", str(MAX_CHANGE_SET_ID)])
    for index, entity_id in enumerate(change_set.entity_ids):
        field = f"entity_ids.{index}"
        check_text(entity_id, field)
        if not entity_id or len(entity_id) > MAX_ENTITY_ID:
            raise ApiError(400, TOO_LONG, [field, str(MAX_ENTITY_ID)])


def _shown(value: str) -> str:
    return value if len(value) <= 80 else value[:77] + "..."
