"""People pages: directory, profile, edit own profile, org chart, skills, follows, avatars.

Each view parses, checks with profiles.permissions, calls a selector or service, renders.
htmx requests get the partial under templates/profiles/partials/.
"""

from __future__ import annotations

import zoneinfo
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url

from feed.selectors import profile_sections
from groups.selectors import profile_group_list
from moderation.models import ModerationState
from moderation.selectors import moderation_state_of
from moderation.services import ScreeningError
from profiles import selectors, services
from profiles.forms import ProfileForm
from profiles.models import User
from profiles.permissions import (
    can_edit_profile,
    can_endorse,
    can_follow,
    can_message,
    can_view_contact_details,
    check_endorse_permission,
    check_follow_permission,
    check_view_profile_permission,
)
from profiles.ratelimits import RateLimited, consume
from profiles.selectors import DirectoryFilters
from socialco.protected_files import serve_protected_file

DIRECTORY_PAGE_SIZE = 24
LIST_PAGE_SIZE = 30
MAX_REPORTS_SHOWN = 100
# Groups listed on a profile; "See all" leads to the full list (groups:person_groups).
MAX_GROUPS_SHOWN = 20


def _is_partial(request: HttpRequest, target: str) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and htmx.target == target


def _rate_limited(request: HttpRequest) -> HttpResponse:
    message = _("You are doing that too often. Please wait a while and try again.")
    if getattr(request, "htmx", None):
        return HttpResponse(message, status=429)
    messages.error(request, message)
    return render(request, "profiles/rate_limited.html", status=429)


def direct_message_url(person: User) -> str:
    """Where the "Message" button leads: the direct chat with `person` (opened, not created)."""
    return reverse("messaging:start_direct", kwargs={"user_id": person.pk})


def _local_time(person: User):
    if not person.time_zone:
        return None
    try:
        return timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(person.time_zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


# --- Directory ------------------------------------------------------------------------------
def directory_filters_from(params) -> DirectoryFilters:
    """Filters from a query string; malformed values are ignored rather than failing the page."""
    department = params.get("department", "")
    return DirectoryFilters(
        query=" ".join(params.get("q", "").split())[:200],
        department_id=int(department) if department.isdigit() else None,
        location=params.get("location", "").strip()[:120],
        skill_slug=params.get("skill", "").strip()[:80],
    )


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    filters = directory_filters_from(request.GET)
    page = Paginator(selectors.people_search(request.user, filters), DIRECTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    context = {"filters": filters, "page": page, "query_string": query_without_page.urlencode()}
    if _is_partial(request, "directory-results"):
        response = render(request, "profiles/partials/directory_results.html", context)
        # The address bar shows only the filters in use, not every empty form field.
        clean = {k: v for k, v in request.GET.items() if v.strip()}
        return push_url(response, f"{request.path}?{urlencode(clean)}" if clean else request.path)
    context["options"] = selectors.directory_filter_options(request.user)
    return render(request, "profiles/directory.html", context)


# --- Profile --------------------------------------------------------------------------------
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    return redirect("profiles:detail", person_id=request.user.pk)


@require_GET
def detail(request: HttpRequest, person_id: int) -> HttpResponse:
    viewer = request.user
    person = selectors.without_hidden_text(viewer, check_view_profile_permission(viewer, person_id=person_id))
    reports = list(selectors.direct_reports(viewer, person)[: MAX_REPORTS_SHOWN + 1])
    # The one gate for a person's groups is the groups app's (templates/groups/partials/profile_groups.html).
    groups = list(profile_group_list(viewer=viewer, person=person)[: MAX_GROUPS_SHOWN + 1])
    context = {
        "person": person,
        "chain": selectors.manager_chain(person),
        "reports": reports[:MAX_REPORTS_SHOWN],
        "more_reports": len(reports) > MAX_REPORTS_SHOWN,
        "skills": selectors.profile_skills(viewer, person),
        "topics": selectors.profile_topics(person),
        "counts": selectors.follow_counts(person),
        "groups": groups[:MAX_GROUPS_SHOWN],
        "more_groups": len(groups) > MAX_GROUPS_SHOWN,
        "is_following": can_follow(viewer, person) and selectors.is_following(viewer, person),
        "can_follow": can_follow(viewer, person),
        "can_edit": can_edit_profile(viewer, person),
        "can_endorse": can_endorse(viewer, person),
        "show_contact": can_view_contact_details(viewer, person),
        "message_url": direct_message_url(person) if can_message(viewer, person) else None,
        "local_time": _local_time(person),
        # The feed app's slot: recent posts, articles and praise received that the viewer may
        # see (rendered by templates/profiles/includes/recent_posts.html).
        **profile_sections(viewer, person),
    }
    return render(request, "profiles/detail.html", context)


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest) -> HttpResponse:
    """Edit one's own profile. There is no URL to edit anyone else's."""
    user = request.user
    if request.method == "POST":
        if request.FILES.get("avatar"):
            try:
                consume(action="avatar", user_id=user.pk)
            except RateLimited:
                return _rate_limited(request)
        form = ProfileForm(request.POST, request.FILES, initial=_profile_initial(user), author=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    services.profile_update(
                        user=user,
                        bio=data["bio"],
                        pronouns=data["pronouns"],
                        phone=data["phone"],
                        time_zone=data["time_zone"],
                        skills=data["skills"],
                        ask_me_about=data["ask_me_about"],
                        confirmed=form.screening_confirmed,
                    )
                    if form.processed_avatar:
                        services.avatar_store(user=user, images=form.processed_avatar)
                    elif data["remove_avatar"]:
                        services.avatar_remove(user=user)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except ScreeningError as exc:  # the rules changed between the form's check and the save
                form.add_error(None, exc.as_validation_error())
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("profiles:detail", person_id=user.pk)
        if form.errors.get("avatar") is None and request.FILES.get("avatar"):
            form.add_error("avatar", _("Please choose the photo again (files are not kept on errors)."))
    else:
        form = ProfileForm(initial=_profile_initial(user), author=user)
    person = User.objects.select_related("department", "manager").get(pk=user.pk)
    context = {
        "form": form,
        "person": person,
        "profile_held": moderation_state_of(person) == ModerationState.HELD,
    }
    return render(request, "profiles/edit.html", context)


def _profile_initial(user: User) -> dict:
    return ProfileForm.initial_for(
        user,
        skills=[s.name for s in user.skills.order_by(Lower("name"))],
        topics=[s.name for s in user.ask_me_about.order_by(Lower("name"))],
    )


@require_GET
def avatar(request: HttpRequest, person_id: int, size: str) -> HttpResponse:
    """A person's photo, to logged-in colleagues only (never a public media URL)."""
    person = check_view_profile_permission(request.user, person_id=person_id)
    name = {"large": person.avatar_large, "small": person.avatar_small}.get(size)
    if not name:
        raise Http404
    return serve_protected_file(request, name)


# --- Org chart ------------------------------------------------------------------------------
@require_GET
def org_chart(request: HttpRequest, person_id: int | None = None) -> HttpResponse:
    viewer = request.user
    if person_id is None:
        person = selectors.top_of_company(viewer).first()
        if person is None:
            raise Http404
    else:
        person = check_view_profile_permission(viewer, person_id=person_id)
    context = {
        "person": person,
        "chain": selectors.manager_chain(person),
        "reports": list(selectors.direct_reports(viewer, person)[:MAX_REPORTS_SHOWN]),
        "tops": list(selectors.top_of_company(viewer)[:10]) if person.manager_id is None else [],
    }
    return render(request, "profiles/org_chart.html", context)


# --- Follows --------------------------------------------------------------------------------
def _follow_button(request: HttpRequest, person: User) -> HttpResponse:
    context = {
        "person": person,
        "can_follow": can_follow(request.user, person),
        "is_following": selectors.is_following(request.user, person),
        "counts": selectors.follow_counts(person),
        "oob": True,  # the follower count next to the button is refreshed too
    }
    return render(request, "profiles/partials/follow_button.html", context)


@require_POST
def follow(request: HttpRequest, person_id: int) -> HttpResponse:
    person = check_follow_permission(request.user, person_id=person_id)
    try:
        consume(action="follow", user_id=request.user.pk)
    except RateLimited:
        return _rate_limited(request)
    services.follow_create(follower=request.user, followed=person)
    if request.htmx:
        return _follow_button(request, person)
    messages.success(request, _("You now follow %(name)s.") % {"name": person})
    return redirect("profiles:detail", person_id=person.pk)


@require_POST
def unfollow(request: HttpRequest, person_id: int) -> HttpResponse:
    person = check_follow_permission(request.user, person_id=person_id)
    services.follow_delete(follower=request.user, followed=person)
    if request.htmx:
        return _follow_button(request, person)
    messages.success(request, _("You no longer follow %(name)s.") % {"name": person})
    return redirect("profiles:detail", person_id=person.pk)


def _people_list(request: HttpRequest, person_id: int, which: str) -> HttpResponse:
    person = check_view_profile_permission(request.user, person_id=person_id)
    if which == "followers":
        qs = selectors.followers_of(request.user, person)
    else:
        qs = selectors.following_of(request.user, person)
    page = Paginator(qs, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"person": person, "page": page, "which": which, "counts": selectors.follow_counts(person)}
    return render(request, "profiles/follow_list.html", context)


@require_GET
def followers(request: HttpRequest, person_id: int) -> HttpResponse:
    return _people_list(request, person_id, "followers")


@require_GET
def following(request: HttpRequest, person_id: int) -> HttpResponse:
    return _people_list(request, person_id, "following")


# --- Skills ---------------------------------------------------------------------------------
@require_GET
def skill_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Who knows about X: people with the skill, most endorsed first, and who to ask."""
    skill = selectors.skill_by_slug(slug)
    if skill is None:
        raise Http404
    page = Paginator(selectors.people_with_skill(request.user, skill), DIRECTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    advisors = list(selectors.advisors_on(request.user, skill)[:DIRECTORY_PAGE_SIZE])
    return render(request, "profiles/skill.html", {"skill": skill, "page": page, "advisors": advisors})


@require_GET
def skill_autocomplete(request: HttpRequest) -> HttpResponse:
    """Suggestions for the last entry being typed in a skills or topics input (htmx)."""
    field = request.GET.get("for", "skills")
    if field not in ("skills", "ask_me_about"):
        field = "skills"
    text = request.GET.get(field, request.GET.get("q", ""))[:2000]
    *done, current = text.split(",") if text else [""]
    exclude = {" ".join(d.split()).casefold() for d in done if d.strip()}
    suggestions = selectors.skill_suggestions(current, exclude=exclude)
    return render(
        request,
        "profiles/partials/skill_suggestions.html",
        {"suggestions": suggestions, "field": field, "current": current.strip()},
    )


def _endorse_chip(request: HttpRequest, person: User, slug: str) -> HttpResponse:
    entry = next((s for s in selectors.profile_skills(request.user, person) if s.skill.slug == slug), None)
    if entry is None:
        raise Http404
    context = {"person": person, "entry": entry, "can_endorse": can_endorse(request.user, person)}
    return render(request, "profiles/partials/skill_chip.html", context)


@require_POST
def endorse(request: HttpRequest, person_id: int, slug: str) -> HttpResponse:
    person = check_endorse_permission(request.user, person_id=person_id)
    skill = person.skills.filter(slug=slug).first()
    if skill is None:
        raise Http404
    try:
        consume(action="endorse", user_id=request.user.pk)
    except RateLimited:
        return _rate_limited(request)
    if request.POST.get("undo"):
        services.endorsement_delete(endorser=request.user, person=person, skill=skill)
    else:
        services.endorsement_create(endorser=request.user, person=person, skill=skill)
    if request.htmx:
        return _endorse_chip(request, person, slug)
    return redirect("profiles:detail", person_id=person.pk)
