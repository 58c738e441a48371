"""Chat policy: the knobs a site may turn, read from settings for now.

Every chat rule that depends on site policy asks this module, so moving the values into the
site-policy admin later changes only this file. Defaults:

| setting | default | meaning |
| --- | --- | --- |
| `CHAT_EDIT_WINDOW_SECONDS` | 900 | how long after sending a person may edit a message |
| `CHAT_DELETE_WINDOW_SECONDS` | None | how long after sending a person may delete it (None: always) |
| `CHAT_READ_RECEIPTS` | True | direct chats show "Seen" to the other person |
| `CHAT_RETENTION_DAYS` | None | `purge_chat_history` deletes older messages (None: keep forever) |
| `CHAT_RATE_LIMIT` | (20, 10) | at most this many messages per this many seconds, per person |
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

MAX_BODY_CHARS = 4000
GROUP_CHAT_MIN_MEMBERS = 2
GROUP_CHAT_MAX_MEMBERS = 50
# Typing indicators: at most one per this many seconds per person and conversation.
TYPING_INTERVAL_SECONDS = 3
# Presence: a socket that has not sent a heartbeat for this long no longer counts as online.
PRESENCE_TIMEOUT_SECONDS = 70
# Presence: connected but no activity (sending, reading, typing, opening a page) for this long.
PRESENCE_AWAY_AFTER_SECONDS = 300


def edit_window() -> timedelta:
    return timedelta(seconds=getattr(settings, "CHAT_EDIT_WINDOW_SECONDS", 15 * 60))


def delete_window() -> timedelta | None:
    seconds = getattr(settings, "CHAT_DELETE_WINDOW_SECONDS", None)
    return None if seconds is None else timedelta(seconds=seconds)


def read_receipts_enabled() -> bool:
    return bool(getattr(settings, "CHAT_READ_RECEIPTS", True))


def retention() -> timedelta | None:
    days = getattr(settings, "CHAT_RETENTION_DAYS", None)
    return None if not days else timedelta(days=days)


def message_rate_limit() -> tuple[int, int]:
    """(messages, seconds): the most a person may send in a sliding window."""
    count, seconds = getattr(settings, "CHAT_RATE_LIMIT", (20, 10))
    return int(count), int(seconds)
