"""What chat refuses, with a stable code each door turns into its own answer.

The socket sends `error {code, message}`; the API answers 400 (or 429 for `rate_limited`)
with `{"code": ..., "detail": ...}`. A conversation or message the person may not see is
never one of these: it raises Http404, exactly like one that does not exist.
"""

from __future__ import annotations


class ChatError(Exception):
    """Refused input or action. `code` is part of the protocol (docs/realtime.md)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)


class ChatRateLimited(ChatError):
    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__("rate_limited", message)
        self.retry_after = retry_after


class ChatPermissionDenied(ChatError):
    """The person sees the thing but may not do this to it (someone else's message, a closed
    edit window, a read-only room). The API answers 403."""
