"""The ``http`` executor: one HTTP call, e.g. to tell a shop to refresh its caches after an import.

Arguments: ``url``, ``method`` (default GET), ``json`` (a body sent as JSON), ``headers``, ``params``, ``expect``
(the status or list of statuses that count as success; default any 2xx) and ``timeout`` (seconds, default 30).
The response's status and body become the step's output; any other status, or no answer in time, fails the
attempt so the step is retried.
"""

from __future__ import annotations

from typing import Any

import httpx

from conveyor.pipelines.executors.arguments import Arguments
from conveyor.pipelines.executors.cli import clip
from conveyor.pipelines.ports import StepOutcome, StepRun

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
BODY_LIMIT = 16 * 1024  # characters of the response kept as output


class UnexpectedResponseError(RuntimeError):
    """The server answered with a status the step does not accept."""


def expected_statuses(arguments: Arguments) -> set[int] | None:
    """The accepted statuses; None means any 2xx."""
    raw = arguments.values.get("expect")
    if raw is None:
        return None
    values = raw if isinstance(raw, list) else [raw]
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) and 100 <= v <= 599 for v in values):
        raise arguments.error("expect", f"must be an HTTP status or a list of them, not {raw!r}")
    return set(values)


class HttpExecutor:
    """Makes one HTTP request per step."""

    def process(self, step: StepRun) -> StepOutcome:
        arguments = Arguments(step.arguments, f"step {step.step_name!r} (http)")
        url = arguments.text("url")
        if not url.startswith(("http://", "https://")):
            raise arguments.error("url", f"must be an http:// or https:// URL, not {url!r}")
        method = arguments.text("method", "GET").upper()
        if method not in METHODS:
            raise arguments.error("method", f"must be one of {', '.join(METHODS)}, not {method!r}")
        expect = expected_statuses(arguments)
        timeout = arguments.number("timeout", 30.0, minimum=0.001)
        request: dict[str, Any] = {
            "headers": {k: str(v) for k, v in arguments.mapping("headers").items()},
            "params": {k: str(v) for k, v in arguments.mapping("params").items()},
        }
        if "json" in arguments.values:
            request["json"] = arguments.values["json"]
        step.log.info("%s %s", method, url)
        try:
            response = httpx.request(method, url, timeout=timeout, **request)
        except httpx.TimeoutException as exc:
            raise UnexpectedResponseError(
                f"{method} {url}: no answer within {timeout:g}s ({type(exc).__name__})"
            ) from exc
        except httpx.HTTPError as exc:
            raise UnexpectedResponseError(f"{method} {url}: {type(exc).__name__}: {exc}") from exc
        body = clip(response.text, BODY_LIMIT)
        ok = response.status_code in expect if expect is not None else response.is_success
        if not ok:
            wanted = ", ".join(map(str, sorted(expect))) if expect is not None else "2xx"
            first = body.strip().splitlines()[:1]
            detail = f": {first[0][:500]}" if first else ""
            raise UnexpectedResponseError(f"{method} {url} answered {response.status_code}, expected {wanted}{detail}")
        return StepOutcome(output=f"{response.status_code} {response.reason_phrase}\n{body}".rstrip())


__all__ = ["HttpExecutor", "UnexpectedResponseError"]
