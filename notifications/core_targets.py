"""Target types for the apps that predate notifications: people (profiles.User), groups and
group invitations.

Registered from NotificationsConfig.ready(). The gate is each app's own: anyone signed in may
see a colleague's profile; a group is gated by groups.permissions (a secret group exists only
for its members); an invitation by groups.permissions too (only the invitee sees it, which is
how an invitation to a secret group reaches the invitee and nobody else). Profiles and groups
cannot register themselves: notifications imports them, so they must not import notifications.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse

from groups.models import Group, Invitation
from groups.permissions import (
    can_view_group,
    can_view_invitation,
    filter_visible_groups,
    filter_visible_invitations,
)
from notifications.targets import register_target
from profiles.models import User


def _first_url(obj, candidates: list[tuple[str, dict]]) -> str:
    """The object's own URL if its model defines one, else the first route that exists."""
    if hasattr(obj, "get_absolute_url"):
        return obj.get_absolute_url()
    for name, kwargs in candidates:
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return reverse("notifications:list")


def can_view_profile(viewer: User, person: User) -> bool:
    """Every signed-in, active colleague sees every profile."""
    return bool(viewer.is_authenticated and viewer.is_active)


def filter_visible_profiles(viewer: User, qs: QuerySet[User]) -> QuerySet[User]:
    return qs if viewer.is_authenticated and viewer.is_active else qs.none()


def profile_url(person: User) -> str:
    return _first_url(
        person,
        [
            ("profiles:detail", {"pk": person.pk}),
            ("profiles:profile", {"pk": person.pk}),
            ("profiles:directory", {}),
        ],
    )


def group_url(group: Group) -> str:
    return _first_url(
        group,
        [("groups:detail", {"slug": group.slug}), ("groups:directory", {})],
    )


def invitation_url(invitation: Invitation) -> str:
    """The invitee's invitations inbox, where they accept or decline."""
    return reverse("groups:invitations")


def describe_invitation(invitation: Invitation) -> str:
    return invitation.group.name


def describe_profile(person: User) -> str:
    return person.display_name or person.email


def describe_group(group: Group) -> str:
    return group.name


def register() -> None:
    register_target(
        User,
        can_view=can_view_profile,
        filter_visible=filter_visible_profiles,
        url=profile_url,
        describe=describe_profile,
    )
    register_target(
        Group,
        can_view=can_view_group,
        filter_visible=filter_visible_groups,
        url=group_url,
        describe=describe_group,
    )
    register_target(
        Invitation,
        can_view=can_view_invitation,
        filter_visible=filter_visible_invitations,
        url=invitation_url,
        describe=describe_invitation,
        queryset=lambda: Invitation.objects.select_related("group"),
    )
