"""Asynchronous answers: response files in a target's response directory, matched to their exports.

A response is JSON (``{"increment_id": "000000042", "erp_order_id": "ERP-7"}``; ``order_id`` is read for
``increment_id`` too) or an openTRANS 2.1 ORDERRESPONSE (``ORDER_ID`` is our increment id, ``SUPPLIER_ORDER_ID``
the ERP's). A matched file stores the ERP order id on the export (which lets its waiting response step run) and
is moved to the archive directory. A file that does not parse, lacks an id or names no export of the target goes
to the error directory with ``<file>.report.txt`` beside it. Nothing is ever deleted.

Only ``*.json`` and ``*.xml`` are read, and dot-files are skipped, so an ERP writing under a temporary name and
renaming when done is never read half-written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import orjson
from sqlalchemy.engine import Engine

from conveyor.orders import state
from conveyor.orders.filing import move_aside, move_into
from conveyor.orders.rules import ExportRules, Target

OPENTRANS = "{http://www.opentrans.org/XMLSchema/2.1}"
SUFFIXES = (".json", ".xml")


class ResponseError(ValueError):
    """Why a response file cannot be used."""


@dataclass(frozen=True)
class Answer:
    increment_id: str
    erp_order_id: str


@dataclass
class Outcome:
    """What one scan of the response directories did."""

    matched: list[tuple[str, str, str]] = field(default_factory=list)  # (file, increment id, ERP order id)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


def parse_response(path: Path) -> Answer:
    """The answer a response file carries; ResponseError saying what is wrong."""
    data = path.read_bytes()
    if path.suffix == ".json":
        try:
            body = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise ResponseError(f"not valid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise ResponseError("a JSON response must be an object")
        increment_id = body.get("increment_id", body.get("order_id"))
        erp_order_id = body.get("erp_order_id")
    else:
        try:
            root = ElementTree.fromstring(data)
        except ElementTree.ParseError as exc:
            raise ResponseError(f"not well-formed XML: {exc}") from None
        if root.tag != f"{OPENTRANS}ORDERRESPONSE":
            raise ResponseError(f"not an openTRANS 2.1 ORDERRESPONSE (root element {root.tag})")
        info = root.find(f"{OPENTRANS}ORDERRESPONSE_HEADER/{OPENTRANS}ORDERRESPONSE_INFO")
        increment_id = info.findtext(f"{OPENTRANS}ORDER_ID") if info is not None else None
        erp_order_id = info.findtext(f"{OPENTRANS}SUPPLIER_ORDER_ID") if info is not None else None
    if not isinstance(increment_id, str | int) or not str(increment_id).strip():
        raise ResponseError("no order id (increment_id / ORDER_ID)")
    if not isinstance(erp_order_id, str | int) or not str(erp_order_id).strip():
        raise ResponseError("no ERP order id (erp_order_id / SUPPLIER_ORDER_ID)")
    return Answer(str(increment_id).strip(), str(erp_order_id).strip())


def refuse(path: Path, target: Target, reason: str, now: float) -> Path:
    """Into the error directory, with a report saying why."""
    return move_aside(path, target.response.error_dir, reason, now, target=target.name)


def process_responses(engine: Engine, rules: ExportRules, *, clock: Callable[[], float] = time.time) -> Outcome:
    """Read every response directory once."""
    outcome = Outcome()
    for _, target in rules.targets().values():
        if target.response.type != "file" or target.response.directory is None:
            continue
        directory = target.response.directory
        if not directory.is_dir():
            continue
        for path in sorted(
            p for p in directory.iterdir() if p.is_file() and p.suffix in SUFFIXES and not p.name.startswith(".")
        ):
            try:
                answer = parse_response(path)
            except (ResponseError, OSError) as exc:
                refuse(path, target, str(exc), clock())
                outcome.refused.append((path.name, str(exc)))
                continue
            with engine.begin() as conn:
                row = state.find(conn, answer.increment_id, target.name)
                if row is not None:
                    state.accept(conn, row.id, answer.erp_order_id, clock())
            if row is None:
                reason = f"unknown order {answer.increment_id} for target {target.name}"
                refuse(path, target, reason, clock())
                outcome.refused.append((path.name, reason))
                continue
            move_into(path, target.response.archive_dir)
            outcome.matched.append((path.name, answer.increment_id, answer.erp_order_id))
    return outcome
