"""HttpSource against the running simulator: every entity type, paging, the since filter, retries on 5xx and
timeouts, 429s, and the errors a caller sees."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from conveyor.settings import Settings
from conveyor.sync import (
    EntityNotFoundError,
    EntityType,
    HttpSource,
    RateLimited,
    Source,
    SourceAuthError,
    SourceDataError,
    SourceRequestError,
    SourceUnavailableError,
    iter_pages,
    load_source,
)
from conveyor.sync.simulator import SimulatorServer
from tests.integration.sync.conftest import StartSimulator, admin, make_source


def test_http_source_is_a_source_and_loads_from_its_entry_point(sim: SimulatorServer) -> None:
    settings = Settings(source_url=sim.api_url, source_api_key=SecretStr("k"), source_timeout=3, source_retries=5)
    source = load_source(settings)
    assert isinstance(source, HttpSource) and isinstance(source, Source)
    assert source.base_url == sim.api_url + "/" and source.retries == 5 and source.timeout == 3
    with pytest.raises(
        LookupError, match=r"unknown source 'ftp': no plug-in named 'ftp' in group conveyor\.sources; known: http"
    ):
        load_source(settings, "ftp")
    source.close()


def test_fetches_every_entity_type_as_the_erp_holds_it(sim: SimulatorServer, source: HttpSource) -> None:
    catalogue = sim.simulator.catalogue
    assert source.fetch_customer("C000003") == catalogue.customers["C000003"]
    assert source.fetch_attribute("colour") == catalogue.attributes["colour"]
    assert source.fetch_price_group("VIP") == catalogue.price_groups["VIP"]
    for product_no in ("P00001", "P00005"):
        assert source.fetch_product(product_no) == catalogue.products[product_no]
    shipped = next(o for o in catalogue.orders.values() if o.fulfillments)
    assert source.fetch_fulfillments(shipped.order_no) == shipped.fulfillments
    assert source.list_outlets() == catalogue.outlets
    product = source.fetch_product("P00001")
    assert isinstance(product.variants[0].price, type(catalogue.products["P00001"].variants[0].price))


def test_lists_ids_page_by_page(sim: SimulatorServer, source: HttpSource) -> None:
    pages = list(iter_pages(source, EntityType.CUSTOMER, limit=5))
    assert [len(page.ids) for page in pages] == [5, 5, 2]
    assert [i for page in pages for i in page.ids] == sorted(sim.simulator.catalogue.customers)
    assert {page.total for page in pages} == {12}
    orders = [i for page in iter_pages(source, EntityType.FULFILLMENT) for i in page.ids]
    assert orders == sorted(o.order_no for o in sim.simulator.catalogue.orders.values() if o.fulfillments)
    codes = source.list_ids(EntityType.PRICE_GROUP).ids
    assert codes == sorted(sim.simulator.catalogue.price_groups)


def test_lists_only_what_changed_since_a_time(sim: SimulatorServer, source: HttpSource) -> None:
    assert source.list_ids(EntityType.PRODUCT, since=datetime(2030, 1, 1)).ids == []
    start = datetime.now(UTC)
    admin(sim, "POST", "change", {"entity_type": "product", "ids": ["P00006", "P00002"]})
    admin(sim, "POST", "change", {"entity_type": "attribute", "ids": ["size"]})
    assert source.list_ids(EntityType.PRODUCT, since=start).ids == ["P00002", "P00006"]
    naive = start.replace(tzinfo=None)  # a naive time is UTC
    assert source.list_ids(EntityType.ATTRIBUTE, since=naive).ids == ["size"]
    assert source.list_ids(EntityType.CUSTOMER, since=start).ids == []


def test_retries_5xx_answers_then_succeeds(sim: SimulatorServer) -> None:
    calls: list[tuple[str, str]] = []
    sleeps: list[float] = []
    source = make_source(sim, retries=3, backoff=0.2, before_request=lambda m, p: calls.append((m, p)))
    source._sleep = sleeps.append  # no real waiting
    admin(sim, "POST", "faults", {"fail": 2, "status": 502})
    assert source.fetch_customer("C000001").customer_no == "C000001"
    assert calls == [("GET", "customers/C000001")] * 3  # the hook sees every attempt
    assert len(sleeps) == 2 and 0.1 <= sleeps[0] <= 0.2 and 0.2 <= sleeps[1] <= 0.4  # backoff doubles
    admin(sim, "POST", "faults", {"fail": 10, "status": 500})
    with pytest.raises(SourceUnavailableError, match=r"customer 'C000002'.*4 time\(s\).*HTTP 500") as failed:
        source.fetch_customer("C000002")
    assert failed.value.transient
    source.close()


def test_retries_timeouts(sim: SimulatorServer) -> None:
    source = make_source(sim, timeout=0.5, retries=2, backoff=0.01)
    admin(sim, "POST", "faults", {"delay": 1, "seconds": 2.0})
    assert source.fetch_product("P00003").product_no == "P00003"  # the first attempt timed out
    admin(sim, "POST", "faults", {"delay": 3, "seconds": 1.5})
    with pytest.raises(SourceUnavailableError, match=r"no answer within 0\.5s"):
        source.fetch_product("P00003")
    source.close()


def test_connection_failures_are_retried_then_reported(start_simulator: StartSimulator) -> None:
    server = start_simulator(seed=1, customers=1, products=1)
    url = server.api_url
    server.stop()
    with HttpSource(url, retries=1, backoff=0.01, timeout=2) as source, pytest.raises(SourceUnavailableError):
        source.fetch_customer("C000001")


def test_429_raises_rate_limited_with_the_wait(start_simulator: StartSimulator) -> None:
    server = start_simulator(seed=1, customers=2, products=1, quota="1/day")
    calls: list[str] = []
    with make_source(server, before_request=lambda m, p: calls.append(p)) as source:
        source.fetch_customer("C000001")
        with pytest.raises(RateLimited) as limited:
            source.fetch_customer("C000002")
    assert calls == ["customers/C000001", "customers/C000002"]  # a 429 is not retried here
    assert 1 <= limited.value.retry_after <= 86400 and limited.value.transient
    assert "customer 'C000002'" in str(limited.value)


def test_4xx_errors_name_the_entity_and_id(start_simulator: StartSimulator) -> None:
    server = start_simulator(seed=1, customers=2, products=1, api_key="k3y")
    with make_source(server, api_key="k3y") as source:
        with pytest.raises(EntityNotFoundError, match="product 'P404' does not exist at the source") as missing:
            source.fetch_product("P404")
        assert (missing.value.status, missing.value.entity, missing.value.entity_id) == (404, "product", "P404")
        assert not missing.value.transient
        with pytest.raises(EntityNotFoundError, match="order 'X/1'"):
            source.fetch_fulfillments("X/1")  # ids are escaped in the path
        with pytest.raises(SourceRequestError, match="HTTP 422"):
            source.list_ids(EntityType.CUSTOMER, limit=5000)
        with pytest.raises(EntityNotFoundError, match="change set 'CS-9'"):
            source.acknowledge("CS-9")
    with make_source(server, api_key="wrong") as source, pytest.raises(SourceAuthError, match="credentials"):
        source.fetch_customer("C000001")


def test_an_unexpected_payload_is_a_data_error() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/customers/C1"):
            return httpx.Response(200, json={"customer_no": "C1"})  # no email, no names
        return httpx.Response(200, content=b"<html>maintenance</html>")

    with HttpSource("http://erp.invalid/api", transport=httpx.MockTransport(answer)) as source:
        with pytest.raises(SourceDataError, match=r"customer 'C1'.*email"):
            source.fetch_customer("C1")
        with pytest.raises(SourceDataError, match="outlets"):
            source.list_outlets()


def test_a_429_reported_to_the_hook_is_sent_again_without_using_a_retry() -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "0"}),
            httpx.Response(429, json={"retry_after": 2.5}),  # no header: the body says how long
            httpx.Response(200, json={"outlets": []}),
        ]
    )
    calls: list[str] = []
    pauses: list[float] = []
    with HttpSource(
        "http://erp.invalid/api",
        retries=0,  # a 429 taken for a failed attempt would end the call at once
        transport=httpx.MockTransport(lambda _request: next(answers)),
        before_request=lambda _method, path: calls.append(path),
        on_rate_limited=pauses.append,
    ) as source:
        assert source.list_outlets() == []
    assert pauses == [0.1, 2.5]  # "Retry-After: 0" still pauses a little, so a storm cannot spin
    assert calls == ["outlets"] * 3  # each sending waits for the hook's limiter again
