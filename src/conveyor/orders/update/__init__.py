"""Order update, ERP → shop: shipments (with tracks), invoices, cancellations and credit memos the ERP sends back,
applied to their orders through the sales domain, once each.

Sources: a watched directory with OK-files (``conveyor orders update watch DIR``), one file
(``conveyor orders update apply FILE``), and ``POST /rest/V1/conveyor/orders/documents`` (ACL
``Magento_Sales::sales``). Each checks the document against its order (a dry run of the sales domain in a
savepoint), puts it in the ledger (``order_document``, unique by type and external id) with its pipeline
``orders.update``, whose step ``order_document`` applies it. Fulfilment sync is a fourth source
(``fulfillments``): a source's fulfilment is a shipment document, applied at once in the sync command's
transaction (``apply_now``), into the same ledger. A document whose type and external id the ledger
holds changes nothing, however often it is sent.

The JSON document (``documents.ErpDocument``; unknown fields are refused)::

    {
      "type": "shipment",              # shipment | invoice | cancellation | creditmemo
      "external_id": "LA86",           # the ERP's id of the document: the idempotency key (with the type)
      "order": "000000042",            # our increment id, or the ERP order id stored from the export's answer
      "items": [                       # none: everything left (a cancellation takes none: it cancels the rest)
        {"line_number": "0010", "qty": 2},         # the order's line number (extension_attributes.line_number)
        {"sku": "SOCKS", "qty": 1,                 # or the sku of the ordered line
         "return_to_stock": true}                  # credit memos: back to stock (sources / reservation)
      ],
      "tracks": [{"track_number": "1Z…", "carrier_code": "ups", "title": "UPS"}],   # shipments only
      "comment": "…", "notify": false,
      "capture": false,                                                             # invoices
      "shipping_amount": 4.95, "adjustment_positive": 0, "adjustment_negative": 0   # credit memos
    }

openTRANS 2.1: DISPATCHNOTIFICATION → shipment, INVOICE → invoice (mapping in ``opentrans``).

A refusal (unknown order, an item not in the order, more than is left, a state that refuses the document) names
the document, the order and the item, with the sales domain's Magento message; a file is moved to the error
directory with ``<file>.report.txt`` beside it, a REST request answers 400.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.lazy import lazy_exports

if TYPE_CHECKING:
    from conveyor.orders.update.apply import Applied, DocumentError, apply_document, find_order
    from conveyor.orders.update.documents import ErpDocument, ParseError, parse_json
    from conveyor.orders.update.files import Directories, FileResult, process_directory, submit_file, watch
    from conveyor.orders.update.fulfillments import apply_fulfillments, as_document
    from conveyor.orders.update.ledger import PIPELINE, Received, apply_now, apply_received, check, definition, submit
    from conveyor.orders.update.opentrans import parse_opentrans, read_document
    from conveyor.orders.update.schema import DocumentStatus, document_table

_EXPORTS = {
    "PIPELINE": "conveyor.orders.update.ledger",
    "Applied": "conveyor.orders.update.apply",
    "Directories": "conveyor.orders.update.files",
    "DocumentError": "conveyor.orders.update.apply",
    "DocumentStatus": "conveyor.orders.update.schema",
    "ErpDocument": "conveyor.orders.update.documents",
    "FileResult": "conveyor.orders.update.files",
    "ParseError": "conveyor.orders.update.documents",
    "Received": "conveyor.orders.update.ledger",
    "apply_document": "conveyor.orders.update.apply",
    "apply_fulfillments": "conveyor.orders.update.fulfillments",
    "apply_now": "conveyor.orders.update.ledger",
    "as_document": "conveyor.orders.update.fulfillments",
    "apply_received": "conveyor.orders.update.ledger",
    "check": "conveyor.orders.update.ledger",
    "definition": "conveyor.orders.update.ledger",
    "document_table": "conveyor.orders.update.schema",
    "find_order": "conveyor.orders.update.apply",
    "parse_json": "conveyor.orders.update.documents",
    "parse_opentrans": "conveyor.orders.update.opentrans",
    "process_directory": "conveyor.orders.update.files",
    "read_document": "conveyor.orders.update.opentrans",
    "submit": "conveyor.orders.update.ledger",
    "submit_file": "conveyor.orders.update.files",
    "watch": "conveyor.orders.update.files",
}

__all__ = [
    "PIPELINE",
    "Applied",
    "Directories",
    "DocumentError",
    "DocumentStatus",
    "ErpDocument",
    "FileResult",
    "ParseError",
    "Received",
    "apply_document",
    "apply_fulfillments",
    "apply_now",
    "apply_received",
    "as_document",
    "check",
    "definition",
    "document_table",
    "find_order",
    "parse_json",
    "parse_opentrans",
    "process_directory",
    "read_document",
    "submit",
    "submit_file",
    "watch",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
