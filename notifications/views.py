"""HTML pages: the notification list, marking read, opening a target, preferences, unsubscribe."""

from __future__ import annotations

import datetime
import json

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications import services
from notifications.forms import PreferencesForm
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.selectors import (
    digest_period_for,
    group_by_day,
    notifications_visible,
    preferences_for,
    present,
    unread_count,
)
from notifications.unsubscribe import DIGEST_TOPIC, ExpiredToken, InvalidToken, read_token

PAGE_SIZE = 50


def _cursor(notification: Notification) -> str:
    return f"{notification.updated_at.timestamp():.6f}_{notification.pk}"


def _after_cursor(qs: QuerySet[Notification], cursor: str) -> QuerySet[Notification]:
    """Rows older than the cursor (keyset on updated_at, id); a malformed cursor means the start."""
    try:
        stamp, pk = cursor.split("_", 1)
        when = datetime.datetime.fromtimestamp(float(stamp), tz=datetime.UTC)
        pk_value = int(pk)
    except (ValueError, OverflowError, OSError):
        return qs
    return qs.filter(Q(updated_at__lt=when) | Q(updated_at=when, pk__lt=pk_value))


def _count_trigger(response: HttpResponse, user) -> HttpResponse:
    """Tell the page's bell the new count at once (the socket also pushes it to other tabs)."""
    response["HX-Trigger"] = json.dumps({"notifications:count": {"unread": unread_count(user=user)}})
    return response


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    only_unread = request.GET.get("filter") == "unread"
    qs = notifications_visible(user=request.user)
    if only_unread:
        qs = qs.filter(read_at__isnull=True)
    cursor = request.GET.get("cursor", "")
    if cursor:
        qs = _after_cursor(qs, cursor)
    rows = list(qs[: PAGE_SIZE + 1])
    has_more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    context = {
        "days": group_by_day(present(rows)),
        "next_cursor": _cursor(rows[-1]) if has_more else "",
        "only_unread": only_unread,
    }
    if request.htmx and cursor:
        return render(request, "notifications/partials/days.html", context)
    return render(request, "notifications/list.html", context)


@require_POST
def notification_mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = services.notification_mark_read(user=request.user, notification_id=pk)
    if request.htmx:
        item = present(notifications_visible(user=request.user).filter(pk=notification.pk))[0]
        response = render(request, "notifications/partials/item.html", {"item": item})
        return _count_trigger(response, request.user)
    return redirect("notifications:list")


@require_POST
def notifications_mark_all_read(request: HttpRequest) -> HttpResponse:
    changed = services.notifications_mark_all_read(user=request.user)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return _count_trigger(response, request.user)
    if changed:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark read and go to the target. A hidden target or someone else's notification is a 404."""
    url = services.notification_open(user=request.user, notification_id=pk)
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not safe:
        url = reverse("notifications:list")
    return HttpResponseRedirect(url)


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(
        request.POST or None,
        preferences=preferences_for(user=request.user),
        digest_period=digest_period_for(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        services.preferences_update(
            user=request.user, deliveries=form.deliveries(), digest_period=form.cleaned_data["digest_period"]
        )
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notifications:preferences")
    status = 400 if form.errors else 200
    return render(request, "notifications/preferences.html", {"form": form}, status=status)


@login_not_required
@csrf_exempt  # mail clients POST here for one-click unsubscribe (RFC 8058); the signed token is the proof
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Turn off one kind (or the digest) for the person the signed token names; no login needed."""
    try:
        claim = read_token(token)
    except ExpiredToken:
        return render(request, "notifications/unsubscribe.html", {"problem": "expired"}, status=400)
    except InvalidToken:
        return render(request, "notifications/unsubscribe.html", {"problem": "invalid"}, status=400)
    user = get_user_model().objects.filter(pk=claim.user_id, is_active=True).first()
    if user is None:
        return render(request, "notifications/unsubscribe.html", {"problem": "invalid"}, status=400)
    services.unsubscribe_apply(user=user, topic=claim.topic)
    topic_label = _("the e-mail digest") if claim.topic == DIGEST_TOPIC else Kind(claim.topic).label
    return render(
        request,
        "notifications/unsubscribe.html",
        {"topic": claim.topic, "topic_label": topic_label, "is_digest": claim.topic == DIGEST_TOPIC},
    )
