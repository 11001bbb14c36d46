"""The fuzz targets of ``bench/fuzz.py``, a few examples each, so CI keeps every parser of outside input honest:
parsed, or rejected with our named error (file and line, file and element, or the parameter)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from conveyor.api.errors import ApiError
from conveyor.api.search import parse
from tests.support.fuzz_targets import TARGETS, Target, search_queries


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_parsers_reject_bad_input_by_name_and_never_crash(target: Target) -> None:
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(target.strategy)
    def check(value: Any) -> None:
        target.run(value)

    check()


@settings(max_examples=60, deadline=None)
@given(search_queries())
def test_a_parsed_search_reads_back_from_its_own_query_string(pairs: list[tuple[str, str]]) -> None:
    """What ``to_query`` writes (the links of a paged answer) parses to the same criteria."""
    try:
        criteria = parse(pairs)
    except ApiError:
        return
    assert parse(criteria.to_query()) == criteria
