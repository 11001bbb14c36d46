"""Fuzz targets for the parsers that read outside input, and the hypothesis strategies that feed them.

Each target takes one generated input and either parses it or rejects it with our named error type; anything else
(an ``IndexError``, a ``KeyError`` from deep inside, a rejection that names nothing) is a crash and propagates
(as ``UnnamedRejectionError`` or the original exception). The unit tests run a few examples of each
(``tests/unit/test_fuzz_parsers.py``); ``bench/fuzz.py`` runs them for as long as it is asked to.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st
from pydantic import ValidationError

from conveyor.api.errors import ApiError, describe_validation, first_error
from conveyor.api.search import CONDITIONS
from conveyor.api.search import parse as parse_search
from conveyor.importer.readers import CsvFile, CsvFileError, CsvFormat
from conveyor.importer.report import RowError
from conveyor.mq.config import load_topology
from conveyor.mq.topology import TopologyError
from conveyor.sync.models import ChangeSet


class UnnamedRejectionError(AssertionError):
    """A rejection that does not name what it rejects."""


_FOLDER = Path(tempfile.mkdtemp(prefix="conveyor-fuzz-"))
atexit.register(shutil.rmtree, _FOLDER, True)  # the files each case wrote

# -- the CSV reader ------------------------------------------------------------------------------------------

_CSV_PIECES = [",", '"', '""', "\n", "\r\n", "\r", " ", "sku", "name", "price", "é", "\x00", ";", "\t", "a", "1"]
_CSV_BYTES = [b"\xef\xbb\xbf", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xe9", b"\x80"]


@st.composite
def csv_documents(draw: st.DrawFn) -> tuple[bytes, CsvFormat]:
    """A CSV file: a plausible header and rows made of the characters CSV is fragile about, with stray bytes."""
    cell = st.one_of(st.text(max_size=8), st.lists(st.sampled_from(_CSV_PIECES), max_size=6).map("".join))
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=5), max_size=6))
    header = draw(st.sampled_from(["sku,name,price", "sku", "", "sku,sku", '"sku,name', "sku,,price"]))
    text = header + "\n" + "\n".join(",".join(row) for row in rows)
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from(_CSV_BYTES)) + data[at:]
    csv_format = draw(
        st.sampled_from([CsvFormat(), CsvFormat(delimiter=";"), CsvFormat(encoding="latin-1"), CsvFormat("\t", "'")])
    )
    return data, csv_format


def _row_error(error: RowError) -> None:
    if not error.file or error.line < 0 or not error.message:
        raise UnnamedRejectionError(f"a rejection that names no file, line or reason: {error!r}")


def read_csv(document: tuple[bytes, CsvFormat]) -> None:
    data, csv_format = document
    with tempfile.NamedTemporaryFile(dir=_FOLDER, suffix=".csv") as handle:
        handle.write(data)
        handle.flush()
        try:
            reader = CsvFile(Path(handle.name), csv_format, name="fuzz.csv")
        except CsvFileError as exc:
            _row_error(exc.error)
            return
        records = list(reader.records())
        for parsed in reader.parse(records):
            if isinstance(parsed, RowError):
                _row_error(parsed)
        for record in records:
            reader.leading_fields(record.data, 2)


# -- topology YAML and Magento queue XML -------------------------------------------------------------------

_NAMES = st.sampled_from(["a", "b", "db", "amqp", "q.1", "t.*", "#", "", " ", "x" * 300, "é", "a\x00"])
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), _NAMES, st.text(max_size=6))
_KEYS = st.sampled_from(
    [
        "name",
        "topic",
        "queue",
        "connection",
        "exchange",
        "handler",
        "bindings",
        "destination",
        "id",
        "type",
        "arguments",
        "connections",
        "max_messages",
        "disabled",
        "durable",
        "schema",
        "request",
        "response",
        "is_synchronous",
        "unknown",
    ]
)
_VALUES = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4), max_leaves=12
)


@st.composite
def topology_yaml(draw: st.DrawFn) -> str:
    """A YAML topology: known sections holding lists of elements with known and unknown keys, or plain junk."""
    sections = st.sampled_from(["topics", "exchanges", "queues", "publishers", "consumers", "default_connection", "x"])
    element = st.dictionaries(_KEYS, _VALUES, max_size=6)
    document = draw(st.dictionaries(sections, st.one_of(st.lists(element, max_size=3), _SCALARS), max_size=5))
    text = yaml.safe_dump(document, allow_unicode=True)
    if draw(st.booleans()):
        at = draw(st.integers(0, len(text)))
        text = (
            text[:at] + draw(st.sampled_from(["{", "]", ": ", "- ", "&a", "*a", "!!python/object:x", "\t"])) + text[at:]
        )
    return text


def load_yaml_topology(text: str) -> None:
    path = _FOLDER / "fuzz-topology.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_topology([path])
    except TopologyError as exc:
        _topology_error(exc)


def _topology_error(exc: TopologyError) -> None:
    for problem in exc.problems:
        if not problem.reason or (problem.origin is None and problem.attribute is None):
            raise UnnamedRejectionError(f"a topology rejection that names no file or element: {problem}")


_XML_FILES = ("communication.xml", "queue_topology.xml", "queue_publisher.xml", "queue_consumer.xml", "queue.xml")
_XML_TAGS = st.sampled_from(
    ["topic", "handler", "exchange", "binding", "publisher", "connection", "consumer", "broker", "queue", "bind"]
)
_XML_ATTRIBUTES = st.sampled_from(
    [
        "name",
        "topic",
        "queue",
        "handler",
        "connection",
        "exchange",
        "destination",
        "destinationType",
        "id",
        "type",
        "consumerInstance",
        "maxMessages",
        "disabled",
        "isSynchronous",
        "request",
        "response",
        "schema",
        "method",
        "instance",
        "durable",
    ]
)
_XML_VALUES = st.sampled_from(["a", "db", "amqp", "true", "false", "1", "-5", "99999999999999999999", "", "x::y", "é"])


def _xml_element(draw: st.DrawFn, depth: int) -> str:
    tag = draw(_XML_TAGS)
    attributes = draw(st.dictionaries(_XML_ATTRIBUTES, _XML_VALUES, max_size=4))
    text = " ".join(f'{k}="{v}"' for k, v in attributes.items())
    children = [] if depth > 2 else [_xml_element(draw, depth + 1) for _ in range(draw(st.integers(0, 2)))]
    return f"<{tag} {text}>{''.join(children)}</{tag}>"


@st.composite
def magento_module(draw: st.DrawFn) -> dict[str, str]:
    """A module's ``etc`` files: Magento's queue elements nested in any order, with their attributes, or junk."""
    files = draw(st.lists(st.sampled_from(_XML_FILES), min_size=1, max_size=3, unique=True))
    module: dict[str, str] = {}
    for name in files:
        body = "".join(_xml_element(draw, 0) for _ in range(draw(st.integers(0, 3))))
        root = draw(st.sampled_from(["config", "config", "config", "other"]))
        text = f'<?xml version="1.0"?><{root}>{body}</{root}>'
        if draw(st.integers(0, 5)) == 0:
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(st.sampled_from(["<", "&", "<!DOCTYPE x>", '"', "\x00"])) + text[at:]
        module[name] = text
    return module


def load_magento_module(module: dict[str, str]) -> None:
    folder = Path(tempfile.mkdtemp(dir=_FOLDER)) / "Vendor_Module"
    (folder / "etc").mkdir(parents=True)
    for name, text in module.items():
        (folder / "etc" / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_topology([folder], log_warnings=False)
    except TopologyError as exc:
        _topology_error(exc)


# -- searchCriteria ------------------------------------------------------------------------------------------

_SEARCH_PARTS = st.sampled_from(
    [
        "filter_groups",
        "filterGroups",
        "filters",
        "field",
        "value",
        "condition_type",
        "conditionType",
        "sort_orders",
        "sortOrders",
        "direction",
        "pageSize",
        "page_size",
        "currentPage",
        "current_page",
        "0",
        "1",
        "999",
        "1000",
        "-1",
        "01",
        "99999999999",
        "",
        "x",
        "٣",
    ]
)
_SEARCH_VALUES = st.one_of(
    st.sampled_from(["eq", "like", "in", "finset", "regexp", "ASC", "desc", "0", "-1", "2147483648", "", "%", "\x00"]),
    st.text(max_size=12),
    st.integers(-(2**65), 2**65).map(str),
)


@st.composite
def well_formed_searches(draw: st.DrawFn) -> list[tuple[str, str]]:
    """Pairs Magento's grammar allows: filter groups of filters, sort orders, a page (values still anything)."""
    pairs = []
    for g in range(draw(st.integers(0, 2))):
        group = draw(st.sampled_from(["filter_groups", "filterGroups"]))
        for f in range(draw(st.integers(1, 2))):
            prefix = f"searchCriteria[{group}][{g}][filters][{f}]"
            pairs.append((f"{prefix}[field]", draw(st.sampled_from(["sku", "name", "id", "created_at"]))))
            condition = draw(st.sampled_from([*CONDITIONS, None]))
            if condition is not None:
                pairs.append((f"{prefix}[{draw(st.sampled_from(['condition_type', 'conditionType']))}]", condition))
            pairs.append((f"{prefix}[value]", draw(_SEARCH_VALUES)))
    for s in range(draw(st.integers(0, 2))):
        pairs.append((f"searchCriteria[sortOrders][{s}][field]", draw(st.sampled_from(["sku", "id"]))))
        pairs.append((f"searchCriteria[sortOrders][{s}][direction]", draw(st.sampled_from(["ASC", "DESC", "asc"]))))
    for key in ("pageSize", "currentPage"):
        if draw(st.booleans()):
            pairs.append((f"searchCriteria[{key}]", str(draw(st.integers(0, 10_000)))))
    return pairs


@st.composite
def malformed_searches(draw: st.DrawFn) -> list[tuple[str, str]]:
    """A query string's pairs: ``searchCriteria`` keys assembled from Magento's parts in any order (and junk)."""
    pairs = []
    for _ in range(draw(st.integers(0, 8))):
        parts = draw(st.lists(_SEARCH_PARTS, max_size=6))
        root = draw(st.sampled_from(["searchCriteria", "searchCriteria", "searchcriteria", "fields"]))
        key = root + "".join(f"[{p}]" for p in parts)
        if draw(st.integers(0, 9)) == 0:
            key += draw(st.sampled_from(["[", "]", "[[x]]", "x"]))
        pairs.append((key, draw(_SEARCH_VALUES)))
    return pairs


def search_queries() -> st.SearchStrategy[list[tuple[str, str]]]:
    return st.one_of(well_formed_searches(), malformed_searches())


def parse_search_criteria(pairs: list[tuple[str, str]]) -> None:
    try:
        criteria = parse_search(pairs)
    except ApiError as exc:
        _api_error(exc)
        return
    criteria.echo()
    criteria.to_query()


def _api_error(exc: ApiError) -> None:
    if exc.status != 400 or not exc.parameters or not exc.message:
        raise UnnamedRejectionError(f"a rejection that names no parameter: {exc.status} {exc}")


# -- the EDS change set ------------------------------------------------------------------------------------

_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**64), 2**64), st.floats(allow_nan=False), st.text(max_size=8)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)


@st.composite
def change_sets(draw: st.DrawFn) -> bytes:
    """A change set's body: its four fields with values of any JSON type (or plausible ones), or not JSON."""
    fields: dict[str, Any] = {}
    candidates: dict[str, st.SearchStrategy[Any]] = {
        "id": st.one_of(st.text(max_size=10), st.just("x" * 300), st.just("a\x00b"), _JSON),
        "entity_type": st.one_of(st.sampled_from(["customer", "product", "price_group", "fulfillment", "x"]), _JSON),
        "entity_ids": st.one_of(st.lists(st.text(max_size=6), max_size=4), _JSON),
        "created_at": st.one_of(
            st.sampled_from(["2026-12-07T01:00:00Z", "2026-13-40T99:00:00", "", "0", "9" * 40]), _JSON
        ),
    }
    for name, strategy in candidates.items():
        if draw(st.integers(0, 6)):
            fields[name] = draw(strategy)
    body = json.dumps(fields).encode()  # not orjson: integers past 64 bits must reach the parser
    if draw(st.integers(0, 6)) == 0:
        at = draw(st.integers(0, len(body)))
        body = body[:at] + draw(st.sampled_from([b"{", b"\xff", b'"', b"]", b"\x00"])) + body[at:]
    return body


def parse_change_set(body: bytes) -> None:
    """What the EDS route does with a signed body before storing it: a ChangeSet or Magento's 400."""
    try:
        ChangeSet.model_validate_json(body)
    except ValidationError as exc:
        errors = describe_validation(list(exc.errors()), skip=0)
        if errors:
            _api_error(first_error(errors))


@dataclass(frozen=True)
class Target:
    name: str
    strategy: st.SearchStrategy[Any]
    run: Callable[[Any], None]


TARGETS = (
    Target("csv", csv_documents(), read_csv),
    Target("topology-yaml", topology_yaml(), load_yaml_topology),
    Target("magento-xml", magento_module(), load_magento_module),
    Target("search-criteria", search_queries(), parse_search_criteria),
    Target("eds-change-set", change_sets(), parse_change_set),
)
