"""searchCriteria values are bounded: any filter value is answered 200 or 400 (naming the parameter), never 500."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conveyor.api.errors import TOO_LONG, TOO_MANY
from conveyor.api.search import CONDITIONS, MAX_FILTERS, MAX_LIST_VALUES
from tests.integration.api.harness import Harness

KEY = "searchCriteria[filter_groups][0][filters][0]"
FIELDS = ["sku", "name", "price", "status", "id", "created_at", "category_id", "website_id", "color"]


def _search(api: Harness, field: str, value: str, condition: str) -> tuple[int, dict[str, object]]:
    query = "&".join(
        f"{quote(key)}={quote(text, safe='', errors='surrogatepass')}"
        for key, text in ((f"{KEY}[field]", field), (f"{KEY}[value]", value), (f"{KEY}[condition_type]", condition))
    )
    answer = api.get(f"/rest/V1/products?{query}")
    return answer.status_code, answer.json()


def test_long_like_and_finset_values_are_400_naming_the_value(sqlite_api: Harness) -> None:
    for condition in ("like", "finset", "nlike", "eq", "in"):
        status, body = _search(sqlite_api, "sku", "%" + "a" * 50_000 + "%", condition)
        assert status == 400, body
        assert body == {"message": TOO_LONG, "parameters": [f"{KEY}[value]", "8192"]}
    status, body = _search(sqlite_api, "name", "é" * 8192, "like")  # the longest value, 4-byte escapes and all
    assert status == 200, body


def test_counts_are_bounded(sqlite_api: Harness) -> None:
    too_many = "&".join(
        f"searchCriteria[filter_groups][0][filters][{i}][field]=sku"
        f"&searchCriteria[filter_groups][0][filters][{i}][value]=x"
        for i in range(MAX_FILTERS + 1)
    )
    answer = sqlite_api.get(f"/rest/V1/products?{too_many}")
    assert answer.status_code == 400 and answer.json()["message"] == TOO_MANY
    listed = ",".join("1" for _ in range(4000))  # under the value length; three of them past the list bound
    pairs = "&".join(
        f"searchCriteria[filter_groups][{g}][filters][0][field]=id"
        f"&searchCriteria[filter_groups][{g}][filters][0][value]={listed}"
        f"&searchCriteria[filter_groups][{g}][filters][0][condition_type]=in"
        for g in range(3)
    )
    assert MAX_LIST_VALUES < 3 * 4000
    answer = sqlite_api.get(f"/rest/V1/products?{pairs}")
    assert answer.status_code == 400 and answer.json()["message"] == TOO_MANY, answer.text


def _long(char: str, size: int) -> str:
    """``char`` repeated ``size`` times, at most what a URL can carry (httpx refuses URLs past 64 KiB)."""
    return char * min(size, 60_000 // len(quote(char)))


values = (
    st.text(max_size=40)
    | st.text(alphabet="%_\\,/'\"*()[]", max_size=60)
    | st.builds(_long, st.sampled_from("a%é😀,\\_\x00"), st.integers(8000, 60_000))
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=values, condition=st.sampled_from(CONDITIONS))
def test_any_filter_value_is_200_or_400(sqlite_api: Harness, field: str, value: str, condition: str) -> None:
    status, body = _search(sqlite_api, field, value, condition)
    assert status in (200, 400), (status, body)
    if status == 400:
        assert body["message"] and body["parameters"], body
