"""ACL: an integration token grants a list of Magento resources; each route checks the one its operation declares."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conveyor.api.acl import UnknownResourceError, check, close_matches, known_resources
from conveyor.api.auth import Caller, create_integration_token, parse_resources
from conveyor.api.errors import NOT_AUTHORIZED
from conveyor.api.operations import default_registry
from conveyor.cli import main
from conveyor.settings import get_settings
from tests.integration.api.harness import Harness, harness

GROUPS = "Magento_Customer::group"


def test_a_token_reaches_only_the_routes_of_its_resources(api: Harness) -> None:
    with api.engine.begin() as conn:
        groups_only = {"Authorization": f"Bearer {create_integration_token(conn, 'groups', [GROUPS])}"}
        root = {"Authorization": f"Bearer {create_integration_token(conn, 'root', ['Magento_Backend::all'])}"}
    assert api.get("/rest/V1/customerGroups/1", headers=groups_only).status_code == 200
    refused = api.get("/rest/V1/store/websites", headers=groups_only)
    assert refused.status_code == 403
    assert refused.json() == {"message": NOT_AUTHORIZED, "parameters": {"resources": "Magento_Backend::store"}}
    # writes, async and bulk check it at intake
    body = {"group": {"code": "Granted"}}
    assert api.send("POST", "/rest/V1/customerGroups", body, headers=groups_only).status_code == 200
    assert api.send("POST", "/rest/async/V1/customerGroups", body, headers=groups_only).status_code == 202
    with api.engine.begin() as conn:
        stores_only = {
            "Authorization": f"Bearer {create_integration_token(conn, 'stores', ['Magento_Backend::store'])}"
        }
    for method, path, payload in (
        ("POST", "/rest/V1/customerGroups", body),
        ("POST", "/rest/async/V1/customerGroups", body),
        ("POST", "/rest/async/bulk/V1/customerGroups", [body]),
        ("GET", "/rest/V1/customerGroups/1", None),
    ):
        answer = api.send(method, path, payload, headers=stores_only)
        assert answer.status_code == 403, (path, answer.text)
        assert answer.json()["parameters"] == {"resources": GROUPS}
    assert api.get("/rest/V1/store/websites", headers=stores_only).status_code == 200
    # the tree's root, admin tokens and tokens made without a list have every resource
    for headers in (root, api.admin, api.headers):
        assert api.get("/rest/V1/store/websites", headers=headers).status_code == 200
        assert api.get("/rest/V1/customerGroups/1", headers=headers).status_code == 200


def test_resource_lists_are_checked_by_exact_match() -> None:
    caller = Caller(user_type=1, user_id=1, name="erp", resources=frozenset({"Magento_Catalog::products"}))
    assert caller.allows("Magento_Catalog::products")
    assert not caller.allows("Magento_Catalog::catalog")
    assert not caller.allows("Magento_Catalog::categories")
    assert Caller(1, 1, "x", frozenset({"Magento_Backend::admin"})).allows("Magento_Sales::sales")
    assert Caller(1, 1, "x").allows("Magento_Sales::sales")
    assert parse_resources(" Magento_Catalog::products, Magento_Sales::sales ") == [
        "Magento_Catalog::products",
        "Magento_Sales::sales",
    ]
    for bad in ("", "products", "Magento_Catalog::", "a::b::c", "Magento Catalog::x"):
        with pytest.raises(ValueError):
            parse_resources(bad)


def test_cli_creates_a_token_with_resources(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVEYOR_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        made = runner.invoke(main, ["token", "create", "erp", "--resources", f"{GROUPS},Magento_Catalog::products"])
        assert made.exit_code == 0, made.output
        token = made.output.strip()
        assert runner.invoke(main, ["token", "create", "bad", "--resources", "nonsense"]).exit_code == 2
        listed = runner.invoke(main, ["token", "list"], env={"COLUMNS": "250"})
        assert "Magento_Catalog::products" in listed.output, listed.output
        with harness(sqlite_url) as api:
            headers = {"Authorization": f"Bearer {token}"}
            assert api.get("/rest/V1/customerGroups/1", headers=headers).status_code == 200
            assert api.get("/rest/V1/store/storeViews", headers=headers).status_code == 403
    finally:
        get_settings.cache_clear()


def test_the_queued_forms_of_an_anonymous_route_need_a_token(sqlite_api: Harness) -> None:
    """Sign-up is anonymous, as in Magento; queueing it is not (Magento 2.4.7+ refuses guests on async routes)."""
    body = {"customerEmail": "guest@example.com"}
    direct = sqlite_api.client.post("/rest/V1/customers/isEmailAvailable", json=body)
    assert direct.status_code == 200
    queued = sqlite_api.client.post("/rest/async/V1/customers/isEmailAvailable", json=body)
    bulk = sqlite_api.client.post("/rest/async/bulk/V1/customers/isEmailAvailable", json=[body])
    assert queued.status_code == bulk.status_code == 401
    allowed = sqlite_api.client.post("/rest/async/V1/customers/isEmailAvailable", json=body, headers=sqlite_api.headers)
    assert allowed.status_code == 202


def test_token_create_refuses_resources_no_route_declares_with_close_matches(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Magento grants by exact match (a parent does not reach an unticked child), so a name no served route
    declares would make a token that only ever gets 403: refused before any token is written."""
    monkeypatch.setenv("CONVEYOR_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        typo = runner.invoke(main, ["token", "create", "erp", "--resources", f"{GROUPS},Magento_Catalog::product"])
        assert typo.exit_code == 2, typo.output
        assert "unknown ACL resource 'Magento_Catalog::product': did you mean Magento_Catalog::products" in typo.output
        assert GROUPS not in typo.output.split("did you mean")[0]  # the known one is not named as unknown
        case = runner.invoke(main, ["token", "create", "erp", "--resources", "magento_customer::GROUP"])
        assert case.exit_code == 2 and f"did you mean {GROUPS}," in case.output, case.output
        alien = runner.invoke(main, ["token", "create", "erp", "--resources", "Vendor_Thing::widgets"])
        assert alien.exit_code == 2 and "no route declares a resource like it" in alien.output, alien.output
        # nothing was written: the name is still free, and every served route's resource (and the root) is taken
        served = sorted({op.resource for op in default_registry() if op.resource not in ("anonymous", "self")})
        made = runner.invoke(
            main, ["token", "create", "erp", "--resources", ",".join([*served, "Magento_Backend::all"])]
        )
        assert made.exit_code == 0, made.output
    finally:
        get_settings.cache_clear()


def test_known_resources_are_the_routes_refs_and_the_root() -> None:
    known = known_resources(default_registry())
    assert {"Magento_Catalog::products", "Magento_Backend::store", "Magento_Backend::all"} <= known
    assert "anonymous" not in known and "self" not in known
    check(["Magento_Catalog::products"], known)
    with pytest.raises(UnknownResourceError, match="Magento_Catalog::products"):
        check(["Magento_Catalog::productz"], known)
    assert close_matches("MAGENTO_BACKEND::STORE", known)[0] == "Magento_Backend::store"
