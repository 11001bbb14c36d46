"""``/V1/directory/*`` as Magento serves them: anonymous, Magento's shapes, currencies from the settings."""

from __future__ import annotations

from tests.integration.api.harness import Harness

COUNTRY_KEYS = ["id", "two_letter_abbreviation", "three_letter_abbreviation", "full_name_locale", "full_name_english"]


def test_countries_and_currency_without_a_token(api: Harness) -> None:
    """On every database: the store code of the path is resolved there, the countries come from ISO data."""
    anonymous: dict[str, str] = {}
    listed = api.get("/rest/V1/directory/countries", headers=anonymous)
    assert listed.status_code == 200, listed.text
    countries = listed.json()
    assert len(countries) == 249
    germany = next(c for c in countries if c["id"] == "DE")
    assert germany == {
        "id": "DE",
        "two_letter_abbreviation": "DE",
        "three_letter_abbreviation": "DEU",
        "full_name_locale": "Germany",
        "full_name_english": "Germany",
    }
    us = api.get("/rest/default/V1/directory/countries/US", headers=anonymous).json()
    assert list(us) == [*COUNTRY_KEYS, "available_regions"]
    assert us["full_name_english"] == "United States"
    regions = {r["code"]: r for r in us["available_regions"]}
    assert regions["CA"] == {"id": "12", "code": "CA", "name": "California"}
    assert regions["TX"]["id"] == "57" and regions["NY"]["id"] == "43" and len(us["available_regions"]) == 65
    assert api.get("/rest/V1/directory/countries/bol", headers=anonymous).json()["full_name_english"] == ("Bolivia")
    missing = api.get("/rest/V1/directory/countries/XX", headers=anonymous)
    assert missing.status_code == 404
    assert missing.json() == {"message": "The country isn't available.", "parameters": []}
    currency = api.get("/rest/V1/directory/currency", headers=anonymous)
    assert currency.json() == {
        "base_currency_code": "USD",
        "base_currency_symbol": "$",
        "default_display_currency_code": "USD",
        "default_display_currency_symbol": "$",
        "available_currency_codes": ["USD"],
        "exchange_rates": [{"currency_to": "USD", "rate": 1.0}],
    }
