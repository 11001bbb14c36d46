"""The bus middleware contract: a callable that receives the call and the rest of the chain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from conveyor.bus.context import Call

Next = Callable[[Call], object]


class Middleware(Protocol):
    """Wraps the rest of the chain: do something before, call ``next_(call)``, do something after.

    Return what ``next_`` returned (the handler's value); let exceptions through unless the middleware's job is
    to translate them (only the retry classification does).
    """

    def __call__(self, call: Call, next_: Next) -> object: ...
