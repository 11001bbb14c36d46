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

from conveyor.api.errors import DECODING, NOT_AUTHORIZED, ApiError, ErrorResponse, describe_validation, first_error
from conveyor.api.routing import Services
from conveyor.bus import CommandBus, default_registry
from conveyor.settings import settings_or_default
from conveyor.sync import change_sets
from conveyor.sync.commands import AcknowledgeChangeSet, command_for
from conveyor.sync.models import ChangeSet
from conveyor.sync.schema import OPEN
from conveyor.sync.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

PATH = "/rest/V1/eds/change-sets"
NOT_CONFIGURED = "Event-driven sync is not configured: set %1."


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
            400: {"model": ErrorResponse, "description": "Not a change set (Magento's message naming the field)"},
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
        body = await request.body()
        signed = verify(
            secret.get_secret_value(),
            request.headers.get(TIMESTAMP_HEADER),
            request.headers.get(SIGNATURE_HEADER),
            body,
            tolerance=settings.eds_tolerance,
        )
        if not signed:
            raise ApiError(401, NOT_AUTHORIZED, {"resources": "eds change sets"})
        try:
            change_set = ChangeSet.model_validate_json(body)
        except ValidationError as exc:
            errors = describe_validation(list(exc.errors()), skip=0)
            raise first_error(errors) if errors else ApiError(400, DECODING, [str(exc)]) from exc
        status, answer = await run_in_threadpool(store, change_set)
        return JSONResponse(answer, status_code=status)

    _, schemas = models_json_schema([(ChangeSet, "validation")], ref_template="#/components/schemas/{model}")
    return dict(schemas.get("$defs", {}))
