"""Presence from socket heartbeats, kept in the cache (Redis when several processes run).

- online: at least one socket has sent a heartbeat within PRESENCE_TIMEOUT_SECONDS and the
  person did something (opened a page, sent, read, typed) within PRESENCE_AWAY_AFTER_SECONDS;
- away: sockets are alive but the person has been idle longer than that (or said so);
- offline: no socket heartbeat recently, or the last socket closed.

Nothing here touches the database. Functions that change a state return the new state when
it differs from the last one announced, so the caller broadcasts only real changes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.core.cache import cache

from messaging.policy import PRESENCE_AWAY_AFTER_SECONDS, PRESENCE_TIMEOUT_SECONDS

ONLINE, AWAY, OFFLINE = "online", "away", "offline"
STATES = (ONLINE, AWAY, OFFLINE)
_DAY = 24 * 3600


def _beat_key(user_id: int) -> str:
    return f"chat:presence:beat:{user_id}"


def _active_key(user_id: int) -> str:
    return f"chat:presence:active:{user_id}"


def _sockets_key(user_id: int) -> str:
    return f"chat:presence:sockets:{user_id}"


def _announced_key(user_id: int) -> str:
    return f"chat:presence:announced:{user_id}"


def _state(beat: float | None, active: float | None, now: float) -> str:
    if beat is None or now - beat > PRESENCE_TIMEOUT_SECONDS:
        return OFFLINE
    if active is None or now - active > PRESENCE_AWAY_AFTER_SECONDS:
        return AWAY
    return ONLINE


def presence_of(user_ids: Iterable[int]) -> dict[int, str]:
    """The current state of each person (one cache round trip)."""
    ids = list(dict.fromkeys(int(uid) for uid in user_ids))
    if not ids:
        return {}
    keys = [key for uid in ids for key in (_beat_key(uid), _active_key(uid))]
    values = cache.get_many(keys)
    now = time.time()
    return {uid: _state(values.get(_beat_key(uid)), values.get(_active_key(uid)), now) for uid in ids}


def _announce_if_changed(user_id: int, state: str | None = None) -> str | None:
    """The new state when it differs from the one last announced (`state`: already known)."""
    if state is None:
        state = presence_of([user_id])[user_id]
    if cache.get(_announced_key(user_id)) == state:
        return None
    cache.set(_announced_key(user_id), state, timeout=_DAY)
    return state


def socket_opened(user_id: int) -> str | None:
    """A socket connected: it counts as a heartbeat and as activity."""
    now = time.time()
    cache.add(_sockets_key(user_id), 0, timeout=_DAY)
    try:
        cache.incr(_sockets_key(user_id))
    except ValueError:  # expired between add and incr
        cache.set(_sockets_key(user_id), 1, timeout=_DAY)
    cache.set_many({_beat_key(user_id): now, _active_key(user_id): now}, timeout=_DAY)
    return _announce_if_changed(user_id)


def socket_closed(user_id: int) -> bool:
    """A socket closed. True when it was the person's last one (call `went_offline` after a grace)."""
    try:
        remaining = cache.decr(_sockets_key(user_id))
    except ValueError:
        remaining = 0
    if remaining <= 0:
        cache.set(_sockets_key(user_id), 0, timeout=_DAY)
        return True
    return False


def went_offline(user_id: int) -> str | None:
    """After the grace period: if no socket came back, the person is offline."""
    if (cache.get(_sockets_key(user_id)) or 0) > 0:
        return None
    cache.delete(_beat_key(user_id))
    return _announce_if_changed(user_id)


def heartbeat(user_id: int) -> str | None:
    cache.set(_beat_key(user_id), time.time(), timeout=_DAY)
    return _announce_if_changed(user_id)


def activity(user_id: int, *, away: bool = False) -> str | None:
    """The person did something (or, with `away`, said they stepped away)."""
    now = time.time()
    if away:
        cache.set(_beat_key(user_id), now, timeout=_DAY)
        cache.delete(_active_key(user_id))
        return _announce_if_changed(user_id)
    # Both marks are now: online, known without reading them back (every chat send comes here).
    cache.set_many({_beat_key(user_id): now, _active_key(user_id): now}, timeout=_DAY)
    return _announce_if_changed(user_id, ONLINE)
