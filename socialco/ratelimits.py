"""Per-person rate limits for posts, comments and chat messages, set in the site policy.

Call `check_rate_limit(user, action)` in the service, before writing; it counts the attempt
and raises `RateLimitExceeded` when the person is over the limit (a refused attempt is not
counted). Doors turn the exception into what their client expects:

- HTML form: show `exc.message` as a form error and keep what was typed;
- API: `raise rest_framework.exceptions.Throttled(wait=exc.retry_after, detail=exc.message)` (429);
- socket: `raise FrameError("rate_limited", exc.message)` (an error frame; the socket stays open).

Counting uses the shared cache (Redis when configured, so every process counts together)
with a sliding window: the previous window's count, weighted by how much of it still
overlaps the last `seconds`, plus the current window's count. Limits are read from
`get_policy()` at each call, so an admin's change applies to the next attempt.
"""

from __future__ import annotations

import contextlib
import math
import time

from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from socialco.policy import RateLimitAction, get_policy
from socialco.policy_values import RateLimit, describe_seconds

__all__ = ["RateLimitAction", "RateLimitExceeded", "check_rate_limit"]

_ACTION_NOUNS = {
    RateLimitAction.POST: lambda n: ngettext("post", "posts", n),
    RateLimitAction.COMMENT: lambda n: ngettext("comment", "comments", n),
    RateLimitAction.CHAT_MESSAGE: lambda n: ngettext("chat message", "chat messages", n),
}


class RateLimitExceeded(Exception):
    """The person is over the policy's limit for `action`; try again after `retry_after` seconds."""

    def __init__(self, *, action: str, limit: RateLimit, retry_after: int) -> None:
        self.action = action
        self.limit = limit
        self.retry_after = retry_after
        self.message = _(
            "You are doing that too often: at most %(count)d %(what)s per %(period)s. "
            "Try again in %(wait)d seconds."
        ) % {
            "count": limit.count,
            "what": _ACTION_NOUNS[action](limit.count),
            "period": describe_seconds(limit.seconds),
            "wait": retry_after,
        }
        super().__init__(self.message)


# How long a window's count outlives the period it counts for (seconds of real time: the cache
# expires keys by the wall clock, whatever clock the counting uses).
EXPIRY_SLACK = 1


def _key(action: str, user_id: int, limit: RateLimit, window: int) -> str:
    return f"ratelimit:{action}:{user_id}:{limit.seconds}:{window}"


def _increment(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        return 1


def check_rate_limit(user, action: str, *, now: float | None = None) -> None:
    """Count one `action` (a RateLimitAction value) by an authenticated `user`.

    Raises RateLimitExceeded when over the limit (and then does not count the attempt);
    ValueError for an unknown action. No limit set in the policy: does nothing.
    """
    limit = get_policy().rate_limit(action)
    if limit is None:
        return
    if user is None or not user.is_authenticated:
        raise ValueError("rate limits count authenticated people")
    now = time.time() if now is None else now
    window, offset = divmod(now, limit.seconds)
    window = int(window)
    overlap = 1 - offset / limit.seconds  # share of the previous window still inside the period
    current_key = _key(action, user.pk, limit, window)
    previous = cache.get(_key(action, user.pk, limit, window - 1), 0)
    current = _increment(current_key, timeout=2 * limit.seconds + EXPIRY_SLACK)
    if previous * overlap + current <= limit.count:
        return
    with contextlib.suppress(ValueError):  # the key expired meanwhile: nothing to take back
        cache.decr(current_key)
    done = current - 1  # in this window, without the refused attempt
    if done + 1 > limit.count:
        # This window is full: wait for the next one, and there until this window's weight
        # has fallen enough that one more fits: done * (1 - t / seconds) + 1 <= count.
        wait = (limit.seconds - offset) + limit.seconds * max(0.0, 1 - (limit.count - 1) / done)
    else:
        # The previous window's weight must fall until one more fits: previous * w + done + 1 <= count.
        needed_overlap = (limit.count - done - 1) / previous
        wait = (overlap - needed_overlap) * limit.seconds
    raise RateLimitExceeded(action=action, limit=limit, retry_after=max(1, math.ceil(wait)))
