"""openTRANS 2.1 documents from the ERP, read into an ``ErpDocument``.

- DISPATCHNOTIFICATION → a shipment: ``DISPATCHNOTIFICATION_ID`` is the external id; each
  ``DISPATCHNOTIFICATION_ITEM`` names the order in ``ORDER_REFERENCE/ORDER_ID`` (all items one order) and its line
  in ``ORDER_REFERENCE/LINE_ITEM_ID`` (our line number), with ``PRODUCT_ID/SUPPLIER_PID`` as the sku and
  ``QUANTITY``. ``SHIPMENT_ID`` is the tracking number; the carrier is the ``deliverer`` party's name.
- INVOICE → an invoice: ``INVOICE_ID`` is the external id, ``ORDER_HISTORY/ORDER_ID`` the order (else the items'
  ``ORDER_REFERENCE/ORDER_ID``); items as above (an invoice's own ``LINE_ITEM_ID`` numbers the invoice, not the
  order, so only ``ORDER_REFERENCE/LINE_ITEM_ID`` is a line number).

The order id may be our increment id or the ERP's order id (see ``apply.find_order``). DTDs and entities are not
resolved and nothing is fetched from the network.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from conveyor.orders.update.documents import MAX_BYTES, ErpDocument, ParseError, parse_json

__all__ = ["parse_opentrans", "read_document"]

NS = "{http://www.opentrans.org/XMLSchema/2.1}"
BME = "{http://www.bmecat.org/bmecat/2005}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def read_document(data: bytes) -> ErpDocument:
    """A document file's content: openTRANS when it is XML, else JSON."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return parse_opentrans(data)
    return parse_json(data)


def _text(element: Any, path: str) -> str | None:
    found = element.findtext(path)
    return found.strip() if found is not None and found.strip() else None


def _quantity(text: str | None, where: str) -> Decimal:
    try:
        if text is None:
            raise InvalidOperation
        return Decimal(text)
    except InvalidOperation:
        raise ParseError(f"{where}/QUANTITY: {text!r} is not a quantity") from None


def _items(root: Any, item_tag: str) -> tuple[list[dict[str, Any]], set[str]]:
    """The lines of a document and the order ids its items reference."""
    items, orders = [], set()
    for number, item in enumerate(root.iter(f"{NS}{item_tag}"), start=1):
        where = f"{item_tag}[{number}]"
        order_id = _text(item, f"{NS}ORDER_REFERENCE/{NS}ORDER_ID")
        if order_id is not None:
            orders.add(order_id)
        line: dict[str, Any] = {"qty": _quantity(_text(item, f"{NS}QUANTITY"), where)}
        line_number = _text(item, f"{NS}ORDER_REFERENCE/{NS}LINE_ITEM_ID")
        sku = _text(item, f"{NS}PRODUCT_ID/{BME}SUPPLIER_PID")
        if line_number is None and sku is None:
            raise ParseError(f"{where}: neither ORDER_REFERENCE/LINE_ITEM_ID nor PRODUCT_ID/SUPPLIER_PID")
        if line_number is not None:
            line["line_number"] = line_number
        if sku is not None:
            line["sku"] = sku
        items.append(line)
    return items, orders


def _one_order(header_order: str | None, orders: set[str], root_tag: str) -> str:
    if header_order is not None:
        orders = orders | {header_order}
    if not orders:
        raise ParseError(f"{root_tag}: no ORDER_ID names the order")
    if len(orders) > 1:
        raise ParseError(f"{root_tag}: items of more than one order ({', '.join(sorted(orders))})")
    return next(iter(orders))


def _dispatch(root: Any) -> dict[str, Any]:
    info = root.find(f"{NS}DISPATCHNOTIFICATION_HEADER/{NS}DISPATCHNOTIFICATION_INFO")
    if info is None:
        raise ParseError("DISPATCHNOTIFICATION: no DISPATCHNOTIFICATION_HEADER/DISPATCHNOTIFICATION_INFO")
    external_id = _text(info, f"{NS}DISPATCHNOTIFICATION_ID")
    if external_id is None:
        raise ParseError("DISPATCHNOTIFICATION: no DISPATCHNOTIFICATION_ID")
    items, orders = _items(root, "DISPATCHNOTIFICATION_ITEM")
    body: dict[str, Any] = {
        "type": "shipment",
        "external_id": external_id,
        "order": _one_order(None, orders, "DISPATCHNOTIFICATION"),
        "items": items,
    }
    track = _text(info, f"{NS}SHIPMENT_ID")
    if track is not None:
        carrier = None
        for party in info.iter(f"{NS}PARTY"):
            if _text(party, f"{NS}PARTY_ROLE") == "deliverer":
                address = party.find(f"{NS}ADDRESS")
                if address is not None:
                    carrier = _text(address, f"{BME}NAME") or _text(address, f"{NS}CONTACT_DETAILS/{BME}CONTACT_NAME")
        body["tracks"] = [{"track_number": track, "carrier_code": "custom", "title": carrier}]
    return body


def _invoice(root: Any) -> dict[str, Any]:
    header = root.find(f"{NS}INVOICE_HEADER")
    info = header.find(f"{NS}INVOICE_INFO") if header is not None else None
    if header is None or info is None:
        raise ParseError("INVOICE: no INVOICE_HEADER/INVOICE_INFO")
    external_id = _text(info, f"{NS}INVOICE_ID")
    if external_id is None:
        raise ParseError("INVOICE: no INVOICE_ID")
    items, orders = _items(root, "INVOICE_ITEM")
    order = _one_order(_text(header, f"{NS}ORDER_HISTORY/{NS}ORDER_ID"), orders, "INVOICE")
    return {"type": "invoice", "external_id": external_id, "order": order, "items": items}


def parse_opentrans(data: bytes) -> ErpDocument:
    """An openTRANS 2.1 DISPATCHNOTIFICATION or INVOICE; ``ParseError`` naming the element at fault."""
    if len(data) > MAX_BYTES:
        raise ParseError(f"larger than {MAX_BYTES} bytes")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not well-formed XML: {exc}") from None
    readers = {f"{NS}DISPATCHNOTIFICATION": _dispatch, f"{NS}INVOICE": _invoice}
    reader = readers.get(root.tag)
    if reader is None:
        raise ParseError(f"not an openTRANS 2.1 DISPATCHNOTIFICATION or INVOICE (root element {root.tag})")
    return parse_json(reader(root))
