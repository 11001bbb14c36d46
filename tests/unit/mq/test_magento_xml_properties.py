"""Property: any combination of Magento queue XML elements and attributes, valid or not, loads into a topology or is
refused with a TopologyError naming the file and element (and attribute) of every problem; never another exception."""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conveyor.mq.config import load_topology
from conveyor.mq.topology import Topology, TopologyError

SPAWN = "onlySpawnWhenMessageAvailable"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
# per element: the attributes Magento's schema allows (plus one it doesn't), and the child elements
ELEMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "topic": (("name", "request", "response", "schema", "bogus"), ("handler",)),
    "handler": (("name", "type", "method", "disabled"), ()),
    "exchange": (("name", "connection", "type", "durable", "autoDelete", "internal"), ("binding", "arguments")),
    "binding": (("id", "topic", "destination", "destinationType", "disabled"), ("arguments",)),
    "arguments": ((), ("argument",)),
    "argument": (("name", XSI_TYPE), ("item",)),
    "item": (("name", XSI_TYPE), ("item",)),
    "publisher": (("topic", "disabled"), ("connection",)),
    "connection": (("name", "exchange", "disabled"), ()),
    "consumer": (("name", "queue", "handler", "connection", "maxMessages", "maxIdleTime", "sleep", SPAWN), ()),
    "broker": (("topic", "type", "exchange"), ("queue",)),
    "queue": (("name", "consumer", "handler", "consumerInstance", "maxMessages"), ()),
}
FILES = {
    "communication.xml": "topic",
    "queue_topology.xml": "exchange",
    "queue_publisher.xml": "publisher",
    "queue_consumer.xml": "consumer",
    "queue.xml": "broker",
}
WORDS = "a q c t.a t.* # a..b db amqp nope magento 1 -1 0.5 abc true yes string number array null queue fanout topic"
VALUES = st.sampled_from(["", *WORDS.split(), "shop.handlers:run", "V\\C::m"]) | st.text(
    st.characters(exclude_categories=["Cs"]), max_size=4
)


@st.composite
def elements(draw: st.DrawFn, tag: str, depth: int = 0) -> ET.Element:
    """An element: its known attributes in any subset with any values, its children to depth 3, sometimes an
    element that does not belong there."""
    names, children = ELEMENTS[tag]
    element = ET.Element(draw(st.sampled_from([tag] * 9 + ["unknown"])))
    for name in draw(st.lists(st.sampled_from(names), unique=True)) if names else []:
        element.set(name, draw(VALUES))
    if tag in ("argument", "item"):
        element.text = draw(VALUES)
    if children and depth < 3:
        for _ in range(draw(st.integers(0, 2))):
            element.append(draw(elements(draw(st.sampled_from(children)), depth + 1)))
    return element


@st.composite
def modules(draw: st.DrawFn) -> dict[str, bytes]:
    files = {}
    for name in draw(st.lists(st.sampled_from(sorted(FILES)), unique=True, max_size=5)):
        root = ET.Element("config")
        root.extend(draw(st.lists(elements(FILES[name]), max_size=3)))
        files[name] = ET.tostring(root)
    return files


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(modules(), modules())
def test_any_module_xml_loads_or_is_refused_by_name(first: dict[str, bytes], second: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folders = []
        for index, files in enumerate((first, second)):
            folder = Path(tmp) / f"Module{index}" / "etc"
            folder.mkdir(parents=True)
            for name, body in files.items():
                (folder / name).write_bytes(body)
            folders.append(folder.parent)
        try:
            loaded = load_topology(folders)
        except TopologyError as error:
            event(f"refused: {error.problems[0].reason.split(' ')[0]}")
            for problem in error.problems:
                assert problem.origin is not None, problem
                assert problem.origin.file.startswith(tmp), problem
                assert problem.origin.element, problem
                text = str(problem)
                assert problem.origin.file in text and problem.origin.element in text
                if problem.attribute:
                    assert f"attribute '{problem.attribute}'" in text
        else:
            event("loaded")
            assert isinstance(loaded, Topology)
            assert len(loaded.warnings) == sum(1 for files in (first, second) if not files)
