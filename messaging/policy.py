"""Chat's fixed limits, and where its admin-editable rules come from.

What an admin changes in the site policy (Django admin, no restart) is read through
`socialco.policy` at each use, never cached here:

- edit window (minutes; 0 turns editing off; default 15): `socialco.policy.chat_edit_window()`,
  `socialco.policy.chat_message_editable(sent_at)`;
- read receipts in direct chats (default on): `socialco.policy.read_receipts_enabled()`;
- retention for `purge_chat_history` (default off): `socialco.policy.chat_retention_cutoff()`;
- messages per person (default `20/10s`): `socialco.ratelimits.check_rate_limit(user, "chat_message")`.

Deployment settings (not in the admin): `CHAT_DELETE_WINDOW_SECONDS` (default None: people may
delete their own messages at any time).
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


def delete_window() -> timedelta | None:
    seconds = getattr(settings, "CHAT_DELETE_WINDOW_SECONDS", None)
    return None if seconds is None else timedelta(seconds=seconds)
