"""The site policy as every app reads it: one cached accessor and the rules built on it.

`get_policy()` returns an immutable `Policy` snapshot. It is kept in the Django cache (Redis
when REDIS_URL is set, so every process shares it): in steady state reading it costs no
database query. Saving the SitePolicy row replaces the cached copy when the transaction
commits, so a change applies to every process at once, without a restart.

What other apps call (never read `SitePolicy` or the old settings directly):

- groups:        `can_create_group(user)`, `check_create_group_permission(user)`
- feed:          `can_post_announcement(user)`, `check_post_announcement_permission(user)`,
                 `socialco.ratelimits.check_rate_limit(user, "post" | "comment")`
- chat:          `chat_edit_window()`, `chat_message_editable(sent_at)`,
                 `chat_retention_cutoff()`, `read_receipts_enabled()`,
                 `socialco.ratelimits.check_rate_limit(user, "chat_message")`
- questions:     `question_escalation_delay()`
- notifications: `default_notification_preferences()`, `NOTIFICATION_KINDS`,
                 `NOTIFICATION_DELIVERIES` (socialco.policy_values)
- uploads:       `socialco.uploads` reads `upload_max_bytes` / `upload_max_pixels` itself
- sign-up:       profiles.adapters reads `signup_mode` / `signup_email_domains`
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from socialco.policy_values import (
    NOTIFICATION_DELIVERIES,
    NOTIFICATION_KINDS,
    RateLimit,
    complete_notification_preferences,
    parse_rate_limit,
)

if TYPE_CHECKING:
    from socialco.models import SitePolicy

__all__ = [
    "NOTIFICATION_DELIVERIES",
    "NOTIFICATION_KINDS",
    "Policy",
    "RateLimitAction",
    "can_create_group",
    "can_post_announcement",
    "chat_edit_window",
    "chat_message_editable",
    "chat_retention_cutoff",
    "check_create_group_permission",
    "check_post_announcement_permission",
    "default_notification_preferences",
    "get_policy",
    "invalidate_policy_cache",
    "publish_policy",
    "question_escalation_delay",
    "read_receipts_enabled",
]

# A safety net only: saves replace the cached copy at once; this bounds how long a change
# made behind Django's back (raw SQL) can go unseen.
POLICY_CACHE_TIMEOUT = 600

CREATE_GROUP_PERMISSION = "socialco.create_group"
POST_ANNOUNCEMENT_PERMISSION = "socialco.post_announcement"


class RateLimitAction:
    """The actions `check_rate_limit` knows, each bound to one SitePolicy field."""

    POST = "post"
    COMMENT = "comment"
    CHAT_MESSAGE = "chat_message"

    FIELDS = {
        POST: "rate_limit_posts",
        COMMENT: "rate_limit_comments",
        CHAT_MESSAGE: "rate_limit_chat_messages",
    }


@dataclass(frozen=True)
class Policy:
    """An immutable snapshot of the SitePolicy row (see the model for each field's meaning)."""

    company_name: str
    logo: str  # storage name, "" when there is none
    signup_email_domains: tuple[str, ...]
    signup_mode: str
    group_creation: str
    announcement_posting: str
    upload_max_bytes: int
    upload_max_megapixels: Decimal
    chat_edit_window_minutes: int
    chat_retention_days: int | None
    chat_read_receipts: bool
    rate_limit_posts: str
    rate_limit_comments: str
    rate_limit_chat_messages: str
    question_escalation_hours: int | None
    notification_defaults: dict[str, str]
    updated_at: str  # ISO time of the last save: a version for cache-busting URLs

    @property
    def upload_max_pixels(self) -> int:
        return int(self.upload_max_megapixels * 1_000_000)

    @property
    def invitation_only(self) -> bool:
        from socialco.models import SitePolicy

        return self.signup_mode == SitePolicy.SignupMode.INVITATION

    def rate_limit(self, action: str) -> RateLimit | None:
        """The parsed limit for a RateLimitAction; None means unlimited. Unknown action: ValueError."""
        try:
            field = RateLimitAction.FIELDS[action]
        except KeyError:
            raise ValueError(f"unknown rate-limited action {action!r}") from None
        return parse_rate_limit(getattr(self, field))

    # --- (de)serialisation: the cached form is a plain JSON-compatible dict ---------------
    @classmethod
    def from_model(cls, policy: SitePolicy) -> Policy:
        return cls(
            company_name=policy.company_name,
            logo=policy.logo.name or "",
            signup_email_domains=tuple(policy.signup_email_domains or ()),
            signup_mode=policy.signup_mode,
            group_creation=policy.group_creation,
            announcement_posting=policy.announcement_posting,
            upload_max_bytes=int(policy.upload_max_bytes),
            upload_max_megapixels=Decimal(policy.upload_max_megapixels),
            chat_edit_window_minutes=int(policy.chat_edit_window_minutes),
            chat_retention_days=policy.chat_retention_days,
            chat_read_receipts=bool(policy.chat_read_receipts),
            rate_limit_posts=policy.rate_limit_posts,
            rate_limit_comments=policy.rate_limit_comments,
            rate_limit_chat_messages=policy.rate_limit_chat_messages,
            question_escalation_hours=policy.question_escalation_hours,
            notification_defaults=complete_notification_preferences(policy.notification_defaults),
            updated_at=policy.updated_at.isoformat() if policy.updated_at else "",
        )

    def to_cache(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["signup_email_domains"] = list(self.signup_email_domains)
        data["upload_max_megapixels"] = str(self.upload_max_megapixels)
        return data

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> Policy:
        data = dict(data)
        data["signup_email_domains"] = tuple(data["signup_email_domains"])
        data["upload_max_megapixels"] = Decimal(data["upload_max_megapixels"])
        return cls(**data)


# The key changes whenever the snapshot's shape does, so a deploy never reads an old shape.
POLICY_CACHE_KEY = (
    "site-policy:" + hashlib.sha256(",".join(f.name for f in fields(Policy)).encode()).hexdigest()[:12]
)


def get_policy() -> Policy:
    """The current site policy. No query in steady state; one (or two, creating it) on a cold cache."""
    data = cache.get(POLICY_CACHE_KEY)
    if data is not None:
        return Policy.from_cache(data)
    from socialco.models import SitePolicy

    policy = Policy.from_model(SitePolicy.load())
    # add, not set: a reader that fetched an older row must not overwrite a fresher save.
    cache.add(POLICY_CACHE_KEY, policy.to_cache(), POLICY_CACHE_TIMEOUT)
    return policy


def invalidate_policy_cache() -> None:
    """Drop the cached copy (readers refill it from the database)."""
    cache.delete(POLICY_CACHE_KEY)


def publish_policy(policy: SitePolicy) -> None:
    """Replace the cached copy with this saved row (call once its transaction has committed)."""
    cache.set(POLICY_CACHE_KEY, Policy.from_model(policy).to_cache(), POLICY_CACHE_TIMEOUT)


# --- Who may do what -----------------------------------------------------------------------


def _audience_allows(audience: str, user, permission: str) -> bool:
    from socialco.models import SitePolicy

    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or audience == SitePolicy.Audience.EVERYONE:
        return True
    if audience == SitePolicy.Audience.STAFF:
        return user.is_staff
    return user.has_perm(permission)


def can_create_group(user) -> bool:
    """Whether `user` may create a group under the current policy (everyone / staff / permission)."""
    return _audience_allows(get_policy().group_creation, user, CREATE_GROUP_PERMISSION)


def check_create_group_permission(user) -> None:
    """Raise PermissionDenied unless `user` may create a group."""
    if not can_create_group(user):
        raise PermissionDenied


def can_post_announcement(user) -> bool:
    """Whether `user` may post a company announcement under the current policy."""
    return _audience_allows(get_policy().announcement_posting, user, POST_ANNOUNCEMENT_PERMISSION)


def check_post_announcement_permission(user) -> None:
    """Raise PermissionDenied unless `user` may post an announcement."""
    if not can_post_announcement(user):
        raise PermissionDenied


# --- Chat, questions, notifications --------------------------------------------------------


def chat_edit_window() -> timedelta:
    """How long after sending people may edit their own chat message (zero: editing is off)."""
    return timedelta(minutes=get_policy().chat_edit_window_minutes)


def chat_message_editable(sent_at: datetime, *, now: datetime | None = None) -> bool:
    """Whether a message sent at `sent_at` may still be edited by its sender."""
    window = chat_edit_window()
    return bool(window) and (now or timezone.now()) - sent_at <= window


def chat_retention_cutoff(*, now: datetime | None = None) -> datetime | None:
    """Chat messages created before this moment must be purged; None keeps them forever."""
    days = get_policy().chat_retention_days
    return None if days is None else (now or timezone.now()) - timedelta(days=days)


def read_receipts_enabled() -> bool:
    """Whether direct chats show "seen"."""
    return get_policy().chat_read_receipts


def question_escalation_delay() -> timedelta | None:
    """How long a question may stay unanswered before it is routed further; None: never."""
    hours = get_policy().question_escalation_hours
    return None if hours is None else timedelta(hours=hours)


def default_notification_preferences() -> dict[str, str]:
    """Every kind in NOTIFICATION_KINDS mapped to its default delivery (a fresh dict)."""
    return dict(get_policy().notification_defaults)
