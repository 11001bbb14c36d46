"""How records travel between the writing process and a reading worker: compact pickles.

A slots dataclass pickles as its class plus a dict of every field by name, rebuilt attribute by attribute. A batch
of a thousand product rows holds some ten thousand of them (items, source rows, media plans, images), and the
writing process unpickles every batch on the import's critical path (and pickles every task's scan records).
Pickled as the class and a tuple of the field values instead, a batch is smaller and both ends are faster
(measured on 2,600 Luma rows: dumps 58 → 45 ms, loads 42 → 34 ms, 3.5 → 3.1 MB).
"""

from __future__ import annotations

import operator
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


__all__ = ["compact_pickle"]
