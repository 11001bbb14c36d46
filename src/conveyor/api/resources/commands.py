"""``POST /V1/commands/{name}``: a command of the bus from a web request, SkyLink's third way in (after the CLI
and EDS change sets); the admin UI's "sync now" takes the same path (``CommandBus.handle_named``).

The body names the command's arguments (``{"arguments": {"product_no": "MH01"}}``) and may force the mode
(``"mode": "inline"`` or ``"queue"``; default: as the command is registered). A queued command is published and
answered with its message id; an inline one runs at once (in its own transaction, through the bus's middleware and
sync log) and is answered with its result. So the route holds no write transaction of its own
(``transactional=False``): on SQLite the command's would wait for it. Not offered on the async routes: a command
has a queue of its own.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError
from pydantic_core import to_jsonable_python

from conveyor.api.errors import ApiError, describe_validation, first_error
from conveyor.api.operations import OperationContext, operations
from conveyor.bus import UnknownCommandError
from conveyor.catalog import NotFoundError

RESOURCE = "Conveyor_Bus::commands"
MAX_ARGUMENTS = 100
COMMAND_FAILED = "The command %1 failed: %2"


class CommandRequest(BaseModel):
    arguments: dict[str, Any] = Field(default_factory=dict, max_length=MAX_ARGUMENTS)
    mode: Literal["inline", "queue"] | None = None


class CommandAnswer(BaseModel):
    command: str
    outcome: str  # queued | success | skipped
    correlation_id: str
    message_id: str | None = None  # queued: the message carrying the command
    result: Any = None  # inline: what the handler returned
    reason: str | None = None  # skipped: why there was nothing to do


@operations.write("POST", "/V1/commands/{name}", asynchronous=False, transactional=False, resource=RESOURCE)
def run_command(ctx: OperationContext, params: dict[str, str], body: CommandRequest) -> CommandAnswer:
    """Queue or run command ``name`` with ``arguments``: the queued command's message id, or the inline result."""
    name = params["name"]
    if ctx.bus is None:
        raise ApiError(400, "Commands cannot be run from here.")
    try:
        result = ctx.bus.handle_named(name, body.arguments, body.mode, tx=ctx.transaction)
    except UnknownCommandError as error:
        raise NotFoundError('The command "%1" does not exist.', [name]) from error
    except ValidationError as error:
        raise first_error(describe_validation(error.errors(), skip=0)) from error
    except (ApiError, NotFoundError):
        raise
    except Exception as error:  # an inline handler's failure: recorded in the sync log; its message, not a 500
        raise ApiError(400, COMMAND_FAILED, [name, str(error) or type(error).__name__]) from error
    return CommandAnswer(
        command=result.command,
        outcome=result.outcome,
        correlation_id=result.correlation_id,
        message_id=result.message_id,
        result=to_jsonable_python(result.value, fallback=str),
        reason=result.reason,
    )
