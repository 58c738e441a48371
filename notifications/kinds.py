"""What can be notified: the kinds, how each one reads, and how it is delivered by default.

Adding a kind: add a member to `Kind`, a `KindSpec` to `KIND_SPECS` (the test suite checks
that every kind has one) and a migration for the new choice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class Kind(models.TextChoices):
    MENTION = "mention", _("Mentions of me")
    REPLY = "reply", _("Replies to my posts and comments")
    ANSWER = "answer", _("Answers to my questions")
    ANSWER_ACCEPTED = "answer_accepted", _("My answer accepted")
    EXPERT_REQUEST = "expert_request", _("Requests for my help")
    NEW_FOLLOWER = "new_follower", _("New followers")
    GROUP_JOIN_REQUEST = "group_join_request", _("Requests to join groups I manage")
    GROUP_REQUEST_DECIDED = "group_request_decided", _("Decisions on my requests to join")
    GROUP_INVITATION = "group_invitation", _("Group invitations")
    MUST_READ_ANNOUNCEMENT = "must_read_announcement", _("Must-read announcements")
    MODERATION_DECISION = "moderation_decision", _("Moderation decisions about my content or account")
    REACTION = "reaction", _("Reactions to my posts and comments")


class Delivery(models.TextChoices):
    """How one kind reaches one person. Every choice but OFF shows the notification in the app."""

    IN_APP = "in_app", _("In the app only")
    EMAIL = "email", _("E-mail at once")
    DIGEST = "digest", _("In the e-mail digest")
    OFF = "off", _("Off")


class DigestPeriod(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    NEVER = "never", _("Never")


Sentence = Callable[[str, int, str, Mapping[str, Any]], str]


def _simple(template: str | Promise) -> Sentence:
    """A sentence with one actor, from a translatable "%(actor)s ... %(target)s" template."""

    def render(actor: str, count: int, target: str, data: Mapping[str, Any]) -> str:
        return str(template) % {"actor": actor, "target": target}

    return render


def _reaction(actor: str, count: int, target: str, data: Mapping[str, Any]) -> str:
    others = count - 1
    if others <= 0:
        return _("%(actor)s reacted to %(target)s") % {"actor": actor, "target": target}
    return ngettext(
        "%(actor)s and %(others)d other reacted to %(target)s",
        "%(actor)s and %(others)d others reacted to %(target)s",
        others,
    ) % {"actor": actor, "others": others, "target": target}


def _request_decided(actor: str, count: int, target: str, data: Mapping[str, Any]) -> str:
    if data.get("approved"):
        return _("%(actor)s approved your request to join %(target)s") % {"actor": actor, "target": target}
    return _("%(actor)s declined your request to join %(target)s") % {"actor": actor, "target": target}


def _moderation(actor: str, count: int, target: str, data: Mapping[str, Any]) -> str:
    return _("A moderator made a decision about %(target)s") % {"target": target}


@dataclass(frozen=True)
class KindSpec:
    kind: Kind
    sentence: Sentence
    default_delivery: Delivery
    # One row per recipient and target, updated as more people act ("Ana and 3 others ...").
    aggregated: bool = False
    # False where the actor must stay anonymous to the recipient (moderators).
    show_actor: bool = True
    # Shown on the preferences page under the label.
    help_text: str | Promise = ""


KIND_SPECS: dict[Kind, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(Kind.MENTION, _simple(_("%(actor)s mentioned you in %(target)s")), Delivery.EMAIL),
        KindSpec(Kind.REPLY, _simple(_("%(actor)s replied to %(target)s")), Delivery.IN_APP),
        KindSpec(Kind.ANSWER, _simple(_("%(actor)s answered %(target)s")), Delivery.EMAIL),
        KindSpec(
            Kind.ANSWER_ACCEPTED, _simple(_("%(actor)s accepted your answer to %(target)s")), Delivery.IN_APP
        ),
        KindSpec(
            Kind.EXPERT_REQUEST, _simple(_("%(actor)s asked for your help with %(target)s")), Delivery.EMAIL
        ),
        KindSpec(Kind.NEW_FOLLOWER, _simple(_("%(actor)s started following you")), Delivery.DIGEST),
        KindSpec(Kind.GROUP_JOIN_REQUEST, _simple(_("%(actor)s asked to join %(target)s")), Delivery.EMAIL),
        KindSpec(Kind.GROUP_REQUEST_DECIDED, _request_decided, Delivery.EMAIL),
        KindSpec(
            Kind.GROUP_INVITATION, _simple(_("%(actor)s invited you to join %(target)s")), Delivery.EMAIL
        ),
        KindSpec(
            Kind.MUST_READ_ANNOUNCEMENT,
            _simple(_("%(actor)s posted a must-read announcement: %(target)s")),
            Delivery.EMAIL,
        ),
        KindSpec(Kind.MODERATION_DECISION, _moderation, Delivery.EMAIL, show_actor=False),
        KindSpec(Kind.REACTION, _reaction, Delivery.DIGEST, aggregated=True),
    )
}


def spec_for(kind: Kind | str) -> KindSpec:
    return KIND_SPECS[Kind(kind)]


def default_delivery(kind: Kind | str) -> Delivery:
    """The site's default for `kind`, from the admin-editable site policy (cached, no query);
    the built-in default when the policy has no value for it."""
    from socialco.policy import default_notification_preferences

    value = default_notification_preferences().get(Kind(kind).value)
    return Delivery(value) if value else spec_for(kind).default_delivery


def default_digest_period() -> DigestPeriod:
    """The site's default digest period (`settings.NOTIFICATIONS_DEFAULT_DIGEST_PERIOD`, else daily)."""
    return DigestPeriod(getattr(settings, "NOTIFICATIONS_DEFAULT_DIGEST_PERIOD", DigestPeriod.DAILY))
