"""Who may see a notification: only its recipient, and only while its target is visible to them.

The target's visibility is the target app's own gate, reached through the registry in
notifications/targets.py. A notification that is not yours, or whose target you may no longer
see, answers exactly like a missing one (Http404).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from notifications.models import Notification
from notifications.targets import UnregisteredTarget, target_type_for, visible_q

if TYPE_CHECKING:
    from profiles.models import User


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def filter_visible_notifications(
    user: User, qs: QuerySet[Notification] | None = None
) -> QuerySet[Notification]:
    """The user's own notifications whose target still exists and is visible to them (one query)."""
    qs = Notification.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    return qs.filter(recipient_id=user.pk).filter(visible_q(user))


def can_view_notification(user: User, notification: Notification) -> bool:
    if not _active(user) or notification.recipient_id != user.pk:
        return False
    target = notification.target
    if target is None:
        return False
    try:
        return target_type_for(target).can_view(user, target)
    except UnregisteredTarget:
        return False


def check_view_notification_permission(user: User, *, notification_id: int) -> Notification:
    """Fetch one of the user's visible notifications; anything else raises Http404."""
    notification = filter_visible_notifications(user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404
    return notification
