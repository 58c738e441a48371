"""The visibility gate for groups: every door (page, API, socket, search, feed, notification)
asks these functions, and later apps build theirs on them.

- `filter_*` narrows a queryset, `can_*` answers a bool, `check_*` raises.
- A secret group answers exactly like a group that does not exist: `check_*` raises Http404.
- Moderators and admins see no secret content by virtue of their role alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from groups.models import Group, Membership

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
    if not _active(user):
        return None
    cache = getattr(group, "_membership_cache", None)
    if cache is None:
        cache = group._membership_cache = {}
    if user.pk not in cache:
        cache[user.pk] = Membership.objects.filter(group=group, user_id=user.pk).first()
    return cache[user.pk]


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


def check_view_group_permission(user: User, *, group_id: int | None = None, slug: str | None = None) -> Group:
    """Fetch a group the user may know of; a secret one they are not in raises Http404 like a missing one."""
    lookup = {"pk": group_id} if group_id is not None else {"slug": slug}
    group = filter_visible_groups(user).filter(**lookup).first()
    if group is None:
        raise Http404
    return group
