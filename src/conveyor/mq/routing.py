"""AMQP topic matching: ``*`` stands for exactly one word, ``#`` for zero or more words.

The DB transport routes with this; RabbitMQ routes by itself with the same semantics, so a topology
behaves the same on both transports.
"""

from __future__ import annotations

import re
from functools import lru_cache

WORD = re.compile(r"[^.*#\s]+")


def pattern_error(pattern: str) -> str | None:
    """Why ``pattern`` is malformed, or None: words separated by dots, each ``*``, ``#`` or literal."""
    if not pattern:
        return "the pattern is empty"
    for word in pattern.split("."):
        if word in ("*", "#"):
            continue
        if not word:
            return f"the pattern {pattern!r} has an empty word (leading, trailing or double dot)"
        if not WORD.fullmatch(word):
            return f"the word {word!r} of {pattern!r} mixes wildcards or spaces with other characters"
    return None


def topic_error(topic: str) -> str | None:
    """Why ``topic`` cannot be published, or None: like a pattern, but without wildcards."""
    error = pattern_error(topic)
    if error is None and any(word in ("*", "#") for word in topic.split(".")):
        return f"the topic {topic!r} contains a wildcard"
    return error


@lru_cache(maxsize=65536)
def topic_matches(pattern: str, topic: str) -> bool:
    """Whether ``topic`` matches the binding ``pattern`` (cached: topics and patterns are few)."""
    return _match(tuple(pattern.split(".")), tuple(topic.split(".")))


def _match(pattern: tuple[str, ...], words: tuple[str, ...]) -> bool:
    # reachable[j]: the pattern prefix consumed so far can match the first j words of the topic
    reachable = [True] + [False] * len(words)
    for part in pattern:
        if part == "#":
            # zero or more words: once a position is reachable, every later one is
            for j in range(1, len(words) + 1):
                reachable[j] = reachable[j] or reachable[j - 1]
        else:
            nxt = [False] * (len(words) + 1)
            for j in range(1, len(words) + 1):
                nxt[j] = reachable[j - 1] and (part == "*" or part == words[j - 1])
            reachable = nxt
    return reachable[len(words)]
