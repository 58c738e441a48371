"""Project-wide middleware: the login wall, the CSP header and the viewer's time zone."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext as _


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's login wall, except that the API answers for itself.

    Anonymous API requests are not redirected to the login page: DRF's IsAuthenticated
    default answers them 401 (token) or 403, which is what an API client expects.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):  # type: ignore[override]
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class RejectNullBytesMiddleware:
    """A NUL byte in the query string is never meaningful and PostgreSQL refuses it in text:
    answer 400 once here instead of a 500 from whichever view reads the parameter raw.
    (Form and serializer fields already refuse NUL in submitted data.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or "\x00" in value for key, value in request.GET.items()
        ):
            return HttpResponseBadRequest(
                _("The address contains a NUL character."), content_type="text/plain"
            )
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Send the strict Content-Security-Policy from settings on every HTML response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class UserTimezoneMiddleware:
    """Show times in the viewer's own time zone (stored in UTC)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tz_name = getattr(getattr(request, "user", None), "time_zone", "") or ""
        try:
            timezone.activate(zoneinfo.ZoneInfo(tz_name)) if tz_name else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        return self.get_response(request)
