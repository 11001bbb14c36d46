"""The document's declared rules agree with the checks the server makes itself, value for value."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field, TypeAdapter

from conveyor.api.document import (
    BODY_SKU_PATTERN,
    DATE_OF_BIRTH,
    DECIMAL_TEXT,
    EMAIL,
    INT_MAX,
    INT_MIN,
    JSON_VALUE,
    MAX_INT,
    MIN_INT,
    MSI_CODE,
    MSI_NAME,
    NO_NUL,
    NON_BLANK,
    PASSWORD,
    SKU_MAX_LENGTH,
    SKU_PATTERN,
    BodyCheck,
    ParamCheck,
    body_schema,
    check_integers,
    decimal_text,
    declare_text_rules,
    requires,
)
from conveyor.api.errors import OUT_OF_RANGE, ApiError
from conveyor.api.operations import check_text as check_body_text
from conveyor.api.sku import check_sku
from conveyor.catalog import CatalogError
from conveyor.catalog.customers import email_address
from conveyor.catalog.customers.passwords import check_password
from conveyor.catalog.customers.validation import date_of_birth
from conveyor.catalog.inventory.errors import check_code, check_text
from conveyor.db.decimal_schema import bounded_decimal

# texts that hit the edges: whitespace of every kind, NUL, templates, @ and dots
EDGY = st.text(alphabet=st.sampled_from(list(" \t\n\x0b\x1c\x85\xa0\u2028\u3000\x00$:{}@.aZ0é")), max_size=12)
TEXTS = st.one_of(EDGY, st.text(max_size=12))


def matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text) is not None


@given(TEXTS)
@settings(deadline=None)
def test_non_blank_is_what_strip_leaves_something_of(text: str) -> None:
    assert matches(NON_BLANK, text) == (bool(text.strip()) and "\x00" not in text)


@given(TEXTS)
@settings(deadline=None)
def test_msi_code_and_name_are_msis_validators(text: str) -> None:
    code_errors: list[Any] = []
    check_code("source_code", text, code_errors)
    assert matches(MSI_CODE, text) == (not code_errors and "\x00" not in text)
    name_errors: list[Any] = []
    check_text("name", text, name_errors)
    assert matches(MSI_NAME, text) == (not name_errors and "\x00" not in text)


@given(st.one_of(EDGY, st.emails(), st.emails().map(lambda e: f" {e.upper()}\n")))
@settings(max_examples=300, deadline=None)
def test_email_is_the_customers_check(text: str) -> None:
    try:
        email_address("email", text)
        accepted = "\x00" not in text
    except CatalogError:
        accepted = False
    if len(text.strip()) <= 191:
        assert matches(EMAIL, text) == accepted, text


class Item(BaseModel):
    name: str | None = None
    count: int
    extension_attributes: dict[str, Any] | None = None
    model_config = {"json_schema_extra": requires("name")}


def test_the_api_wide_rules_and_the_intake_check() -> None:
    check = BodyCheck(Item)
    assert check.errors({"name": "a", "count": 1, "extension_attributes": {"x": [1, "b", {"c": None}]}}) == []
    (missing,) = check.errors({"count": 1})
    assert (missing.status, missing.message, missing.parameters) == (
        400,
        '"%1" is required. Enter and try again.',
        ["name"],
    )
    (null,) = check.errors({"name": None, "count": 1})  # a required field is not null either
    assert null.parameters == ["null", "name"]
    (nul,) = check.errors({"name": "a\x00", "count": 1})
    assert nul.parameters == ["a\x00", "name"]
    (deep,) = check.errors({"name": "a", "count": 1, "extension_attributes": {"x": ["ok", "b\x00"]}})
    assert list(deep.parameters)[1:] == ["extension_attributes"]  # the free value as a whole is refused
    (key,) = check.errors({"name": "a", "count": 1, "extension_attributes": {"k\x00": 1}})  # a key, as a value
    assert list(key.parameters)[1:] == ["extension_attributes"]
    check.errors({"name": "a", "count": 2**80, "extension_attributes": {"n": -(2**90)}})  # no exception: no 500
    with pytest.raises(ApiError) as refused:  # what every route checks first: no integer past 64 bits anywhere
        check_body_text({"name": "a", "count": 1, "extension_attributes": {"n": [2**64]}})
    assert (refused.value.status, refused.value.message) == (400, OUT_OF_RANGE)
    assert ParamCheck({"type": "integer", "minimum": 2}).accepts("5")
    assert not ParamCheck({"type": "integer", "minimum": 2}).accepts("1")
    assert not ParamCheck({"type": "number"}).accepts("x")


ITEM_REF = "#/components/schemas/Item"


def test_the_document_gets_the_rules_but_where_a_refused_value_is_repeated() -> None:
    document: dict[str, Any] = {
        "components": {
            "schemas": {
                "Item": Item.model_json_schema(ref_template="#/components/schemas/{model}"),
                "ErrorResponse": {"properties": {"message": {"type": "string"}}},
                "Answer": {"properties": {"total": {"type": "integer"}}},
            }
        },
        "paths": {
            "/x/{id}": {
                "get": {"parameters": [{"name": "q", "schema": {"type": "string"}}]},
                "post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": ITEM_REF}}}}},
            }
        },
    }
    declare_text_rules(document)
    schemas = document["components"]["schemas"]
    item = schemas["Item"]["properties"]
    assert item["name"] == {"type": "string", "pattern": NO_NUL, "title": "Name"}
    # a typed integer without bounds of its own takes MySQL INT's (``check_integers``)
    assert item["count"] == {"type": "integer", "title": "Count", "minimum": INT_MIN, "maximum": INT_MAX}
    assert schemas["Answer"]["properties"]["total"] == {"type": "integer"}  # an answer's integers are not bounded
    assert {"type": "integer", "minimum": MIN_INT, "maximum": MAX_INT} in schemas[JSON_VALUE]["anyOf"]
    free = item["extension_attributes"]["anyOf"][0]
    assert free["additionalProperties"] == {"$ref": f"#/components/schemas/{JSON_VALUE}"}
    assert free["propertyNames"] == {"pattern": NO_NUL}  # its keys are texts too: ``check_text`` refuses a NUL
    assert JSON_VALUE in schemas
    assert schemas["ErrorResponse"]["properties"]["message"] == {"type": "string"}
    assert document["paths"]["/x/{id}"]["get"]["parameters"][0]["schema"]["pattern"] == NO_NUL


SKU_TEXTS = st.one_of(
    EDGY,
    st.text(alphabet=st.sampled_from(list(" \t\x01\x1f\x7f\x85\x9f\ufffd\u2028\u2029\u3000aZ-_/é")), max_size=66),
    st.text(max_size=70),
)


@given(SKU_TEXTS)
@settings(max_examples=300, deadline=None)
def test_the_sku_rule_is_check_sku(text: str) -> None:
    """A path's sku and a body's (where empty is the handler's to refuse) as ``check_sku`` takes them."""
    try:
        check_sku(text)
        taken = True
    except ApiError:
        taken = False
    fits = len(text) <= SKU_MAX_LENGTH
    assert (matches(SKU_PATTERN, text) and fits) == taken
    assert (matches(BODY_SKU_PATTERN, text) and fits) == (taken or text == "")


@given(st.one_of(st.text(alphabet=st.sampled_from(list("+-.eE0123456789 _x")), max_size=8), st.text(max_size=8)))
@settings(max_examples=300, deadline=None)
def test_decimal_text_is_read_as_a_decimal(text: str) -> None:
    """What the document calls decimal text, pydantic reads into a ``Decimal`` (it reads more: whitespace, ``_``)."""
    if matches(DECIMAL_TEXT, text):
        TypeAdapter(Decimal).validate_python(text)


@given(st.from_regex(DECIMAL_TEXT))
@settings(max_examples=300, deadline=None)
def test_any_decimal_text_is_read_as_a_decimal(text: str) -> None:
    """Whatever the pattern lets through, long exponents included, pydantic reads (it refused
    ``02247845874E83080066635042843265``, which the document called decimal text)."""
    TypeAdapter(Decimal).validate_python(text)


def test_an_exponent_decimal_cannot_read_is_not_decimal_text() -> None:
    assert matches(DECIMAL_TEXT, "99999.999E+0099999999999999999")
    assert not matches(DECIMAL_TEXT, "02247845874E83080066635042843265")
    assert not matches(DECIMAL_TEXT, "1E999999999999999999")


def test_body_skus_and_decimals_get_their_rules() -> None:
    class Line(BaseModel):
        sku: str
        parent_sku: str | None = None
        skus: list[str] = []
        qty: Decimal | None = None

    schema = body_schema(Line)["properties"]
    assert schema["sku"]["pattern"] == BODY_SKU_PATTERN and schema["sku"]["maxLength"] == 64
    assert schema["parent_sku"]["anyOf"][0]["pattern"] == BODY_SKU_PATTERN
    assert schema["skus"]["items"]["pattern"] == BODY_SKU_PATTERN
    assert {"type": "string", "pattern": DECIMAL_TEXT} in schema["qty"]["anyOf"]


class _Counted(BaseModel):
    count: int
    bounded: int = Field(default=0, ge=0, le=5)
    free: dict[str, Any] | None = None


def test_a_typed_integer_is_declared_and_checked_within_mysql_int() -> None:
    """Declared in one place (the document builder) and checked in one (``check_integers``, every write body):
    an integer without bounds of its own takes MySQL INT's; a free value keeps 64 bits."""
    schema = body_schema(_Counted)
    assert (schema["properties"]["count"]["minimum"], schema["properties"]["count"]["maximum"]) == (INT_MIN, INT_MAX)
    assert schema["properties"]["bounded"]["maximum"] == 5
    check_integers(_Counted(count=INT_MAX, free={"big": 2**40}))
    with pytest.raises(ApiError) as refused:
        check_integers(_Counted(count=INT_MAX + 1), "customer")
    assert refused.value.parameters == [str(INT_MAX + 1), "customer.count"]


@pytest.mark.parametrize(
    ("text", "minimum", "valid"),
    [
        ("9999999.9999", None, True),
        ("-1", None, True),
        ("99999999", None, False),  # as many integer digits as the column: may be past it
        ("1e5", None, False),
        ("0.0001", Decimal("0.0001"), True),
        ("0.00009", Decimal("0.0001"), False),
        ("0", Decimal("0.0001"), False),
        ("-1", Decimal("0.0001"), False),
        # not negative (an amount): a minus sign only before a zero
        ("4.95", Decimal(0), True),
        ("0", Decimal(0), True),
        ("-0.00", Decimal(0), True),
        ("-0.5", Decimal(0), False),
        ("-4528.8E+07", Decimal(0), False),
    ],
)
def test_a_bounded_decimal_takes_numbers_and_text_within_its_column(
    text: str, minimum: Decimal | None, valid: bool
) -> None:
    rule = bounded_decimal(Decimal("99999999.9999"), 4, minimum)
    assert bool(re.search(rule["anyOf"][1]["pattern"], text)) is valid
    number = rule["anyOf"][0]
    assert number["maximum"] == 99999999.9999
    assert number["minimum"] == (-99999999.9999 if minimum is None else float(minimum))


def _password_ok(text: str) -> bool:
    try:
        check_password(text, "someone@example.com")
    except CatalogError:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ9!é \t\u3000Ab1")), max_size=14) | st.text(max_size=20))
def test_the_password_rule_is_the_one_the_server_checks(text: str) -> None:
    """Magento's classes are ASCII (an accented letter is a special character), as the pattern says them."""
    declared = PASSWORD["minLength"] <= len(text) <= PASSWORD["maxLength"] and re.search(PASSWORD["pattern"], text)
    assert bool(declared) == (_password_ok(text) and "\x00" not in text)  # every body's check_text refuses NUL


def test_a_password_with_nul_is_not_declared() -> None:
    assert _password_ok("Str0ng-\x00Password")  # the password rule alone takes it; check_text does not
    assert not re.search(PASSWORD["pattern"], "Str0ng-\x00Password")


@pytest.mark.parametrize(
    ("text", "valid"),
    [("1", True), ("0.5", True), ("99999999.9", True), ("0", False), ("-1", False), ("100000000", False)],
)
def test_a_bounded_decimals_text_is_declared_within_its_number_bounds(text: str, valid: bool) -> None:
    """``qty: Decimal = Field(gt=0, le=10**8)``: the text alternative says what the number's bounds say."""
    number = {"type": "number", "exclusiveMinimum": 0, "maximum": 1e8}
    assert bool(re.search(decimal_text(number), text)) is valid
    assert decimal_text({"type": "number"}) == DECIMAL_TEXT


@pytest.mark.parametrize("text", ["", " ", "1990-02-28", "2024-12-01", "0256-09-18", "2030-01-01", "x"])
def test_a_date_of_birth_is_declared_as_the_server_reads_it(text: str) -> None:
    try:
        date_of_birth("dob", text)
        accepted = True
    except CatalogError:
        accepted = False
    declared = bool(re.search(DATE_OF_BIRTH["anyOf"][0]["pattern"], text))
    assert declared == accepted
