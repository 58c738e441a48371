"""The visibility gate for groups: every door (page, API, socket, search, feed, notification)
asks these functions, and later apps build theirs on them.

- `filter_*` narrows a queryset, `can_*` answers a bool, `check_*` raises.
- A secret group answers exactly like a group that does not exist: `check_*` raises Http404.
- Moderators and admins see no secret content by virtue of their role alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from groups.models import Group, Invitation, Membership

if TYPE_CHECKING:
    from profiles.models import User


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def member_group_ids(user: User) -> QuerySet:
    """Ids of the groups the user belongs to, as a subquery (no query of its own)."""
    return Membership.objects.filter(user_id=user.pk).values("group_id")


def filter_visible_groups(user: User, qs: QuerySet[Group] | None = None) -> QuerySet[Group]:
    """Groups whose existence the user may know of: open, private, and secret ones they belong to."""
    qs = Group.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    return qs.filter(~Q(visibility=Group.Visibility.SECRET) | Q(id__in=member_group_ids(user)))


def filter_content_visible_groups(user: User, qs: QuerySet[Group] | None = None) -> QuerySet[Group]:
    """Groups whose content (posts, members, chat) the user may see: open ones and their own."""
    qs = Group.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    return qs.filter(Q(visibility=Group.Visibility.OPEN) | Q(id__in=member_group_ids(user)))


def content_visible_group_ids(user: User) -> QuerySet:
    """Subquery of group ids whose content the user may see, for filtering other models."""
    return filter_content_visible_groups(user).values("id")


def membership_of(user: User, group: Group) -> Membership | None:
    """The user's membership of `group`, or None. Cached on the group object per user."""
    if not _active(user):
        return None
    cache = getattr(group, "_membership_cache", None)
    if cache is None:
        cache = group._membership_cache = {}
    if user.pk not in cache:
        cache[user.pk] = Membership.objects.filter(group=group, user_id=user.pk).first()
    return cache[user.pk]


def forget_membership_cache(group: Group) -> None:
    """Drop the per-object membership cache after a service changed memberships."""
    group.__dict__.pop("_membership_cache", None)


def can_view_group(user: User, group: Group) -> bool:
    if not _active(user):
        return False
    return group.visibility != Group.Visibility.SECRET or membership_of(user, group) is not None


def can_view_group_content(user: User, group: Group) -> bool:
    if not _active(user):
        return False
    return group.visibility == Group.Visibility.OPEN or membership_of(user, group) is not None


def can_post_in_group(user: User, group: Group) -> bool:
    """Members write in a group that is not archived."""
    return not group.is_archived and membership_of(user, group) is not None


def can_manage_group(user: User, group: Group) -> bool:
    """Owners and admins approve requests, invite, remove, promote and edit."""
    membership = membership_of(user, group)
    return membership is not None and membership.is_admin and not group.is_archived


def is_group_owner(user: User, group: Group) -> bool:
    membership = membership_of(user, group)
    return membership is not None and membership.role == Membership.Role.OWNER


def can_create_group(user: User) -> bool:
    """Who may create groups is the admin-editable site policy (everyone, staff, or a permission)."""
    from socialco.policy import can_create_group as policy_allows_group_creation

    return _active(user) and policy_allows_group_creation(user)


def can_join_group(user: User, group: Group) -> bool:
    """Open groups are joined at once by anyone who is not already in them."""
    return (
        _active(user)
        and group.visibility == Group.Visibility.OPEN
        and not group.is_archived
        and membership_of(user, group) is None
    )


def can_request_to_join_group(user: User, group: Group) -> bool:
    """Private groups are joined by request (the caller checks there is no pending one yet)."""
    return (
        _active(user)
        and group.visibility == Group.Visibility.PRIVATE
        and not group.is_archived
        and membership_of(user, group) is None
    )


def can_leave_group(user: User, group: Group) -> bool:
    """Members may leave, except the last owner (who must transfer ownership first)."""
    membership = membership_of(user, group)
    if membership is None:
        return False
    if membership.role != Membership.Role.OWNER:
        return True
    return group.memberships.filter(role=Membership.Role.OWNER).exclude(pk=membership.pk).exists()


def can_archive_group(user: User, group: Group) -> bool:
    """Owners and admins archive and unarchive (unlike can_manage_group, also while archived)."""
    membership = membership_of(user, group)
    return membership is not None and membership.is_admin


def can_transfer_group_ownership(user: User, group: Group) -> bool:
    return is_group_owner(user, group) and not group.is_archived


def can_remove_group_member(user: User, group: Group, target: Membership) -> bool:
    """Owners remove anyone but themselves; admins remove plain members. Nobody removes an owner."""
    if not can_manage_group(user, group) or target.user_id == user.pk or target.group_id != group.pk:
        return False
    if target.role == Membership.Role.OWNER:
        return False
    return is_group_owner(user, group) or target.role == Membership.Role.MEMBER


def can_change_group_member_role(user: User, group: Group, target: Membership) -> bool:
    """Owners and admins promote members to admin and demote admins; an owner's role changes
    only by transferring ownership."""
    return (
        can_manage_group(user, group) and target.group_id == group.pk and target.role != Membership.Role.OWNER
    )


def filter_visible_invitations(user: User, qs: QuerySet[Invitation] | None = None) -> QuerySet[Invitation]:
    """Invitations the user may see: their own, to groups that are not archived.

    An invitation shows the group's name and description to the invitee even when the group is
    secret (that is how they learn of it); nobody else sees it through this gate. Group admins
    list their group's open invitations through `can_manage_group` instead.
    """
    qs = Invitation.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    return qs.filter(invitee_id=user.pk, group__is_archived=False)


def can_view_invitation(user: User, invitation: Invitation) -> bool:
    """The same rule as `filter_visible_invitations`, for one invitation (its group loaded)."""
    return _active(user) and invitation.invitee_id == user.pk and not invitation.group.is_archived


def check_view_group_permission(user: User, *, group_id: int | None = None, slug: str | None = None) -> Group:
    """Fetch a group the user may know of; a secret one they are not in raises Http404 like a missing one."""
    lookup = {"pk": group_id} if group_id is not None else {"slug": slug}
    group = filter_visible_groups(user).filter(**lookup).first()
    if group is None:
        raise Http404
    return group


def check_view_group_content_permission(
    user: User, *, group_id: int | None = None, slug: str | None = None
) -> Group:
    """Fetch a group whose content (posts, members, chat) the user may see.

    Raises Http404 when the user may not know the group exists (secret, missing), and
    PermissionDenied when they know it but may not see inside (private, not a member).
    """
    group = check_view_group_permission(user, group_id=group_id, slug=slug)
    if not can_view_group_content(user, group):
        raise PermissionDenied(_("Only members see inside this group."))
    return group


def check_manage_group_permission(user: User, group: Group) -> None:
    """Raise PermissionDenied unless the user may administer the group (owner or admin, not archived)."""
    if group.is_archived and can_archive_group(user, group):
        raise PermissionDenied(_("This group is archived: unarchive it first."))
    if not can_manage_group(user, group):
        raise PermissionDenied(_("Only the group's owners and admins may do this."))
