"""``conveyor.heap``: a bulk step pauses the collector, a bulk process spaces its passes; both give it back."""

from __future__ import annotations

import gc

import pytest

from conveyor import heap


def test_space_collections_raises_the_young_threshold_only() -> None:
    before = gc.get_threshold()
    try:
        assert heap.space_collections() == before
        assert gc.get_threshold() == (max(before[0], heap.BULK_THRESHOLD), *before[1:])
    finally:
        gc.set_threshold(*before)


def test_paused_turns_the_collector_back_on_when_the_step_fails() -> None:
    with pytest.raises(RuntimeError), heap.paused():
        raise RuntimeError("a failed bunch")
    assert gc.isenabled()


def test_paused_turns_the_collector_off_and_back_on_only_if_it_was_on() -> None:
    assert gc.isenabled()
    with heap.paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with heap.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_cycles_made_while_spaced_are_still_freed() -> None:
    """Spacing is not disabling: reference cycles dropped are freed by the collector's own passes."""

    class Node:
        other: object = None

    before = heap.space_collections()
    try:
        made = 3 * heap.BULK_THRESHOLD
        for _ in range(made):
            a, b = Node(), Node()
            a.other, b.other = b, a
        alive = sum(1 for o in gc.get_objects() if type(o) is Node)  # no explicit collect: the collector's own
    finally:
        gc.set_threshold(*before)
    assert alive < made  # of the 2 * made nodes, those of all but the last threshold's worth are gone
