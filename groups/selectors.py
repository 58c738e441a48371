"""Every read the group pages and API need. Each starts from the visibility gate and owns its
select_related/prefetch_related, so a page costs the same few queries however many rows it shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When

from groups.models import Group, Invitation, JoinRequest, Membership
from groups.permissions import (
    filter_content_visible_groups,
    filter_visible_groups,
    filter_visible_invitations,
    member_group_ids,
)
from moderation.models import ModerationItem
from moderation.selectors import hidden_from_viewer

if TYPE_CHECKING:
    from profiles.models import User

SEARCH_MAX_LENGTH = 100


def _with_viewer_state(viewer: User, qs: QuerySet[Group]) -> QuerySet[Group]:
    """Annotate member_count, viewer_role ("" when not a member), viewer_has_pending_request and
    description_hidden (moderation held or hid the description and the viewer is neither its
    creator nor a moderator: pages and the API leave it out)."""
    own_role = Membership.objects.filter(group=OuterRef("pk"), user_id=viewer.pk).values("role")[:1]
    pending = JoinRequest.objects.filter(
        group=OuterRef("pk"), user_id=viewer.pk, status=JoinRequest.Status.PENDING
    ).values("pk")[:1]
    return qs.annotate(
        member_count=Count("memberships", distinct=True),
        viewer_role=Subquery(own_role),
        viewer_request_id=Subquery(pending),
        description_hidden=hidden_from_viewer(viewer, Group),
    )


def group_directory(*, viewer: User, query: str = "", mine: bool = False) -> QuerySet[Group]:
    """The groups the viewer may know of (open, private, and secret ones they are in), searched
    by name and description; `mine` keeps only the viewer's own groups. Archived ones last."""
    qs = _with_viewer_state(viewer, filter_visible_groups(viewer))
    if mine:
        qs = qs.filter(id__in=member_group_ids(viewer))
    query = " ".join((query or "").split())[:SEARCH_MAX_LENGTH]
    for word in query.split(" ") if query else []:
        in_description = Q(description__icontains=word, description_hidden=False)
        qs = qs.filter(Q(name__icontains=word) | in_description | Q(slug__icontains=word))
    return qs.order_by("is_archived", "name", "id")


def group_for_page(*, viewer: User, group: Group) -> Group:
    """The group with member_count and the viewer's state, for the group page header, and
    `text_state` (moderation's state of its texts: "held", "hidden" or None) to badge a held
    description for its creator and moderators."""
    opts = Group._meta
    state = ModerationItem.objects.filter(
        content_type__app_label=opts.app_label, content_type__model=opts.model_name, object_id=OuterRef("pk")
    ).values("state")[:1]
    return (
        _with_viewer_state(viewer, Group.objects.filter(pk=group.pk))
        .annotate(text_state=Subquery(state))
        .select_related("creator")
        .get()
    )


ROLE_ORDER = Case(
    When(role=Membership.Role.OWNER, then=Value(0)),
    When(role=Membership.Role.ADMIN, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def group_members(*, group: Group, query: str = "") -> QuerySet[Membership]:
    """Members of a group, owners then admins then members, by name. The caller has already
    checked `can_view_group_content`."""
    qs = Membership.objects.filter(group=group, user__is_active=True)
    query = " ".join((query or "").split())[:SEARCH_MAX_LENGTH]
    if query:
        qs = qs.filter(Q(user__display_name__icontains=query) | Q(user__email__icontains=query))
    return (
        qs.select_related("user", "user__department")
        .annotate(role_order=ROLE_ORDER)
        .order_by("role_order", "user__display_name", "user_id")
    )


def group_admin_count(*, group: Group) -> int:
    return Membership.objects.filter(
        group=group, role__in=[Membership.Role.OWNER, Membership.Role.ADMIN]
    ).count()


def group_admin_users(*, group: Group) -> list[User]:
    """The group's owners and admins who are still active (who hears of join requests)."""
    memberships = Membership.objects.filter(
        group=group, role__in=[Membership.Role.OWNER, Membership.Role.ADMIN], user__is_active=True
    ).select_related("user")
    return [membership.user for membership in memberships.order_by("user_id")]


def group_pending_requests(*, group: Group) -> QuerySet[JoinRequest]:
    """Pending join requests, oldest first. The caller has checked `can_manage_group`."""
    return (
        JoinRequest.objects.filter(group=group, status=JoinRequest.Status.PENDING, user__is_active=True)
        .select_related("user", "user__department")
        .order_by("created_at", "id")
    )


def group_open_invitations(*, group: Group) -> QuerySet[Invitation]:
    """Invitations not yet answered, newest first. The caller has checked `can_manage_group`."""
    return Invitation.objects.filter(group=group).select_related("invitee", "inviter")


def user_invitations(*, user: User) -> QuerySet[Invitation]:
    """The user's own invitations inbox: each shows the group's name and description only, and
    `group_description_hidden` (moderation held or hid the description, as for the group page)."""
    hidden = Group.objects.filter(pk=OuterRef("group_id")).annotate(hidden=hidden_from_viewer(user, Group))
    return (
        filter_visible_invitations(user)
        .select_related("group", "inviter")
        .annotate(
            member_count=Count("group__memberships", distinct=True),
            group_description_hidden=Exists(hidden.filter(hidden=True)),
        )
        .order_by("-created_at", "-id")
    )


def user_invitation_count(*, user: User) -> int:
    return filter_visible_invitations(user).count()


def user_pending_requests(*, user: User) -> QuerySet[JoinRequest]:
    """The user's own pending requests (only to groups they can still see)."""
    return (
        JoinRequest.objects.filter(
            user_id=user.pk,
            status=JoinRequest.Status.PENDING,
            group__in=filter_visible_groups(user),
        )
        .select_related("group")
        .order_by("-created_at")
    )


def profile_group_list(*, viewer: User, person: User) -> QuerySet[Group]:
    """The groups shown on `person`'s profile to `viewer`.

    Membership of a private group is member-list information, so only groups whose content
    the viewer may see are listed: open groups, and groups the viewer is in too. Secret and
    private groups of the person otherwise leave no trace.
    """
    qs = filter_content_visible_groups(viewer).filter(id__in=member_group_ids(person))
    return qs.annotate(member_count=Count("memberships", distinct=True)).order_by("name", "id")
