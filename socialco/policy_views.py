"""Pages the site policy needs: the company logo and the invitation link landing."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from socialco.models import Invitation
from socialco.policy import get_policy
from socialco.protected_files import serve_protected_file

INVITATION_SESSION_KEY = "socialco_invitation_id"


def company_logo_url() -> str | None:
    """URL of the uploaded logo (versioned so browsers refetch after a change), or None."""
    policy = get_policy()
    if not policy.logo:
        return None
    return reverse("company_logo") + "?" + urlencode({"v": policy.updated_at})


@require_GET
def company_logo(request: HttpRequest) -> HttpResponse:
    """The uploaded logo, for every logged-in person (the login wall keeps others out)."""
    logo = get_policy().logo
    if not logo:
        raise Http404
    return serve_protected_file(request, logo)


def session_invitation(request: HttpRequest | None) -> Invitation | None:
    """The usable invitation whose link this browser followed, if any."""
    session = getattr(request, "session", None)
    invitation_id = session.get(INVITATION_SESSION_KEY) if session is not None else None
    if invitation_id is None:
        return None
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    return invitation if invitation is not None and invitation.is_usable() else None


@login_not_required
@never_cache
@require_GET
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Follow an invitation link: remember it in the session and open the sign-up form.

    An unknown, used or expired link shows one page that says so (status 404) and opens nothing.
    """
    from socialco.policy_services import invitation_for_token

    if request.user.is_authenticated:
        return redirect("home")
    invitation = invitation_for_token(token)
    if invitation is None:
        return render(request, "socialco/invitation_invalid.html", status=404)
    request.session[INVITATION_SESSION_KEY] = invitation.pk
    return redirect(reverse("account_signup") + "?" + urlencode({"email": invitation.email}))
