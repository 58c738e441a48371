"""Who may moderate, see a decision, appeal, decide an appeal; and the one write gate.

The write gate (unaccepted guidelines, suspension) has one home, `check_can_write`, used by
every door: the HTML middleware (moderation.middleware), the API permission classes below and
the socket guard (moderation.realtime). Moderator pages answer 404 to everyone else, staff
included, so the queue's existence is not advertised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission

from moderation.models import Appeal, Decision, ModerationItem
from moderation.selectors import WriteState, write_state

if TYPE_CHECKING:
    from profiles.models import User


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


# --- Moderators -----------------------------------------------------------------------------


def can_moderate(user: User) -> bool:
    """Members of the "HR moderators" group (managed in admin). Staff status alone is not enough."""
    return _active(user) and bool(user.is_moderator)


def check_moderate_permission(user: User) -> None:
    """Raise Http404 for anyone who is not a moderator (the queue looks like it does not exist)."""
    if not can_moderate(user):
        raise Http404


def can_act_on_item(user: User, item: ModerationItem) -> bool:
    """Moderators act on items, but never on their own content."""
    return can_moderate(user) and item.author_id != user.pk


def can_act_on_person(user: User, person: User) -> bool:
    return can_moderate(user) and person.pk != user.pk


def can_decide_appeal(user: User, appeal: Appeal) -> bool:
    """Another moderator than the one who acted, and not the appellant."""
    return (
        can_moderate(user)
        and appeal.status == Appeal.Status.PENDING
        and appeal.decision.moderator_id != user.pk
        and appeal.appellant_id != user.pk
    )


# --- Decisions ------------------------------------------------------------------------------


def can_view_decision(user: User, decision: Decision) -> bool:
    """The affected person and moderators."""
    return _active(user) and (decision.subject_id == user.pk or bool(user.is_moderator))


def filter_visible_decisions(user: User, qs: QuerySet[Decision] | None = None) -> QuerySet[Decision]:
    qs = Decision.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    if user.is_moderator:
        return qs
    return qs.filter(Q(subject_id=user.pk))


def check_view_decision_permission(user: User, decision_id: int) -> Decision:
    decision = (
        filter_visible_decisions(user)
        .select_related("item__content_type", "subject", "moderator")
        .filter(pk=decision_id)
        .first()
    )
    if decision is None:
        raise Http404
    return decision


def can_appeal(user: User, decision: Decision) -> bool:
    """The affected person, once, against a hide or a suspension."""
    return (
        _active(user)
        and decision.subject_id == user.pk
        and decision.is_appealable
        and not Appeal.objects.filter(decision=decision).exists()
    )


# --- The write gate -------------------------------------------------------------------------


class WriteBlocked(Exception):
    """The person may not write now. `code` is "guidelines_not_accepted" or "suspended"."""

    def __init__(self, state: WriteState) -> None:
        self.state = state
        self.code = state.blocked_code or ""
        self.message = write_block_message(state)
        self.url = write_block_url(state)
        super().__init__(self.message)


def write_block_message(state: WriteState) -> str:
    if state.suspension is not None:
        return _("Your account is suspended until %(until)s: %(reason)s") % {
            "until": formats.date_format(state.suspension.ends_at, "DATETIME_FORMAT"),
            "reason": state.suspension.reason,
        }
    if state.must_accept:
        return _("Please read and accept the usage guidelines (version %(number)s) before you write.") % {
            "number": state.current.number
        }
    return ""


def write_block_url(state: WriteState) -> str:
    if state.suspension is not None:
        return reverse("moderation:suspended")
    if state.must_accept:
        return reverse("guidelines_accept")
    return ""


def check_can_write(user: User) -> None:
    """Raise WriteBlocked if the person must accept the guidelines first or is suspended.

    Content services may call it as a last line of defence; the doors call it for them.
    """
    state = write_state(user)
    if state.blocked_code is not None:
        raise WriteBlocked(state)


def can_write(user: User) -> bool:
    return write_state(user).blocked_code is None


class WriteGateDenied(exceptions.PermissionDenied):
    """403 whose body names the reason: {"detail", "code", "url"} (+ "until" when suspended)."""

    def __init__(self, blocked: WriteBlocked) -> None:
        body = {"detail": blocked.message, "code": blocked.code, "url": blocked.url}
        if blocked.state.suspension is not None:
            body["until"] = blocked.state.suspension.ends_at.isoformat()
            body["reason"] = blocked.state.suspension.reason
        super().__init__(detail=body, code=blocked.code)


class CanWrite(BasePermission):
    """DRF: unsafe methods need accepted guidelines and no active suspension (403 with a code).

    In REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"], so every API view has it; a view that sets
    its own `permission_classes` must keep it (`[*api_settings.DEFAULT_PERMISSION_CLASSES, ...]`).
    """

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS or getattr(view, "write_gate_exempt", False):
            return True
        user = request.user
        if not _active(user):
            return True  # IsAuthenticated answers for anonymous requests
        try:
            check_can_write(user)
        except WriteBlocked as blocked:
            raise WriteGateDenied(blocked) from None
        return True
