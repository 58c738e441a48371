"""Per-person rate limits for actions that can be abused (follow spam, avatar re-encoding).

One counter per action and person, shared by the HTML pages and the API, kept in the
configured cache (Redis when REDIS_URL is set), in fixed windows.
"""

from __future__ import annotations

from django.core.cache import cache

# action -> (allowed count, window in seconds)
LIMITS: dict[str, tuple[int, int]] = {
    "follow": (100, 3600),
    "endorse": (200, 3600),
    "avatar": (20, 3600),
}


class RateLimited(Exception):
    """Too many attempts; `retry_after` is the window length in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limited, retry after {retry_after}s")
        self.retry_after = retry_after


def consume(*, action: str, user_id: int) -> None:
    """Count one `action` by `user_id`; raise RateLimited once the window's allowance is used."""
    limit, window = LIMITS[action]
    key = f"profiles:rl:{action}:{user_id}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    if count > limit:
        raise RateLimited(window)
