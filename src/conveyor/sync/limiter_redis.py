"""The Redis backend of the rate limiter, for workers on many machines: one Lua script per acquire.

Why not pyrate-limiter's ``RedisBucket``: it stamps each grant with the *client's* clock before sending it and counts
only grants up to that stamp, so a worker delayed for a moment between stamping and its script running does not see
the grants other workers made meanwhile (their stamps are "in its future") and takes a slot too many; our
four-process test caught it exceeding a 5/s window. Clocks of different machines make it worse. Here the script reads
Redis's own clock (``TIME``) and counts every grant newer than the window's start, so the check and the grant are one
atomic step on one clock, whichever machine asks.

Keys: ``conveyor:ratelimit:<source>`` is a sorted set of grants scored by Redis time in milliseconds (one member
per unit), trimmed past the longest window and expiring after it; ``…:<source>:penalty`` holds the Redis time
before which nothing is granted (a 429's penalty), expiring by itself.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import redis

from conveyor.quota import Window

PREFIX = "conveyor:ratelimit:"

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
"""

# KEYS: grants, penalty; ARGV: weight, member prefix, then (window ms, limit) pairs. Returns the ms to wait, "0" when
# granted (as text: Redis would truncate a Lua number reply to an integer).
_ACQUIRE = (
    _NOW
    + """
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > now then return tostring(blocked - now) end
local weight = tonumber(ARGV[1])
local wait, longest = 0, 0
for i = 3, #ARGV, 2 do
    local window, limit = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
    if window > longest then longest = window end
    local since = '(' .. string.format('%.3f', now - window)
    local used = redis.call('ZCOUNT', KEYS[1], since, '+inf')
    if used + weight > limit then
        -- the grant that has to leave the window for this one to fit
        local leaving = redis.call(
            'ZRANGEBYSCORE', KEYS[1], since, '+inf', 'WITHSCORES', 'LIMIT', used + weight - limit - 1, 1)
        wait = math.max(wait, tonumber(leaving[2]) + window - now)
    end
end
if wait > 0 then return tostring(wait) end
for j = 1, weight do
    redis.call('ZADD', KEYS[1], string.format('%.3f', now), ARGV[2] .. ':' .. j)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.3f', now - longest))
redis.call('PEXPIRE', KEYS[1], math.ceil(longest) + 1000)
return '0'
"""
)

# KEYS: penalty; ARGV: duration ms. A later penalty is never shortened.
_PENALIZE = (
    _NOW
    + """
local untill = now + tonumber(ARGV[1])
if tonumber(redis.call('GET', KEYS[1]) or '0') < untill then
    redis.call('SET', KEYS[1], string.format('%.3f', untill), 'PX', math.ceil(untill - now) + 1000)
end
return '0'
"""
)

# KEYS: penalty. Returns the ms the penalty still lasts ("0" when none).
_PENALTY = (
    _NOW
    + """
local blocked = tonumber(redis.call('GET', KEYS[1]) or '0')
return tostring(math.max(0, blocked - now))
"""
)


class RedisBackend:
    """Grants of every source in Redis, counted on Redis's clock."""

    def __init__(self, client: redis.Redis, clock: Callable[[], float] = time.time) -> None:
        self.client, self.clock = client, clock
        self._acquire = client.register_script(_ACQUIRE)
        self._penalize = client.register_script(_PENALIZE)
        self._penalty = client.register_script(_PENALTY)

    @classmethod
    def from_url(cls, url: str) -> RedisBackend:
        return cls(redis.Redis.from_url(url))

    def try_acquire(self, source: str, windows: Sequence[Window], weight: int) -> float:
        if not windows:  # nothing to count: only a penalty can hold the call back
            return max(0.0, self.penalty(source) - self.clock())
        args: list[Any] = [weight, uuid.uuid4().hex]
        for window in windows:
            args += [repr(window.seconds * 1000), window.limit]
        return float(self._acquire(keys=[PREFIX + source, PREFIX + source + ":penalty"], args=args)) / 1000

    def penalize(self, source: str, until: float) -> None:
        duration = max(0.0, until - self.clock()) * 1000  # this machine's "until" as a duration on Redis's clock
        self._penalize(keys=[PREFIX + source + ":penalty"], args=[repr(duration)])

    def penalty(self, source: str) -> float:
        remaining = float(self._penalty(keys=[PREFIX + source + ":penalty"])) / 1000
        return self.clock() + remaining if remaining > 0 else 0.0

    def reset(self, source: str) -> None:
        """Forget every grant and penalty of ``source``."""
        self.client.delete(PREFIX + source, PREFIX + source + ":penalty")

    def close(self) -> None:
        self.client.close()
