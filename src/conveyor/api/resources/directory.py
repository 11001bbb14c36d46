"""Magento's Directory module: ``/V1/directory/countries[/{countryId}]`` and ``/V1/directory/currency``.

Anonymous, as in Magento: a storefront or connector reads them before it has a token. The currencies are the
store configuration's (``StoreSection``); Conveyor keeps no exchange rates, so only the base currency's own rate
(1) is listed.
"""

from __future__ import annotations

from pydantic import BaseModel

from conveyor.api.operations import OperationContext, operations
from conveyor.catalog import NotFoundError, stores

COUNTRY_NOT_AVAILABLE = "The country isn't available."


class Region(BaseModel):
    id: str
    code: str
    name: str


class Country(BaseModel):
    id: str
    two_letter_abbreviation: str
    three_letter_abbreviation: str
    full_name_locale: str
    full_name_english: str
    available_regions: list[Region] | None = None


class ExchangeRate(BaseModel):
    currency_to: str
    rate: float


class Currency(BaseModel):
    base_currency_code: str
    base_currency_symbol: str
    default_display_currency_code: str
    default_display_currency_symbol: str
    available_currency_codes: list[str]
    exchange_rates: list[ExchangeRate]


@operations.read("/V1/directory/countries", public=True, resource="anonymous")
def countries(ctx: OperationContext, params: dict[str, str]) -> list[Country]:
    """Every country, with its regions where Magento has them."""
    return [Country(**c) for c in stores.countries()]


@operations.read("/V1/directory/countries/{countryId}", public=True, resource="anonymous")
def country(ctx: OperationContext, params: dict[str, str]) -> Country:
    """One country by its two- or three-letter ISO code."""
    found = stores.country(params["countryId"])
    if found is None:
        raise NotFoundError(COUNTRY_NOT_AVAILABLE)
    return Country(**found)


@operations.read("/V1/directory/currency", public=True, resource="anonymous")
def currency(ctx: OperationContext, params: dict[str, str]) -> Currency:
    """The base and display currencies, the allowed ones and the exchange rates from the base currency."""
    settings = ctx.settings
    base, display = settings.store_base_currency, settings.display_currency
    return Currency(
        base_currency_code=base,
        base_currency_symbol=stores.currency_symbol(base),
        default_display_currency_code=display,
        default_display_currency_symbol=stores.currency_symbol(display),
        available_currency_codes=settings.allowed_currencies,
        exchange_rates=[ExchangeRate(currency_to=base, rate=1.0)],
    )
