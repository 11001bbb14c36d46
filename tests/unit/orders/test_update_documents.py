"""The ERP document readers: JSON by its schema, openTRANS DISPATCHNOTIFICATION and INVOICE by their elements;
anything else is a ParseError naming the field or element, never another exception."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conveyor.orders.update import ErpDocument, ParseError, parse_json, read_document
from tests.support.testdata import TESTDATA

SAMPLES = TESTDATA / "opentrans-2.1/samples"
OT = 'xmlns="http://www.opentrans.org/XMLSchema/2.1" xmlns:bmecat="http://www.bmecat.org/bmecat/2005"'


def test_the_dispatchnotification_sample_is_a_shipment_with_its_track() -> None:
    document = read_document((SAMPLES / "sample_dispatchnotification_opentrans_2_1.xml").read_bytes())
    assert (document.type, document.external_id, document.order) == ("shipment", "LA86", "ORD112")
    assert [(i.line_number, i.sku, i.qty) for i in document.items] == [("P697", "SG8", Decimal(4000))]
    assert [(t.track_number, t.title) for t in document.tracks] == [("PACK-04943", "Transportation Services Inc.")]


def test_the_invoice_sample_is_an_invoice_of_its_order_by_sku() -> None:
    document = read_document((SAMPLES / "sample_invoice_opentrans_2_1.xml").read_bytes())
    assert (document.type, document.external_id, document.order) == ("invoice", "I21298", "O3849")
    assert [(i.line_number, i.sku, i.qty) for i in document.items] == [(None, "NB-A4", Decimal(4))]


def test_a_json_document_round_trips_through_the_ledgers_json() -> None:
    document = parse_json(
        b'{"type": "creditmemo", "external_id": "CM-1", "order": "42", "shipping_amount": 4.95,'
        b' "items": [{"line_number": "0010", "qty": 1, "return_to_stock": true}]}'
    )
    assert parse_json(document.to_json()) == document


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[]", "a document must be a JSON object"),
        (b"{", "not valid JSON"),
        (b'{"type": "refund", "external_id": "x", "order": "1"}', "type: Input should be"),
        (b'{"type": "invoice", "order": "1"}', "external_id: Field required"),
        (b'{"type": "invoice", "external_id": "x", "order": "1", "items": [{"sku": "A", "qty": -1}]}', "items.0.qty"),
        (
            b'{"type": "invoice", "external_id": "x", "order": "1", "tracks": [{"track_number": "T"}]}',
            "only a shipment has tracks",
        ),
        (
            b'{"type": "cancellation", "external_id": "x", "order": "1", "items": [{"sku": "A", "qty": 1}]}',
            "a cancellation cancels what is left",
        ),
        (b'{"type": "invoice", "external_id": "x", "order": "1", "extra": 1}', "extra: Extra inputs"),
        (b"<ORDER/>", "not an openTRANS 2.1 DISPATCHNOTIFICATION or INVOICE"),
        (b"<INVOICE", "not well-formed XML"),
        (f"<INVOICE {OT}><INVOICE_HEADER><INVOICE_INFO/></INVOICE_HEADER></INVOICE>".encode(), "no INVOICE_ID"),
        (
            f"<DISPATCHNOTIFICATION {OT}><DISPATCHNOTIFICATION_HEADER><DISPATCHNOTIFICATION_INFO>"
            "<DISPATCHNOTIFICATION_ID>D</DISPATCHNOTIFICATION_ID></DISPATCHNOTIFICATION_INFO>"
            "</DISPATCHNOTIFICATION_HEADER><DISPATCHNOTIFICATION_ITEM_LIST><DISPATCHNOTIFICATION_ITEM>"
            "<QUANTITY>many</QUANTITY><ORDER_REFERENCE><ORDER_ID>1</ORDER_ID></ORDER_REFERENCE>"
            "</DISPATCHNOTIFICATION_ITEM></DISPATCHNOTIFICATION_ITEM_LIST></DISPATCHNOTIFICATION>".encode(),
            "DISPATCHNOTIFICATION_ITEM[1]/QUANTITY: 'many' is not a quantity",
        ),
        (
            f"<DISPATCHNOTIFICATION {OT}><DISPATCHNOTIFICATION_HEADER><DISPATCHNOTIFICATION_INFO>"
            "<DISPATCHNOTIFICATION_ID>D</DISPATCHNOTIFICATION_ID></DISPATCHNOTIFICATION_INFO>"
            "</DISPATCHNOTIFICATION_HEADER></DISPATCHNOTIFICATION>".encode(),
            "no ORDER_ID names the order",
        ),
    ],
)
def test_bad_documents_say_what_is_wrong(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message.replace("(", r"\(").replace("[", r"\[")):
        read_document(data)


def test_entities_are_not_expanded() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<INVOICE xmlns="http://www.opentrans.org/XMLSchema/2.1"><INVOICE_HEADER><INVOICE_INFO>'
        b"<INVOICE_ID>&e;</INVOICE_ID></INVOICE_INFO></INVOICE_HEADER></INVOICE>"
    )
    with pytest.raises(ParseError, match="no INVOICE_ID"):
        read_document(bomb)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
document_like = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["shipment", "invoice", "cancellation", "creditmemo", "other"]),
        "external_id": st.text(max_size=5),
        "order": st.text(max_size=5),
    },
    optional={
        "items": st.lists(
            st.fixed_dictionaries(
                {"qty": st.one_of(st.integers(-2, 5), st.text(max_size=3))},
                optional={"sku": st.text(max_size=4), "line_number": st.text(max_size=4)},
            ),
            max_size=3,
        ),
        "tracks": json_values,
        "notify": json_values,
    },
)


@settings(max_examples=100, deadline=None)
@given(st.one_of(json_values, document_like))
def test_any_json_is_a_document_or_a_parse_error(value: object) -> None:
    try:
        document = parse_json(orjson.dumps(value))
    except ParseError as exc:
        assert str(exc)
    else:
        assert isinstance(document, ErpDocument) and document.external_id and document.order
        assert all(item.qty > 0 and (item.sku or item.line_number) for item in document.items)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(lambda t: f"<INVOICE {OT}>{t}</INVOICE>".encode()))
def test_any_bytes_are_a_document_or_a_parse_error(data: bytes) -> None:
    try:
        read_document(data)
    except ParseError as exc:
        assert str(exc)
