"""The order export: rules, the initializer, the export pipeline's phases, formats, channels, responses, notifications.

Other packages import this surface only; formats and channels plug in by entry point (``conveyor.order_formats``,
``conveyor.order_channels``), the steps by the pipelines' executor and condition groups.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.lazy import lazy_exports

if TYPE_CHECKING:
    from conveyor.orders.channels import ChannelError, Document, Sent
    from conveyor.orders.definitions import export_definition
    from conveyor.orders.export import Exporter, ExportError
    from conveyor.orders.formats import TemplateError, TemplateFormat
    from conveyor.orders.initializer import (
        Pass,
        Scheduled,
        create_export_pipelines,
        export_order,
        initialize_exports,
        select_exports,
    )
    from conveyor.orders.responses import Outcome, process_responses
    from conveyor.orders.rules import ExportRules, RulesError, Target, load_rules, parse_rules
    from conveyor.orders.schema import ExportStatus, export_table
    from conveyor.orders.state import counts, export_row, listing, of_order, of_orders, sent_since
    from conveyor.orders.steps import current_rules

_EXPORTS = {
    "ChannelError": "conveyor.orders.channels",
    "Document": "conveyor.orders.channels",
    "ExportError": "conveyor.orders.export",
    "ExportRules": "conveyor.orders.rules",
    "ExportStatus": "conveyor.orders.schema",
    "Exporter": "conveyor.orders.export",
    "Outcome": "conveyor.orders.responses",
    "Pass": "conveyor.orders.initializer",
    "RulesError": "conveyor.orders.rules",
    "Scheduled": "conveyor.orders.initializer",
    "Sent": "conveyor.orders.channels",
    "Target": "conveyor.orders.rules",
    "TemplateError": "conveyor.orders.formats",
    "TemplateFormat": "conveyor.orders.formats",
    "counts": "conveyor.orders.state",
    "export_row": "conveyor.orders.state",
    "create_export_pipelines": "conveyor.orders.initializer",
    "current_rules": "conveyor.orders.steps",
    "export_definition": "conveyor.orders.definitions",
    "export_order": "conveyor.orders.initializer",
    "export_table": "conveyor.orders.schema",
    "initialize_exports": "conveyor.orders.initializer",
    "listing": "conveyor.orders.state",
    "load_rules": "conveyor.orders.rules",
    "of_order": "conveyor.orders.state",
    "sent_since": "conveyor.orders.state",
    "of_orders": "conveyor.orders.state",
    "parse_rules": "conveyor.orders.rules",
    "process_responses": "conveyor.orders.responses",
    "select_exports": "conveyor.orders.initializer",
}

__all__ = [
    "ChannelError",
    "Document",
    "ExportError",
    "ExportRules",
    "ExportStatus",
    "Exporter",
    "Outcome",
    "Pass",
    "RulesError",
    "Scheduled",
    "Sent",
    "Target",
    "TemplateError",
    "TemplateFormat",
    "counts",
    "create_export_pipelines",
    "current_rules",
    "export_definition",
    "export_order",
    "export_row",
    "export_table",
    "initialize_exports",
    "listing",
    "load_rules",
    "of_order",
    "of_orders",
    "parse_rules",
    "process_responses",
    "select_exports",
    "sent_since",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
