"""How records travel between the writing process and a reading worker: compact pickles.

A slots dataclass pickles as its class plus a dict of every field by name, rebuilt attribute by attribute. A batch
of a thousand product rows holds some ten thousand of them (items, source rows, media plans, images), and the
writing process unpickles every batch on the import's critical path (and pickles every task's scan records).
Pickled as the class and a tuple of the field values instead, a batch is smaller and both ends are faster
(measured on 2,600 Luma rows: dumps 58 → 45 ms, loads 42 → 34 ms, 3.5 → 3.1 MB).
"""

from __future__ import annotations

import operator
import pickle
from collections.abc import Sequence
from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")


def compact_pickle(cls: type[T]) -> type[T]:
    """Class decorator (over ``@dataclass``): pickle instances as ``cls(*field values)``."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    values = operator.attrgetter(*names)
    one = len(names) == 1

    def reduce(self: T) -> tuple[Any, ...]:
        found = values(self)
        return cls, (found,) if one else found

    cls.__reduce__ = reduce  # type: ignore[assignment,method-assign]
    return cls


# Items per nested pickle of a long list (``in_pieces``): a few milliseconds of unpickling each.
PIECE = 250


def in_pieces(items: Sequence[Any]) -> list[bytes]:
    """``items`` pickled a piece at a time, for ``from_pieces``.

    Why: ``pickle.loads`` holds the GIL for the whole of one call, ~70 ms for a batch of 5,000 product rows. The
    thread feeding PostgreSQL its ``COPY`` data (``write_behind``) waited that long, and the server with it. Loaded
    a piece per call, from Python code, the GIL can change hands between pieces."""
    return [
        pickle.dumps(items[start : start + PIECE], pickle.HIGHEST_PROTOCOL) for start in range(0, len(items), PIECE)
    ]


def from_pieces(pieces: Sequence[bytes]) -> list[Any]:
    items: list[Any] = []
    for piece in pieces:
        items.extend(pickle.loads(piece))
    return items


__all__ = ["PIECE", "compact_pickle", "from_pieces", "in_pieces"]
