"""Envelopes: what is stored is what is read back, and message ids never repeat, across forks included."""

from __future__ import annotations

import multiprocessing as mp
import re
from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from conveyor.mq.envelope import Envelope, new_message_id

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(
    topic=st.text(min_size=1),
    body=st.binary(),
    message_id=st.text(min_size=1) | st.from_regex(r"[0-9a-f]{32}", fullmatch=True),
    properties=st.dictionaries(st.text().filter(lambda k: k != "message_id"), json_values, max_size=4),
)
def test_decode_reads_back_what_encoded_properties_wrote(
    topic: str, body: bytes, message_id: str, properties: dict[str, Any]
) -> None:
    envelope = Envelope(topic, body, message_id, properties)
    stored = envelope.encoded_properties()
    assert stored == orjson.dumps({**properties, "message_id": message_id}).decode()  # the short cut included
    assert Envelope.decode(topic, body, stored) == envelope
    assert Envelope.decode(topic, bytearray(body), stored.encode()) == envelope  # drivers may hand back either


def test_of_builds_the_same_envelope_as_the_constructor() -> None:
    built = Envelope.of("orders.created", {"n": 1}, source="erp")
    assert built == Envelope("orders.created", b'{"n":1}', built.message_id, {"source": "erp"})


def test_message_ids_are_32_hex_digits_and_distinct() -> None:
    ids = [new_message_id() for _ in range(10_000)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert len({Envelope("t", b"").message_id for _ in range(100)}) == 100  # the dataclass default too


def _ids_in_child(queue: Any) -> None:
    queue.put([new_message_id() for _ in range(1_000)])


def test_a_forked_child_does_not_repeat_its_parents_ids() -> None:
    new_message_id()  # the parent has drawn its prefix and moved its counter
    fork = mp.get_context("fork")
    queue = fork.Queue()
    children = [fork.Process(target=_ids_in_child, args=(queue,)) for _ in range(2)]
    for child in children:
        child.start()
    from_children = [queue.get(timeout=30) for _ in children]
    for child in children:
        child.join(timeout=30)
    mine = [new_message_id() for _ in range(1_000)]
    every = mine + from_children[0] + from_children[1]
    assert len(set(every)) == len(every)
    prefixes = {ids[0][:16] for ids in (mine, *from_children)}
    assert len(prefixes) == 3  # each process drew its own random half
