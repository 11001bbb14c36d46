"""Topic matching: against an independent oracle, on generated positives, on Magento's documented examples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from conveyor.mq.config import load_topology
from conveyor.mq.routing import pattern_error, topic_error, topic_matches
from conveyor.mq.topology import Topology

MAGENTO_MODULES = Path(__file__).parent / "magento"

# few distinct words, so literal words of patterns and topics often coincide
WORDS = st.sampled_from(["a", "b", "order", "x-1"])
PATTERN_WORDS = st.one_of(WORDS, st.sampled_from(["*", "#"]))
TOPICS = st.lists(WORDS, min_size=1, max_size=6).map(".".join)
PATTERNS = st.lists(PATTERN_WORDS, min_size=1, max_size=6).map(".".join)


def oracle(pattern: str, topic: str) -> bool:
    """AMQP semantics as a regex over the topic with a dot before every word: then each pattern word
    brings its own dot, and ``#`` (zero or more words) needs no special case for the dots around it."""
    pieces = {"*": r"\.[^.]+", "#": r"(?:\.[^.]+)*"}
    regex = "".join(pieces.get(word, re.escape("." + word)) for word in pattern.split("."))
    return re.fullmatch(regex, "." + topic) is not None


@given(PATTERNS, TOPICS)
def test_topic_matches_agrees_with_the_regex_oracle(pattern: str, topic: str) -> None:
    assert topic_matches(pattern, topic) == oracle(pattern, topic)


@given(st.lists(PATTERN_WORDS, min_size=1, max_size=6), st.data())
def test_a_topic_built_from_a_pattern_always_matches_it(parts: list[str], data: st.DataObject) -> None:
    words: list[str] = []
    for part in parts:
        if part == "*":
            words.append(data.draw(WORDS))
        elif part == "#":
            words.extend(data.draw(st.lists(WORDS, max_size=3)))
        else:
            words.append(part)
    assume(words)
    pattern, topic = ".".join(parts), ".".join(words)
    assert pattern_error(pattern) is None
    assert topic_error(topic) is None
    assert topic_matches(pattern, topic)


@given(TOPICS)
def test_hash_matches_every_topic_and_a_topic_matches_itself(topic: str) -> None:
    assert topic_matches("#", topic)
    assert topic_matches(topic, topic)
    assert topic_matches("*", topic) == ("." not in topic)


@pytest.mark.parametrize(
    ("pattern", "matching", "not_matching"),
    [  # the examples of Magento's queue_topology.xml documentation
        (
            "*.*.*",
            ["mytopic.createOrder.success"],
            ["mytopic.createOrder", "mytopic.createOrder.success.true"],
        ),
        ("#", ["mytopic", "this.is.a.long.topic.name"], []),
        ("mytopic.#", ["mytopic.success", "mytopic.createOrder.error", "mytopic"], ["new.mytopic.success"]),
        ("*.Order.#", ["mytopic.Order", "newtopic.Order.delete.success"], ["mytopic.Sales.Order.Create"]),
    ],
)
def test_documented_patterns(pattern: str, matching: list[str], not_matching: list[str]) -> None:
    assert all(topic_matches(pattern, topic) for topic in matching)
    assert not any(topic_matches(pattern, topic) for topic in not_matching)


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("", "empty"),
        ("a..b", "empty word"),
        (".a", "empty word"),
        ("a.", "empty word"),
        ("foo*", "mixes wildcards"),
        ("a.#b", "mixes wildcards"),
        ("a b", "spaces"),
    ],
)
def test_pattern_error_explains_malformed_patterns(pattern: str, reason: str) -> None:
    error = pattern_error(pattern)
    assert error is not None
    assert reason in error


@pytest.mark.parametrize("pattern", ["#", "*", "a.*.#", "async.operations.all", "x-1.*"])
def test_pattern_error_accepts_well_formed_patterns(pattern: str) -> None:
    assert pattern_error(pattern) is None


def test_topic_error_refuses_wildcards() -> None:
    assert "wildcard" in (topic_error("orders.*") or "")
    assert topic_error("orders.created") is None


# --- Magento's wildcard example, from YAML and from Magento XML -------------------------------------------
WILDCARD_YAML = """
default_connection: amqp
exchanges:
  - name: magento
    bindings:
      - {id: wildcard.one, topic: "#.wildcard", destination: one}
      - {id: wildcard.two, topic: "*.*.segment3.wildcard", destination: two}
      - {id: wildcard.three, topic: "*.segment3.wildcard", destination: three}
      - {id: wildcard.four, topic: "#.segment3.*", destination: four}
queues: [one, two, three, four]
"""

EXPECTED_ROUTES = {
    "segment1.segment2.segment3.wildcard": ("one", "two", "four"),
    "segment2.segment3.wildcard": ("one", "three", "four"),
    "not.matching.wildcard.topic": (),
}


def _wildcard_topology(source: str, tmp_path: Path) -> Topology:
    if source == "yaml":
        path = tmp_path / "wildcard.yaml"
        path.write_text(WILDCARD_YAML, encoding="utf-8")
        return load_topology([path])
    return load_topology([MAGENTO_MODULES / "ModuleA", MAGENTO_MODULES / "ModuleB"])


@pytest.mark.parametrize("source", ["yaml", "magento"])
@pytest.mark.parametrize(("topic", "queues"), EXPECTED_ROUTES.items())
def test_magento_wildcard_example(source: str, topic: str, queues: tuple[str, ...], tmp_path: Path) -> None:
    topology = _wildcard_topology(source, tmp_path)
    (connection,) = [c for c, name in topology.exchanges if name == "magento"]
    assert topology.queues_for(connection, "magento", topic) == queues
