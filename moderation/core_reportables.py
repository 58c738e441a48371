"""Reportable registrations for the content that exists before the content apps: profile texts
(profiles.User) and group descriptions (groups.Group).

Registered from ModerationConfig.ready(). Neither model has a `moderation_state` field, so their
state lives only in moderation's own table and selectors filter with
`moderation.selectors.filter_not_hidden` (a subquery). When profiles or groups own these
registrations in their own ready(), delete them here.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groups.models import Group
from groups.permissions import can_view_group
from moderation.models import Scope
from moderation.reportables import ItemContext, register_reportable
from notifications.core_targets import can_view_profile, group_url, profile_url
from profiles.models import User

# The profile fields that are free text written by the person (profiles may add more).
PROFILE_TEXT_FIELDS = ("display_name", "title", "bio", "about", "pronouns", "location")


def profile_text(person: User) -> str:
    return "\n".join(
        str(value) for name in PROFILE_TEXT_FIELDS if (value := getattr(person, name, "")) and str(value)
    )


def profile_place(person: User) -> str:
    return _("Profile of %(name)s") % {"name": person.display_name or person.email}


def profile_context(person: User) -> ItemContext:
    details = [
        (str(User._meta.get_field(name).verbose_name), str(getattr(person, name)))
        for name in PROFILE_TEXT_FIELDS
        if getattr(person, name, "")
    ]
    if person.department_id:
        details.append((_("Department"), person.department.name))
    return ItemContext(place=profile_place(person), details=details)


def group_text(group: Group) -> str:
    return f"{group.name}\n{group.description}".strip()


def group_place(group: Group) -> str:
    return _("Group %(name)s (%(visibility)s)") % {
        "name": group.name,
        "visibility": group.get_visibility_display().split(":")[0],
    }


def group_context(group: Group) -> ItemContext:
    return ItemContext(
        place=group_place(group),
        details=[
            (_("Name"), group.name),
            (_("Description"), group.description),
            (_("Visibility"), group.get_visibility_display()),
        ],
    )


def register() -> None:
    register_reportable(
        User,
        scope=Scope.PROFILES,
        label=gettext_lazy("profile"),
        can_view=can_view_profile,
        author_field="pk",
        text=profile_text,
        context=profile_context,
        place=profile_place,
        url=profile_url,
        queryset=lambda: User.objects.select_related("department"),
    )
    register_reportable(
        Group,
        scope=Scope.GROUPS,
        label=gettext_lazy("group"),
        can_view=can_view_group,
        author_field="creator",
        text=group_text,
        context=group_context,
        place=group_place,
        url=group_url,
        queryset=lambda: Group.objects.select_related("creator"),
    )
