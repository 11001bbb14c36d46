"""Which ACL resource names a token may be given: those the served routes declare, and the tree's root.

Magento checks a route's ``<resource ref>`` by exact match. Saving an integration's or a role's resources
(``Magento\\Authorization\\Model\\ResourceModel\\Rules::saveRel``) writes a rule for *every* resource of the ACL
tree, ``allow`` for the ticked ones and ``deny`` for the rest, so a ticked parent does not reach an unticked
child: the tree only shapes the admin's editor (ticking a child ticks its parents). Conveyor keeps the exact match
(``Caller.allows``), so a name no route declares can never grant anything: a typo would make a token that fails
with 403 on its first call. ``check`` refuses such names up front, with the close matches.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from conveyor.api.auth import ROOT_RESOURCES
from conveyor.api.operations import Registry

NOT_GRANTED = frozenset({"", "anonymous", "self"})  # refs that are no resource a token holds


class UnknownResourceError(ValueError):
    """ACL resource names that no route declares; the message lists close matches of each."""


def known_resources(registry: Registry) -> frozenset[str]:
    """The resource refs the registry's routes declare (a route may list several), plus the tree's root."""
    found = {part.strip() for op in registry for part in op.resource.split(",")}
    return frozenset((found - NOT_GRANTED) | ROOT_RESOURCES)


def close_matches(name: str, known: Iterable[str], limit: int = 3) -> list[str]:
    """Known names that look like ``name`` (case ignored; the same name in other case first), best first."""
    by_folded = {resource.casefold(): resource for resource in known}
    folded = name.casefold()
    found = difflib.get_close_matches(folded, list(by_folded), n=limit, cutoff=0.6)
    if folded in by_folded:
        found = [folded, *(match for match in found if match != folded)][:limit]
    return [by_folded[match] for match in found]


def check(names: Sequence[str], known: frozenset[str]) -> None:
    """Refuse names that are not in ``known``: ``UnknownResourceError`` naming each, with its close matches."""
    unknown = [name for name in names if name not in known]
    if not unknown:
        return
    lines = []
    for name in unknown:
        matches = close_matches(name, known)
        hint = f"did you mean {', '.join(matches)}?" if matches else "no route declares a resource like it"
        lines.append(f"unknown ACL resource {name!r}: {hint}")
    lines.append("`conveyor api routes` lists every route with its resource.")
    raise UnknownResourceError("\n".join(lines))
