"""One-click unsubscribe tokens: signed, expiring, usable without signing in.

A token names one person and one topic: a notification kind (turns that kind off) or
"digest" (stops the digest). It carries no secret beyond the signature and expires after
`settings.NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE` seconds (60 days by default).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from notifications.kinds import Kind

SALT = "notifications.unsubscribe"
DIGEST_TOPIC = "digest"
DEFAULT_MAX_AGE = 60 * 24 * 3600


class InvalidToken(Exception):
    """The token was altered, truncated or made with another key."""


class ExpiredToken(InvalidToken):
    """The token was genuine but is older than the allowed age."""


@dataclass(frozen=True)
class Unsubscribe:
    user_id: int
    topic: str  # a Kind value or DIGEST_TOPIC


def _valid_topic(topic: str) -> bool:
    return topic == DIGEST_TOPIC or topic in Kind.values


def make_token(*, user_id: int, topic: str) -> str:
    if not _valid_topic(topic):
        raise ValueError(f"unknown unsubscribe topic {topic!r}")
    return signing.TimestampSigner(salt=SALT).sign_object({"u": user_id, "t": topic})


def read_token(token: str) -> Unsubscribe:
    """Decode a token; raises ExpiredToken or InvalidToken."""
    max_age = getattr(settings, "NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE", DEFAULT_MAX_AGE)
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        raise ExpiredToken from None
    except (signing.BadSignature, ValueError):
        raise InvalidToken from None
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("u"), int)
        or not _valid_topic(payload.get("t"))
    ):
        raise InvalidToken
    return Unsubscribe(user_id=payload["u"], topic=payload["t"])
