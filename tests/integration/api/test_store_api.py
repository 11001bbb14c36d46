"""``/V1/store/*`` as a Magento client reads them: every scope, key by key, and the configuration from settings."""

from __future__ import annotations

from tests.integration.api.harness import Harness

CONFIG_KEYS = [
    "id",
    "code",
    "website_id",
    "locale",
    "base_currency_code",
    "default_display_currency_code",
    "timezone",
    "weight_unit",
    "base_url",
    "base_link_url",
    "base_static_url",
    "base_media_url",
    "secure_base_url",
    "secure_base_link_url",
    "secure_base_static_url",
    "secure_base_media_url",
]


def test_store_routes_list_every_scope_in_magentos_shapes(api: Harness) -> None:
    from conveyor.catalog.stores import store_table

    with api.engine.begin() as conn:
        conn.execute(
            store_table.insert().values(
                store_id=2, code="fr", website_id=1, group_id=1, name="French", sort_order=1, is_active=False
            )
        )
    websites = api.get("/rest/V1/store/websites/")
    assert websites.status_code == 200, websites.text
    assert websites.json() == [
        {"id": 0, "code": "admin", "name": "Admin", "default_group_id": 0},
        {"id": 1, "code": "base", "name": "Main Website", "default_group_id": 1},
    ]
    assert api.get("/rest/all/V1/store/storeGroups").json() == [
        {"id": 0, "website_id": 0, "root_category_id": 0, "default_store_id": 0, "name": "Default", "code": "default"},
        {
            "id": 1,
            "website_id": 1,
            "root_category_id": 2,
            "default_store_id": 1,
            "name": "Main Website Store",
            "code": "main_website_store",
        },
    ]
    views = api.get("/rest/V1/store/storeViews").json()
    assert views == [
        {"id": 0, "code": "admin", "name": "Admin", "website_id": 0, "store_group_id": 0, "is_active": 1},
        {
            "id": 1,
            "code": "default",
            "name": "Default Store View",
            "website_id": 1,
            "store_group_id": 1,
            "is_active": 1,
        },
        {"id": 2, "code": "fr", "name": "French", "website_id": 1, "store_group_id": 1, "is_active": 0},
    ]
    configs = api.get("/rest/V1/store/storeConfigs").json()
    assert [c["code"] for c in configs] == ["default", "fr"]  # the admin store has no configuration of its own
    assert list(configs[0]) == CONFIG_KEYS
    assert configs[0] == {
        "id": 1,
        "code": "default",
        "website_id": 1,
        "locale": "en_US",
        "base_currency_code": "USD",
        "default_display_currency_code": "USD",
        "timezone": "UTC",
        "weight_unit": "lbs",
        "base_url": "http://localhost/",
        "base_link_url": "http://localhost/",
        "base_static_url": "http://localhost/static/",
        "base_media_url": "http://localhost/media/",
        "secure_base_url": "http://localhost/",
        "secure_base_link_url": "http://localhost/",
        "secure_base_static_url": "http://localhost/static/",
        "secure_base_media_url": "http://localhost/media/",
    }
    only = api.get("/rest/V1/store/storeConfigs?storeCodes[]=fr&storeCodes[]=nowhere").json()
    assert [c["code"] for c in only] == ["fr"]
    indexed = api.get("/rest/V1/store/storeConfigs?storeCodes[0]=default").json()
    assert [c["code"] for c in indexed] == ["default"]
    assert api.get("/rest/V1/store/websites", headers={}).status_code == 401


def test_store_configs_come_from_the_settings(sqlite_url: str) -> None:
    from conveyor.api.resources.store import config
    from conveyor.settings import Settings

    settings = Settings(
        database_url=sqlite_url,
        store_locale="de_DE",
        store_timezone="Europe/Berlin",
        store_base_currency="EUR",
        store_weight_unit="kgs",
        store_base_url="http://shop.example",
        store_secure_base_url="https://shop.example/",
    )
    found = config(settings, {"id": 1, "code": "default", "website_id": 1})
    assert (found.locale, found.timezone, found.base_currency_code, found.default_display_currency_code) == (
        "de_DE",
        "Europe/Berlin",
        "EUR",
        "EUR",
    )
    assert found.weight_unit == "kgs"
    assert found.base_media_url == "http://shop.example/media/"
    assert found.secure_base_static_url == "https://shop.example/static/"
