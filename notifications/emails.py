"""The e-mails notifications send: one notification at once, and the digest.

Every message is HTML plus plain text, carries a one-click unsubscribe link (in the body and in
the List-Unsubscribe headers) and goes through Django's configured mail backend.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications.unsubscribe import make_token

if TYPE_CHECKING:
    from notifications.selectors import NotificationItem
    from profiles.models import User

logger = logging.getLogger(__name__)


def site_url() -> str:
    """The site's public base URL for links in e-mails: settings.SITE_URL, else the first allowed host."""
    configured = getattr(settings, "SITE_URL", "")
    if configured:
        return configured.rstrip("/")
    host = next(
        (h for h in settings.ALLOWED_HOSTS if h not in ("*", "") and not h.startswith(".")), "localhost"
    )
    return f"{'https' if getattr(settings, 'HTTPS', False) else 'http'}://{host}"


def absolute(path: str) -> str:
    return path if path.startswith(("http://", "https://")) else site_url() + path


def unsubscribe_url(*, user_id: int, topic: str) -> str:
    return absolute(
        reverse("notifications:unsubscribe", kwargs={"token": make_token(user_id=user_id, topic=topic)})
    )


def _time_zone(user: User) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(user.time_zone) if user.time_zone else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def build_message(
    *, user: User, subject: str, template: str, context: dict[str, Any], unsubscribe_topic: str
) -> EmailMultiAlternatives:
    """A text + HTML message from templates/notifications/email/<template>.{txt,html}."""
    link = unsubscribe_url(user_id=user.pk, topic=unsubscribe_topic)
    context = {
        **context,
        "recipient": user,
        "company_name": settings.COMPANY_NAME,
        "site_url": site_url(),
        "preferences_url": absolute(reverse("notifications:preferences")),
        "unsubscribe_url": link,
    }
    with timezone.override(_time_zone(user)):
        text = render_to_string(f"notifications/email/{template}.txt", context)
        html = render_to_string(f"notifications/email/{template}.html", context)
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "")
    message = EmailMultiAlternatives(
        subject=f"{prefix}{subject}".replace("\n", " ")[:200],
        body=text,
        to=[user.email],
        headers={"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(html, "text/html")
    return message


def notification_message(*, user: User, item: NotificationItem) -> EmailMultiAlternatives:
    open_url = absolute(reverse("notifications:open", kwargs={"pk": item.id}))
    return build_message(
        user=user,
        subject=item.text,
        template="notification",
        context={"item": item, "open_url": open_url, "kind_label": item.notification.get_kind_display()},
        unsubscribe_topic=item.notification.kind,
    )


def send(messages: Sequence[EmailMultiAlternatives], *, connection: BaseEmailBackend | None = None) -> int:
    """Send over one connection (`connection` if given, e.g. from `connection()` for a batch); a
    failing mail server is logged, never raised to the caller. After a failure a batch connection
    is closed, so the next send opens a fresh one (a server that dropped us is tried again)."""
    if not messages:
        return 0
    try:
        return (connection or get_connection()).send_messages(list(messages)) or 0
    except Exception:  # an SMTP outage must not break the action that triggered the mail
        logger.exception("notifications: sending %d e-mail(s) failed", len(messages))
        if connection is not None:
            try:
                connection.close()
            except Exception:
                logger.exception("notifications: closing the mail connection failed")
        return 0


@contextmanager
def connection() -> Iterator[BaseEmailBackend]:
    """One mail connection kept open for a batch (the digest run), closed at the end. If it cannot
    be opened now, each `send` tries again and logs its own failure."""
    backend = get_connection()
    try:
        backend.open()
    except Exception:
        logger.exception("notifications: opening the mail connection failed")
    try:
        yield backend
    finally:
        try:
            backend.close()
        except Exception:
            logger.exception("notifications: closing the mail connection failed")
