"""Group pages. Each view parses, fetches through the gate, calls a service or selector, renders.

Every group-by-slug (or id) lookup goes through `check_view_group_permission`, so a secret
group the viewer is not in answers exactly like a missing one (the site's 404 page). Pages
that show a group's inside (members) answer 403 with a "members only" page for a private
group the viewer can see but is not in. Forbidden actions answer 403 with the reason; state
errors (already decided, already a member) come back as a message on the page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups import selectors, services
from groups.forms import GroupForm, InviteForm, JoinRequestForm, RoleForm, TransferOwnershipForm
from groups.models import Group, Invitation, JoinRequest, Membership
from groups.permissions import (
    can_archive_group,
    can_change_group_member_role,
    can_create_group,
    can_join_group,
    can_leave_group,
    can_manage_group,
    can_remove_group_member,
    can_request_to_join_group,
    can_view_group_content,
    check_manage_group_permission,
    check_view_group_permission,
    is_group_owner,
    membership_of,
)
from moderation.services import ScreeningError
from profiles.models import User
from socialco.protected_files import serve_protected_file

DIRECTORY_PAGE_SIZE = 30
MEMBERS_PAGE_SIZE = 50
FEEDBACK_TARGET = "#group-feedback"


# Helpers ----------------------------------------------------------------------------------
def _done(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful full-page action: redirect (htmx follows HX-Redirect)."""
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _failed(request: HttpRequest, exc: Exception, fallback_url: str) -> HttpResponse:
    """Answer a refused action: htmx gets the message in the page's feedback area (with the
    real status); a plain form gets a 403 page for a forbidden action, or the message on the
    page it came from for a state error."""
    message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    status = 400 if isinstance(exc, ValidationError) else 403
    if isinstance(exc, services.RateLimited):
        status = 429
    if request.htmx:
        html = render_to_string("groups/partials/feedback.html", {"message": message, "level": "error"})
        response = HttpResponse(html, status=status)
        response["HX-Retarget"] = FEEDBACK_TARGET
        response["HX-Reswap"] = "innerHTML"
        return response
    if isinstance(exc, PermissionDenied):
        raise exc
    messages.error(request, message)
    return redirect(fallback_url)


def _group_context(request: HttpRequest, group: Group, *, tab: str) -> dict:
    """What the group header and tabs need: the annotated group and the viewer's can_* flags."""
    viewer = request.user
    group = selectors.group_for_page(viewer=viewer, group=group)
    membership = membership_of(viewer, group)
    can_manage = can_manage_group(viewer, group)
    is_owner = is_group_owner(viewer, group)
    pending_invitation = None
    if membership is None:
        pending_invitation = Invitation.objects.filter(group=group, invitee=viewer).first()
    return {
        "group": group,
        "tab": tab,
        "membership": membership,
        "can_view_content": can_view_group_content(viewer, group),
        # The group's chat room is for members (messaging.permissions: rooms follow membership).
        "can_chat": membership is not None,
        "can_manage": can_manage,
        "can_archive": can_archive_group(viewer, group),
        "is_owner": is_owner,
        "can_join": can_join_group(viewer, group),
        "can_request": can_request_to_join_group(viewer, group) and not group.viewer_request_id,
        "has_pending_request": bool(group.viewer_request_id) and membership is None,
        "pending_invitation": pending_invitation,
        "can_leave": membership is not None and (not is_owner or can_leave_group(viewer, group)),
        "is_last_owner": is_owner and not can_leave_group(viewer, group),
        "pending_request_count": (
            JoinRequest.objects.filter(group=group, status=JoinRequest.Status.PENDING).count()
            if can_manage and group.visibility != Group.Visibility.OPEN
            else 0
        ),
    }


def _locked(request: HttpRequest, group: Group, *, tab: str) -> HttpResponse:
    """A private group's inside, seen by someone who is not a member: 403 with a way in."""
    context = _group_context(request, group, tab=tab)
    context["request_form"] = JoinRequestForm()
    return render(request, "groups/locked.html", context, status=403)


# Directory and creation -------------------------------------------------------------------
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[: selectors.SEARCH_MAX_LENGTH]
    mine = request.GET.get("filter") == "mine"
    groups = selectors.group_directory(viewer=request.user, query=query, mine=mine)
    page = Paginator(groups, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    params = {key: value for key, value in (("q", query), ("filter", "mine" if mine else "")) if value}
    context = {
        "page": page,
        "query": query,
        "mine": mine,
        "base_query": urlencode(params),
        "can_create": can_create_group(request.user),
        "invitation_count": selectors.user_invitation_count(user=request.user),
    }
    if request.htmx and request.htmx.target == "group-results":
        return render(request, "groups/partials/directory_results.html", context)
    return render(request, "groups/directory.html", context)


@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    if not can_create_group(request.user):
        raise PermissionDenied(_("Creating groups is not open to you on this site."))
    form = GroupForm(request.POST or None, request.FILES or None, author=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            group = services.group_create(
                actor=request.user,
                name=data["name"],
                slug=data["slug"],
                description=data["description"],
                visibility=data["visibility"],
                cover=data["cover"],
                confirmed=form.screening_confirmed,
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        except ScreeningError as exc:  # the rules changed between the form's check and the save
            form.add_error(None, exc.as_validation_error())
        else:
            messages.success(request, _("Your group “%(name)s” is ready.") % {"name": group.name})
            return redirect("groups:detail", slug=group.slug)
    status = 400 if form.is_bound else 200
    return render(request, "groups/create.html", {"form": form}, status=status)


# One group --------------------------------------------------------------------------------
@require_GET
def permalink(request: HttpRequest, pk: int) -> HttpResponse:
    """/groups/id/<pk>/: a stable link that survives renaming; redirects to the page by slug."""
    group = check_view_group_permission(request.user, group_id=pk)
    return redirect("groups:detail", slug=group.slug)


@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    group = check_view_group_permission(request.user, slug=slug)
    context = _group_context(request, group, tab="overview")
    if context["can_view_content"]:
        context["member_preview"] = list(selectors.group_members(group=group)[:12])
    context["request_form"] = JoinRequestForm()
    return render(request, "groups/detail.html", context)


@require_GET
def cover(request: HttpRequest, slug: str, size: str) -> HttpResponse:
    """The cover image, to anyone who may know the group exists."""
    group = check_view_group_permission(request.user, slug=slug)
    field = {"large": group.cover_large, "small": group.cover_small}.get(size)
    if not field:
        raise Http404
    return serve_protected_file(request, field.name)


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Edit the group (owners and admins); archive, unarchive and transfer live here too."""
    group = check_view_group_permission(request.user, slug=slug)
    if not can_archive_group(request.user, group):
        check_manage_group_permission(request.user, group)
    editable = can_manage_group(request.user, group)
    form = GroupForm(request.POST or None, request.FILES or None, group=group, author=request.user)
    if request.method == "POST":
        check_manage_group_permission(request.user, group)
        if form.is_valid():
            data = form.cleaned_data
            try:
                group = services.group_update(
                    actor=request.user,
                    group=group,
                    name=data["name"],
                    slug=data["slug"] or group.slug,
                    description=data["description"],
                    visibility=data["visibility"],
                    cover=data["cover"],
                    remove_cover=data.get("remove_cover", False),
                    confirmed=form.screening_confirmed,
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            except ScreeningError as exc:  # the rules changed between the form's check and the save
                form.add_error(None, exc.as_validation_error())
            else:
                messages.success(request, _("Group settings saved."))
                return redirect("groups:edit", slug=group.slug)
        group.refresh_from_db()  # the header shows the saved state, the form keeps the input
    context = _group_context(request, group, tab="settings")
    context.update(
        form=form,
        editable=editable,
        transfer_form=TransferOwnershipForm(group=group, actor=request.user) if context["is_owner"] else None,
    )
    return render(request, "groups/settings.html", context, status=400 if form.errors else 200)


def _archive_action(request: HttpRequest, slug: str, service, done_message: str) -> HttpResponse:
    group = check_view_group_permission(request.user, slug=slug)
    url = reverse("groups:detail", args=[group.slug])
    try:
        service(actor=request.user, group=group)
    except (PermissionDenied, ValidationError) as exc:
        return _failed(request, exc, url)
    messages.success(request, done_message)
    return _done(request, url)


@require_POST
def archive(request: HttpRequest, slug: str) -> HttpResponse:
    return _archive_action(
        request, slug, services.group_archive, _("The group is archived: it is now read-only.")
    )


@require_POST
def unarchive(request: HttpRequest, slug: str) -> HttpResponse:
    return _archive_action(request, slug, services.group_unarchive, _("The group is active again."))


@require_POST
def transfer(request: HttpRequest, slug: str) -> HttpResponse:
    group = check_view_group_permission(request.user, slug=slug)
    url = reverse("groups:edit", args=[group.slug])
    form = TransferOwnershipForm(request.POST, group=group, actor=request.user)
    try:
        if not is_group_owner(request.user, group):
            raise PermissionDenied(_("Only the group's owner may transfer ownership."))
        if not form.is_valid():
            raise ValidationError(_("Choose a member of the group as the new owner."))
        target = form.cleaned_data["new_owner"]
        services.group_transfer_ownership(actor=request.user, group=group, new_owner=target.user)
    except (PermissionDenied, ValidationError) as exc:
        return _failed(request, exc, url)
    messages.success(request, _("%(name)s now owns the group.") % {"name": target.user.display_name})
    return _done(request, reverse("groups:detail", args=[group.slug]))


# Joining and leaving ----------------------------------------------------------------------
@require_POST
def join(request: HttpRequest, slug: str) -> HttpResponse:
    group = check_view_group_permission(request.user, slug=slug)
    url = reverse("groups:detail", args=[group.slug])
    try:
        services.group_join(actor=request.user, group=group)
    except (PermissionDenied, ValidationError) as exc:
        return _failed(request, exc, url)
    messages.success(request, _("Welcome to %(name)s.") % {"name": group.name})
    return _done(request, url)


@require_POST
def request_join(request: HttpRequest, slug: str) -> HttpResponse:
    group = check_view_group_permission(request.user, slug=slug)
    url = reverse("groups:detail", args=[group.slug])
    form = JoinRequestForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["message"])
        services.join_request_create(actor=request.user, group=group, message=form.cleaned_data["message"])
    except (PermissionDenied, ValidationError) as exc:
        return _failed(request, exc, url)
    messages.success(request, _("Request sent. The group's admins will decide."))
    return _done(request, url)


@require_POST
def cancel_request(request: HttpRequest, slug: str) -> HttpResponse:
    group = check_view_group_permission(request.user, slug=slug)
    services.join_request_cancel(actor=request.user, group=group)
    if request.htmx and request.POST.get("from") == "inbox":
        return HttpResponse("")
    messages.success(request, _("Your request is withdrawn."))
    return _done(request, reverse("groups:detail", args=[group.slug]))


@require_POST
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    group = check_view_group_permission(request.user, slug=slug)
    url = reverse("groups:detail", args=[group.slug])
    try:
        services.membership_leave(actor=request.user, group=group)
    except (PermissionDenied, ValidationError) as exc:
        return _failed(request, exc, url)
    messages.success(request, _("You left %(name)s.") % {"name": group.name})
    # A secret group vanishes for someone who left it.
    stays_visible = group.visibility != Group.Visibility.SECRET
    return _done(request, url if stays_visible else reverse("groups:directory"))


# Members ----------------------------------------------------------------------------------
def _member_rows(request: HttpRequest, group: Group, memberships) -> list[dict]:
    viewer = request.user
    return [
        {
            "membership": m,
            "can_remove": can_remove_group_member(viewer, group, m),
            "can_change_role": can_change_group_member_role(viewer, group, m),
        }
        for m in memberships
    ]


def _members_page(request: HttpRequest, group: Group, *, invite_form=None, status: int = 200) -> HttpResponse:
    query = request.GET.get("q", "")[: selectors.SEARCH_MAX_LENGTH]
    page = Paginator(selectors.group_members(group=group, query=query), MEMBERS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = _group_context(request, group, tab="members")
    context.update(
        page=page,
        rows=_member_rows(request, group, page.object_list),
        query=query,
        invite_form=invite_form or InviteForm(),
        open_invitations=selectors.group_open_invitations(group=group) if context["can_manage"] else [],
    )
    if request.htmx and request.htmx.target == "member-list":
        return render(request, "groups/partials/member_list.html", context)
    return render(request, "groups/members.html", context, status=status)


@require_GET
def members(request: HttpRequest, slug: str) -> HttpResponse:
    group = check_view_group_permission(request.user, slug=slug)
    if not can_view_group_content(request.user, group):
        return _locked(request, group, tab="members")
    return _members_page(request, group)


@require_POST
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    group = check_view_group_permission(request.user, slug=slug)
    check_manage_group_permission(request.user, group)
    form = InviteForm(request.POST)
    sent = None
    if form.is_valid():
        try:
            sent = services.invitation_create(
                actor=request.user, group=group, invitee=form.cleaned_data["email"]
            )
        except ValidationError as exc:
            form.add_error("email", exc.messages)
        except services.RateLimited as exc:
            form.add_error("email", str(exc))
    if request.htmx:
        context = {
            "group": group,
            "invite_form": InviteForm() if sent else form,
            "sent": sent,
            "open_invitations": selectors.group_open_invitations(group=group),
        }
        return render(request, "groups/partials/invite_card.html", context, status=200 if sent else 400)
    if sent:
        messages.success(request, _("Invitation sent to %(name)s.") % {"name": sent.invitee.display_name})
        return redirect("groups:members", slug=group.slug)
    return _members_page(request, group, invite_form=form, status=400)


def _target_membership(group: Group, user_id: int) -> Membership:
    return get_object_or_404(Membership.objects.select_related("user", "group"), group=group, user_id=user_id)


@require_POST
def remove_member(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    group = check_view_group_permission(request.user, slug=slug)
    url = reverse("groups:members", args=[group.slug])
    target = _target_membership(group, user_id)
    try:
        services.membership_remove(actor=request.user, membership=target)
    except (PermissionDenied, ValidationError) as exc:
        return _failed(request, exc, url)
    if request.htmx:
        return render(request, "groups/partials/member_removed.html", {"membership": target})
    messages.success(request, _("%(name)s was removed.") % {"name": target.user.display_name})
    return redirect(url)


@require_POST
def change_role(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    group = check_view_group_permission(request.user, slug=slug)
    url = reverse("groups:members", args=[group.slug])
    target = _target_membership(group, user_id)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose admin or member."))
        target = services.membership_set_role(
            actor=request.user, membership=target, role=form.cleaned_data["role"]
        )
    except (PermissionDenied, ValidationError) as exc:
        return _failed(request, exc, url)
    if request.htmx:
        row = _member_rows(request, group, [target])[0]
        return render(
            request, "groups/partials/member_row.html", {"row": row, "group": group, "can_manage": True}
        )
    messages.success(request, _("Role changed."))
    return redirect(url)


# Join requests (group admins) -------------------------------------------------------------
@require_GET
def join_requests(request: HttpRequest, slug: str) -> HttpResponse:
    group = check_view_group_permission(request.user, slug=slug)
    check_manage_group_permission(request.user, group)
    context = _group_context(request, group, tab="requests")
    context.update(
        join_requests=selectors.group_pending_requests(group=group),
        open_invitations=selectors.group_open_invitations(group=group),
    )
    return render(request, "groups/requests.html", context)


def _decide(request: HttpRequest, slug: str, request_id: int, *, approve: bool) -> HttpResponse:
    group = check_view_group_permission(request.user, slug=slug)
    url = reverse("groups:requests", args=[group.slug])
    join_request = get_object_or_404(
        JoinRequest.objects.select_related("user", "group"), pk=request_id, group=group
    )
    try:
        if approve:
            services.join_request_approve(actor=request.user, join_request=join_request)
        else:
            services.join_request_deny(actor=request.user, join_request=join_request)
    except (PermissionDenied, ValidationError) as exc:
        return _failed(request, exc, url)
    if request.htmx:
        return render(
            request,
            "groups/partials/request_decided.html",
            {"join_request": join_request, "approved": approve},
        )
    name = join_request.user.display_name
    messages.success(
        request,
        (_("%(name)s is now a member.") if approve else _("You declined %(name)s's request."))
        % {"name": name},
    )
    return redirect(url)


@require_POST
def approve_request(request: HttpRequest, slug: str, request_id: int) -> HttpResponse:
    return _decide(request, slug, request_id, approve=True)


@require_POST
def deny_request(request: HttpRequest, slug: str, request_id: int) -> HttpResponse:
    return _decide(request, slug, request_id, approve=False)


@require_POST
def revoke_invitation(request: HttpRequest, slug: str, invitation_id: int) -> HttpResponse:
    group = check_view_group_permission(request.user, slug=slug)
    url = reverse("groups:members", args=[group.slug])
    invitation = get_object_or_404(Invitation, pk=invitation_id, group=group)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except (PermissionDenied, ValidationError) as exc:
        return _failed(request, exc, url)
    if request.htmx:
        return HttpResponse("")
    messages.success(request, _("Invitation withdrawn."))
    return redirect(url)


# The viewer's own invitations -------------------------------------------------------------
@require_GET
def invitations(request: HttpRequest) -> HttpResponse:
    context = {
        "invitations": selectors.user_invitations(user=request.user),
        "pending_requests": selectors.user_pending_requests(user=request.user),
    }
    return render(request, "groups/invitations.html", context)


def _own_invitation(request: HttpRequest, invitation_id: int) -> Invitation:
    # Someone else's invitation is answered exactly like a missing one.
    return get_object_or_404(
        Invitation.objects.select_related("group"), pk=invitation_id, invitee=request.user
    )


@require_POST
def accept_invitation(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _own_invitation(request, invitation_id)
    group = invitation.group
    try:
        services.invitation_accept(actor=request.user, invitation=invitation)
    except (PermissionDenied, ValidationError) as exc:
        return _failed(request, exc, reverse("groups:invitations"))
    messages.success(request, _("Welcome to %(name)s.") % {"name": group.name})
    return _done(request, reverse("groups:detail", args=[group.slug]))


@require_POST
def decline_invitation(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _own_invitation(request, invitation_id)
    services.invitation_decline(actor=request.user, invitation=invitation)
    if request.htmx:
        return render(request, "groups/partials/invitation_declined.html", {"invitation": invitation})
    messages.success(request, _("Invitation declined."))
    return redirect("groups:invitations")


# Another person's groups (the profile page's door) ----------------------------------------
@require_GET
def person_groups(request: HttpRequest, user_id: int) -> HttpResponse:
    """The groups of a colleague that the viewer may see them in. The profile page includes it
    with hx-get (or the template partial directly); a full page without htmx."""
    person = get_object_or_404(User, pk=user_id, is_active=True)
    groups = selectors.profile_group_list(viewer=request.user, person=person)
    context = {"person": person, "groups": groups}
    if request.htmx:
        return render(request, "groups/partials/profile_groups.html", context)
    return render(request, "groups/person_groups.html", context)
