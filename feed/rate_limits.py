"""How fast one person may write to the feed, counted in the cache (Redis when configured).

The limits come from `limit_for`, the one place that knows them: the site policy will own
them later; until then the defaults below apply.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

# action -> (how many, per how many seconds)
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "post": (20, 3600),
    "comment": (120, 3600),
    "reaction": (600, 3600),
}


class RateLimited(Exception):
    """Too many writes of one kind; the door answers 429 or re-renders with `message`."""

    def __init__(self, action: str, retry_after: int) -> None:
        super().__init__(action)
        self.action = action
        self.retry_after = retry_after
        self.message = _("You are posting faster than this site allows. Please wait a little and try again.")


def limit_for(action: str) -> tuple[int, int]:
    """(count, window in seconds) for `action`."""
    return DEFAULT_LIMITS[action]


def check_rate_limit(user, action: str) -> None:
    """Count one `action` by `user` in the current fixed window; raise RateLimited past the limit."""
    count, window = limit_for(action)
    now = int(time.time())
    bucket = now // window
    key = f"feed:rate:{action}:{user.pk}:{bucket}"
    cache.add(key, 0, timeout=window + 5)
    try:
        used = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window + 5)
        used = 1
    if used > count:
        raise RateLimited(action, retry_after=window - now % window)
