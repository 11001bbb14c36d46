"""Formats (sandboxed templates, errors naming template, line and order; openTRANS valid against the schema),
the file and HTTP channels' own behaviour, and response files parsed or refused."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from conveyor.orders import Document, TemplateError
from conveyor.orders.channels.file import FileChannel
from conveyor.orders.channels.http import HttpChannel
from conveyor.orders.formats import csv_format, json_format, opentrans_format, render_template
from conveyor.orders.responses import ResponseError, parse_response
from tests.support.testdata import TESTDATA

SCHEMA = TESTDATA / "opentrans-2.1/opentrans_2_1.xsd"
ADDRESS = {"firstname": "Ann", "lastname": "Lee", "street": ["Main 1"], "postcode": "10115", "city": "Berlin"}


def context(**order: Any) -> dict[str, Any]:
    lines = [
        {"line_number": None, "sku": "S<1>", "name": "Socks & co", "qty_ordered": "2.0000", "price": "5.00",
         "row_total": "10.00"},
        {"line_number": "0020", "sku": "S2", "name": None, "qty_ordered": "1.0000", "price": None, "row_total": None},
    ]  # fmt: skip
    return {
        "order": {
            "increment_id": "000000042",
            "entity_id": 42,
            "created_at": "2026-12-06 10:00:00",
            "status": "pending",
            "customer_id": None,
            "customer_email": "ann@example.com",
            "customer_firstname": "Ann",
            "customer_lastname": "Lee",
            "order_currency_code": "EUR",
            "payment": {"method": "checkmo"},
            "grand_total": "10.00",
            **order,
        },
        "lines": lines,
        "billing_address": {**ADDRESS, "country_id": "DE", "telephone": None, "email": None, "company": None},
        "shipping_address": None,
        "target": "erp",
        "website": "base",
        "now": datetime(2026, 12, 6, 12, tzinfo=UTC).isoformat(),
    }


def test_opentrans_orders_validate_against_the_schema_and_escape_values() -> None:
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    document = etree.fromstring(opentrans_format().render(context(), order="000000042").encode())
    assert schema.validate(document), schema.error_log
    ns = {"o": "http://www.opentrans.org/XMLSchema/2.1", "b": "http://www.bmecat.org/bmecat/2005"}
    assert document.findtext(".//o:ORDER_ID", namespaces=ns) == "000000042"
    assert [e.text for e in document.findall(".//o:LINE_ITEM_ID", ns)] == ["1", "0020"]  # numbered lines win
    assert document.findtext(".//b:SUPPLIER_PID", namespaces=ns) == "S<1>"


def test_json_and_csv_carry_every_line_with_its_number() -> None:
    data = json.loads(json_format().render(context(), order="1"))
    assert [(line["line_number"], line["sku"]) for line in data["lines"]] == [(1, "S<1>"), ("0020", "S2")]
    assert data["payment_method"] == "checkmo"
    rows = csv_format().render(context(customer_email='a,"b"@x'), order="1").splitlines()
    assert rows[1] == '000000042,1,S<1>,Socks & co,2.0000,5.00,10.00,EUR,"a,""b""@x"'
    assert rows[2].startswith("000000042,0020,S2,")


def test_a_template_error_names_template_line_and_order(tmp_path: Path) -> None:
    broken = tmp_path / "broken.j2"
    broken.write_text("line one\n{% for x in lines %}\n{{ x.sku }\n{% endfor %}\n")
    with pytest.raises(TemplateError) as syntax:
        render_template(broken, context(), order="000000042")
    assert (syntax.value.template, syntax.value.line, syntax.value.order) == (str(broken), 3, "000000042")
    failing = tmp_path / "failing.j2"
    failing.write_text("a\nb\n{{ order.increment_id }}{{ 1 / 0 }}\n")
    with pytest.raises(TemplateError, match=r"failing\.j2', line 3, order 7: ZeroDivisionError"):
        render_template(failing, context(), order="7")


def test_templates_run_in_a_sandbox(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.j2"
    sneaky.write_text("{{ order.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(TemplateError, match=r"unsafe|SecurityError|access"):
        render_template(sneaky, context(), order="1")


def document(**values: Any) -> Document:
    return Document(**{"content": "<x/>", "file_name": "42-erp.xml", "media_type": "application/xml",
                       "increment_id": "42", "target": "erp", **values})  # fmt: skip


def test_the_file_channel_writes_atomically_under_its_pattern(tmp_path: Path) -> None:
    channel = FileChannel({"directory": str(tmp_path / "out"), "pattern": "ORDER_{increment_id}_{target}.{extension}"})
    sent = channel.send(document())
    assert sent.reference == str(tmp_path / "out" / "ORDER_42_erp.xml")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["ORDER_42_erp.xml"]  # no temporary left
    channel.send(document(content="<y/>"))  # sent again: replaced whole
    assert (tmp_path / "out" / "ORDER_42_erp.xml").read_text() == "<y/>"
    with pytest.raises(Exception, match="not a file name"):
        FileChannel({"directory": str(tmp_path), "pattern": "../{increment_id}"}).send(document())


def test_the_http_channel_signs_and_keys_its_requests() -> None:
    body = b"<x/>"
    signed = HttpChannel({"url": "http://erp", "auth": {"type": "hmac", "secret": "k"}}).headers(document(), body)
    assert signed["X-Signature"] == "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert signed["Idempotency-Key"] == "42-erp" and signed["Content-Type"] == "application/xml"
    bearer = HttpChannel({"url": "http://erp", "auth": {"type": "bearer", "token": "t"}}).headers(document(), body)
    assert bearer["Authorization"] == "Bearer t"


def test_a_refused_connection_fails_the_send_clearly() -> None:
    channel = HttpChannel({"url": "http://127.0.0.1:1/orders", "connect_timeout": 0.5})
    with pytest.raises(Exception, match=r"POST http://127\.0\.0\.1:1/orders: ConnectError"):
        channel.send(document())


def test_json_and_opentrans_responses_are_read(tmp_path: Path) -> None:
    answer = tmp_path / "a.json"
    answer.write_text(json.dumps({"order_id": "42", "erp_order_id": 7}))
    assert (parse_response(answer).increment_id, parse_response(answer).erp_order_id) == ("42", "7")
    sample = SCHEMA.parent / "samples" / "minimal_valid_orderresponse.xml"
    with pytest.raises(ResponseError, match="no ERP order id"):  # the sample carries no SUPPLIER_ORDER_ID
        parse_response(sample)
    wrong = tmp_path / "b.xml"
    wrong.write_text('<ORDER xmlns="http://www.opentrans.org/XMLSchema/2.1"/>')
    with pytest.raises(ResponseError, match=r"not an openTRANS 2\.1 ORDERRESPONSE"):
        parse_response(wrong)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200), st.sampled_from([".json", ".xml"]))
def test_any_response_file_is_read_or_refused_with_a_reason(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"r{suffix}"
    path.write_bytes(data)
    try:
        answer = parse_response(path)
    except ResponseError as exc:
        assert str(exc)
    else:
        assert answer.increment_id and answer.erp_order_id
