"""Schemathesis against our own OpenAPI document: random requests never get a 5xx or an off-schema response.

Valid (positive) and invalid (negative) cases for every operation of the app (every resource module), with a
valid token; SQLite only, since the subject is the handling of input, not the database. The number of examples
per operation shrinks as resources are added, to keep the test near a minute.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.integration.api.harness import Harness

TOTAL_CASES = 360
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def test_no_server_error_and_every_response_matches_the_schema(sqlite_api: Harness) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", sqlite_api.app)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    examples = max(2, min(15, TOTAL_CASES // (len(operations) * len(MODES))))
    checked: list[str] = []
    failures: list[str] = []
    for operation in operations:
        for mode in MODES:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def check(case: Any) -> None:  # schemathesis.Case (generic only in newer releases)
                case.call_and_validate(
                    headers=sqlite_api.headers, checks=[not_a_server_error, response_schema_conformance]
                )

            try:
                check()
            except Unsatisfiable:  # a public route without parameters: nothing to make invalid
                pass
            except Exception as exc:  # every failing operation in one report, not only the first
                failures.append(f"{operation.method.upper()} {operation.path} {mode.value}: {str(exc)[:1500]}")
                continue
            checked.append(f"{operation.method.upper()} {operation.path} {mode.value}")
    assert not failures, "\n\n".join(failures)
    # every operation of every resource, valid and invalid input alike
    assert len(checked) == len(operations) * len(MODES)
    assert any("/rest/async/bulk/V1/products" in c for c in checked)
