"""Magento's Directory: countries (ISO 3166), their regions and currencies (ISO 4217), as reference data.

Countries and currency names come from ``pycountry``; names are the English common ones (``Bolivia``, not
``Bolivia, Plurinational State of``), which is what Magento's English locale shows. Regions are Magento's installed
rows for the United States, with Magento's ids (``directory_country_region``), since clients send ``region_id``.
Other countries have no regions here.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pycountry

# Magento's directory_country_region rows for US, in install order: region_id = position + 1
US_REGIONS = (
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AS", "American Samoa"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("AE", "Armed Forces Africa"),
    ("AA", "Armed Forces Americas"),
    ("AE", "Armed Forces Canada"),
    ("AE", "Armed Forces Europe"),
    ("AE", "Armed Forces Middle East"),
    ("AP", "Armed Forces Pacific"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "District of Columbia"),
    ("FM", "Federated States Of Micronesia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("GU", "Guam"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MH", "Marshall Islands"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("MP", "Northern Mariana Islands"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PW", "Palau"),
    ("PA", "Pennsylvania"),
    ("PR", "Puerto Rico"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VI", "Virgin Islands"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
)
REGIONS: dict[str, list[dict[str, str]]] = {
    "US": [{"id": str(n), "code": code, "name": name} for n, (code, name) in enumerate(US_REGIONS, start=1)]
}
# ICU's symbols in en_US for the usual currencies; any other currency shows its code, as ICU does
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$", "CNY": "CN¥", "INR": "₹"}


@cache
def countries() -> tuple[dict[str, Any], ...]:
    """Every country in Magento's CountryInformationInterface keys, by English name."""
    found = []
    for country in pycountry.countries:
        name = str(getattr(country, "common_name", None) or country.name)
        item: dict[str, Any] = {
            "id": country.alpha_2,
            "two_letter_abbreviation": country.alpha_2,
            "three_letter_abbreviation": country.alpha_3,
            "full_name_locale": name,
            "full_name_english": name,
        }
        if country.alpha_2 in REGIONS:
            item["available_regions"] = REGIONS[country.alpha_2]
        found.append(item)
    return tuple(sorted(found, key=lambda c: str(c["full_name_english"])))


def country(code: str) -> dict[str, Any] | None:
    """A country by its two- or three-letter code, any case (Magento's ``loadByCode``); None if there is none."""
    wanted = code.upper()
    key = "two_letter_abbreviation" if len(wanted) == 2 else "three_letter_abbreviation"
    return next((c for c in countries() if c[key] == wanted), None)


def currency_symbol(code: str) -> str:
    """The symbol Magento shows for ``code`` in en_US."""
    return SYMBOLS.get(code, code)
