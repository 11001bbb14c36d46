"""``conveyor.heap``: bulk steps space the collector's passes and give the process its thresholds back."""

from __future__ import annotations

import gc

import pytest

from conveyor import heap


def test_collections_spaced_raises_the_young_threshold_and_restores_it() -> None:
    before = gc.get_threshold()
    with heap.collections_spaced():
        during = gc.get_threshold()
    assert during == (max(before[0], heap.BULK_THRESHOLD), *before[1:])
    assert gc.get_threshold() == before


def test_collections_spaced_restores_the_thresholds_when_the_step_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), heap.collections_spaced():
        raise RuntimeError("a failed bunch")
    assert gc.get_threshold() == before


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


def test_cycles_made_during_a_spaced_step_are_still_freed() -> None:
    """Spacing is not disabling: reference cycles dropped inside the step are freed by the collector's own passes."""

    class Node:
        other: object = None

    with heap.collections_spaced():
        made = 3 * heap.BULK_THRESHOLD
        for _ in range(made):
            a, b = Node(), Node()
            a.other, b.other = b, a
        alive = sum(1 for o in gc.get_objects() if type(o) is Node)  # no explicit collect: the collector's own
    assert alive < made  # of the 2 * made nodes, those of all but the last threshold's worth are gone
