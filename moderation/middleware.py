"""The write gate for HTML pages: one middleware in front of every unsafe request.

Someone who has not accepted the current major version of the guidelines, or who is suspended,
may read everything they could before but cannot write: any POST/PUT/PATCH/DELETE to a page
answers 403 with the acceptance page (or the suspension notice) instead, showing the text they
had typed so nothing is lost. htmx requests get 403 with an `HX-Trigger: moderation:blocked`
event (screen.js shows the reason without leaving the page). Exempt: account pages (sign-in,
sign-out, password, MFA), the admin, the API (it has its own permission class, which also sees
token logins), and views marked with `@write_gate_exempt` (accepting the guidelines, appealing,
the screening check).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from moderation.permissions import write_block_message, write_block_url
from moderation.selectors import WriteState, write_state

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
EXEMPT_PATH_PREFIXES = ("/accounts/", "/admin/", "/api/", "/static/", "/healthz")
# Form fields never echoed back on the blocked page.
_NEVER_ECHO = ("csrfmiddlewaretoken", "password", "token", "secret", "code")


def write_gate_exempt(view: Callable) -> Callable:
    """Mark a view that must stay usable by someone who may not write (like csrf_exempt)."""
    view.write_gate_exempt = True  # type: ignore[attr-defined]
    return view


def _typed_text(request: HttpRequest) -> list[tuple[str, str]]:
    """The person's own free text from the refused request, to give back to them.

    Free text is told from choices and ids by containing a space or being long; secrets are
    never echoed.
    """
    kept = []
    for name, value in request.POST.items():
        if any(word in name.lower() for word in _NEVER_ECHO) or not isinstance(value, str):
            continue
        text = value.strip()
        if (" " in text or "\n" in text or len(text) >= 40) and len(text) >= 3:
            kept.append((name, value))
    return kept[:10]


def blocked_response(request: HttpRequest, state: WriteState) -> HttpResponse:
    message = write_block_message(state)
    url = write_block_url(state)
    if getattr(request, "htmx", False):
        response = HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")
        response["HX-Trigger"] = json.dumps(
            {"moderation:blocked": {"code": state.blocked_code, "message": message, "url": url}}
        )
        return response
    if state.is_suspended:
        template = "moderation/suspended.html"
        context = {"suspension": state.suspension, "typed_text": _typed_text(request)}
    else:
        from moderation.views import acceptance_context

        template = "moderation/accept.html"
        context = {**acceptance_context(request, state), "typed_text": _typed_text(request)}
        context["next_url"] = request.headers.get("referer", "")
    return TemplateResponse(request, template, context, status=403)


class WriteGateMiddleware:
    """Refuse unsafe requests from people who must accept the guidelines first or are suspended."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if request.method in SAFE_METHODS:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.path_info.startswith(EXEMPT_PATH_PREFIXES) or getattr(
            view_func, "write_gate_exempt", False
        ):
            return None
        state = write_state(user)
        if state.blocked_code is None:
            return None
        response = blocked_response(request, state)
        if isinstance(response, TemplateResponse):
            response.render()
        return response
