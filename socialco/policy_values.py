"""The vocabulary of the site policy: notification kinds, rate limits, e-mail domains.

Pure values and validators (no database): the SitePolicy model, its admin form and the
accessors in `socialco.policy` all use them, and so may other apps.

NOTIFICATION_KINDS is the contract with the notifications app: every kind it sends is a key
here, and each person's preferences start from `SitePolicy.notification_defaults`, which maps
every kind to one of NOTIFICATION_DELIVERIES.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

# --- Notification kinds and how each may be delivered ----------------------------------------

#: Every kind of notification the product sends, with the label people see in preferences.
#: The keys are the values of `notifications.kinds.Kind`; keep the two lists equal.
NOTIFICATION_KINDS: dict[str, Any] = {
    "mention": _("Mentions of me"),
    "reply": _("Replies to my posts and comments"),
    "answer": _("Answers to my questions"),
    "answer_accepted": _("My answer accepted"),
    "expert_request": _("Requests for my help"),
    "new_follower": _("New followers"),
    "group_join_request": _("Requests to join groups I manage"),
    "group_request_decided": _("Decisions on my requests to join"),
    "group_invitation": _("Group invitations"),
    "must_read_announcement": _("Must-read announcements"),
    "moderation_decision": _("Moderation decisions about my content or account"),
    "reaction": _("Reactions to my posts and comments"),
}

#: How one kind reaches a person (the values of `notifications.kinds.Delivery`).
#: Every choice but "off" also shows the notification in the app.
NOTIFICATION_DELIVERIES: dict[str, Any] = {
    "in_app": _("In the app only"),
    "email": _("E-mail at once"),
    "digest": _("In the e-mail digest"),
    "off": _("Off"),
}

#: What a new installation starts with (the notifications app's built-in defaults);
#: admins change it in the site policy.
DEFAULT_NOTIFICATION_PREFERENCES: dict[str, str] = {
    "mention": "email",
    "reply": "in_app",
    "answer": "email",
    "answer_accepted": "in_app",
    "expert_request": "email",
    "new_follower": "digest",
    "group_join_request": "email",
    "group_request_decided": "email",
    "group_invitation": "email",
    "must_read_announcement": "email",
    "moderation_decision": "email",
    "reaction": "digest",
}


def default_notification_preferences() -> dict[str, str]:
    """A fresh copy of DEFAULT_NOTIFICATION_PREFERENCES (a model field default must be callable)."""
    return dict(DEFAULT_NOTIFICATION_PREFERENCES)


def validate_notification_preferences(value: Any) -> None:
    """A JSON object mapping known kinds to known deliveries; kinds may be missing (default used)."""
    if not isinstance(value, dict):
        raise ValidationError(
            _("Expected an object mapping notification kinds to deliveries."), code="invalid"
        )
    errors = []
    for kind, delivery in value.items():
        if kind not in NOTIFICATION_KINDS:
            errors.append(
                ValidationError(
                    _("%(kind)s is not a notification kind (known: %(known)s)."),
                    code="unknown_kind",
                    params={"kind": kind, "known": ", ".join(NOTIFICATION_KINDS)},
                )
            )
        elif delivery not in NOTIFICATION_DELIVERIES:
            errors.append(
                ValidationError(
                    _("%(kind)s: %(delivery)s is not a delivery (choose from %(known)s)."),
                    code="unknown_delivery",
                    params={"kind": kind, "delivery": delivery, "known": ", ".join(NOTIFICATION_DELIVERIES)},
                )
            )
    if errors:
        raise ValidationError(errors)


def complete_notification_preferences(value: dict[str, str] | None) -> dict[str, str]:
    """Every kind mapped to a delivery: stored choices first, the built-in default for the rest."""
    stored = value or {}
    return {
        kind: stored[kind] if stored.get(kind) in NOTIFICATION_DELIVERIES else default
        for kind, default in DEFAULT_NOTIFICATION_PREFERENCES.items()
    }


# --- Rate limits -----------------------------------------------------------------------------

_RATE_LIMIT = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_RATE_LIMIT_PERIOD = 7 * 86400
MAX_RATE_LIMIT_COUNT = 100_000


@dataclass(frozen=True)
class RateLimit:
    """At most `count` actions in any `seconds`-long period."""

    count: int
    seconds: int

    def describe(self) -> str:
        return ngettext("%(count)d per %(period)s", "%(count)d per %(period)s", self.count) % {
            "count": self.count,
            "period": describe_seconds(self.seconds),
        }


def describe_seconds(seconds: int) -> str:
    """A short human period: '10 seconds', 'minute', '2 hours', 'day'."""
    for unit_seconds, one, many in (
        (86400, _("day"), _("%(n)d days")),
        (3600, _("hour"), _("%(n)d hours")),
        (60, _("minute"), _("%(n)d minutes")),
    ):
        if seconds % unit_seconds == 0:
            n = seconds // unit_seconds
            return str(one) if n == 1 else str(many) % {"n": n}
    return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}


def parse_rate_limit(text: str) -> RateLimit | None:
    """'20/10s' -> RateLimit(20, 10); '10/m' -> (10, 60); '100/1h'; '5/30' (seconds). '' -> None (no limit).

    Raises ValidationError with a clear message for anything else.
    """
    if not text or not text.strip():
        return None
    match = _RATE_LIMIT.match(text)
    if not match:
        raise ValidationError(
            _(
                "Write a limit as count/period, for example 20/10s (20 per 10 seconds), "
                "10/m (10 per minute) or 100/1h; leave empty for no limit."
            ),
            code="invalid_rate_limit",
        )
    count = int(match.group(1))
    seconds = int(match.group(2) or 1) * _UNIT_SECONDS[match.group(3).lower()]
    if not 1 <= count <= MAX_RATE_LIMIT_COUNT:
        raise ValidationError(
            _("The count must be between 1 and %(max)d."),
            code="invalid_rate_limit",
            params={"max": MAX_RATE_LIMIT_COUNT},
        )
    if not 1 <= seconds <= MAX_RATE_LIMIT_PERIOD:
        raise ValidationError(_("The period must be between 1 second and 7 days."), code="invalid_rate_limit")
    return RateLimit(count=count, seconds=seconds)


def validate_rate_limit(value: str) -> None:
    parse_rate_limit(value)


# --- E-mail domains --------------------------------------------------------------------------

_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalise_domain(raw: str) -> str:
    """'  @Example.COM. ' -> 'example.com' (validation is separate)."""
    return raw.strip().lstrip("@").rstrip(".").lower()


def validate_domain(domain: str) -> None:
    labels = domain.split(".")
    if (
        len(domain) > 253
        or len(labels) < 2
        or not all(_DOMAIN_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise ValidationError(
            _("%(domain)s is not an e-mail domain such as example.com."),
            code="invalid_domain",
            params={"domain": domain},
        )


def validate_domain_list(value: Any) -> None:
    """A JSON list of distinct, lower-case domains like ["example.com", "example.org"]."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(_("Expected a list of e-mail domains."), code="invalid")
    errors = []
    for domain in value:
        if domain != normalise_domain(domain):
            errors.append(
                ValidationError(
                    _("Write %(domain)s in lower case, without @."),
                    code="invalid_domain",
                    params={"domain": domain},
                )
            )
            continue
        try:
            validate_domain(domain)
        except ValidationError as exc:
            errors.append(exc)
    if len(set(value)) != len(value):
        errors.append(ValidationError(_("A domain is listed twice."), code="duplicate_domain"))
    if errors:
        raise ValidationError(errors)
