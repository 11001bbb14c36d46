"""Order formats: Jinja2 templates rendered in a sandbox, one plug-in per format (``conveyor.order_formats``).

A format is an object with ``name``, ``extension``, ``media_type`` and ``render(context, order=…, template=…)``.
The shipped ones (JSON, CSV, openTRANS 2.1 ORDER) are templates under ``templates/``; a target may name a
template file of its own for any format. Templates get the order as Magento's REST API shows it (``order``),
its ``lines`` (``line_number`` set when the order's items are numbered), the ``target`` and the ``website``.

A template that does not parse or fails while rendering raises ``TemplateError`` naming the template, its line
and the order, so the step's error says where to look.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import orjson
from jinja2.sandbox import SandboxedEnvironment

TEMPLATES = Path(__file__).parent / "templates"


class TemplateError(ValueError):
    """A template that cannot render an order: which template, which line, which order."""

    def __init__(self, template: str, line: int | None, order: str, message: str) -> None:
        self.template, self.line, self.order, self.message = template, line, order, message
        where = f"template {template!r}" + (f", line {line}" if line is not None else "")
        super().__init__(f"{where}, order {order}: {message}")


def _json(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def _csv(value: Any) -> str:
    """One CSV field, quoted when it must be."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(["" if value is None else value])
    return buffer.getvalue()


@lru_cache(maxsize=64)
def environment(directory: Path, autoescape: bool) -> SandboxedEnvironment:
    """One sandbox per template directory: templates there, then the shipped ones (to extend or include)."""
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader([str(directory), str(TEMPLATES)]),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["json"] = _json
    env.filters["csv"] = _csv
    return env


def _template_line(template_file: str | None) -> int | None:
    """The template's line in the traceback being handled (Jinja rewrites frames to template lines)."""
    tb = sys.exc_info()[2]
    line = None
    while tb is not None:
        if template_file is not None and tb.tb_frame.f_code.co_filename == template_file:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render_template(path: Path, context: Mapping[str, Any], *, order: str, autoescape: bool = False) -> str:
    """``path`` rendered with ``context`` in the sandbox; TemplateError naming template, line and order."""
    env = environment(path.parent.absolute(), autoescape)
    try:
        template = env.get_template(path.name)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(str(path), exc.lineno, order, exc.message or str(exc)) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(str(path), None, order, f"template not found: {exc}") from None
    try:
        return template.render(context)
    except Exception as exc:
        line = _template_line(template.filename)
        raise TemplateError(str(path), line, order, f"{type(exc).__name__}: {exc}") from None


@dataclass(frozen=True)
class TemplateFormat:
    """A text format made by one Jinja2 template."""

    name: str
    template: str  # a file under templates/
    extension: str
    media_type: str
    autoescape: bool = False  # XML: values are escaped

    def render(self, context: Mapping[str, Any], *, order: str, template: Path | None = None) -> str:
        return render_template(template or TEMPLATES / self.template, context, order=order, autoescape=self.autoescape)


def json_format() -> TemplateFormat:
    return TemplateFormat("json", "order.json.j2", "json", "application/json")


def csv_format() -> TemplateFormat:
    return TemplateFormat("csv", "order.csv.j2", "csv", "text/csv")


def opentrans_format() -> TemplateFormat:
    return TemplateFormat("opentrans", "opentrans_order.xml.j2", "xml", "application/xml", autoescape=True)
