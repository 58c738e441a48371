"""Who may see, edit, follow and endorse whom. Every door (pages, API, search, feed) asks here.

- `filter_*` narrows a queryset, `can_*` answers a bool, `check_*` fetches and raises.
- Every active colleague is visible to every active colleague: the directory is company-wide.
- Deactivated people ("former employees") leave the directory, search, follower lists and the
  org chart's reports, but their profile page stays reachable from their past content, labelled
  and without contact details.
- Anything a viewer may not see answers like something missing: `check_*` raises Http404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

if TYPE_CHECKING:
    from profiles.models import User


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def filter_visible_people(viewer: User, qs: QuerySet[User] | None = None) -> QuerySet[User]:
    """People the viewer may find in the directory, search, lists and autocomplete: active ones."""
    from profiles.models import User

    qs = User.objects.all() if qs is None else qs
    if not _active(viewer):
        return qs.none()
    return qs.filter(is_active=True)


def filter_viewable_profiles(viewer: User, qs: QuerySet[User] | None = None) -> QuerySet[User]:
    """Profiles the viewer may open by id: every colleague, former employees included (labelled)."""
    from profiles.models import User

    qs = User.objects.all() if qs is None else qs
    return qs if _active(viewer) else qs.none()


def can_view_profile(viewer: User, person: User) -> bool:
    return _active(viewer)


def can_view_contact_details(viewer: User, person: User) -> bool:
    """Phone, e-mail and time zone: shown for current colleagues only."""
    return _active(viewer) and person.is_active


def check_view_profile_permission(viewer: User, *, person_id: int) -> User:
    """The person with `person_id` if the viewer may open their profile, else Http404."""
    person = (
        filter_viewable_profiles(viewer).select_related("department", "manager").filter(pk=person_id).first()
    )
    if person is None:
        raise Http404
    return person


def can_edit_profile(viewer: User, person: User) -> bool:
    """Only the person edits their own profile here; org fields are for admins in Django admin."""
    return _active(viewer) and viewer.pk == person.pk


def can_follow(viewer: User, person: User) -> bool:
    return _active(viewer) and person.is_active and viewer.pk != person.pk


def check_follow_permission(viewer: User, *, person_id: int) -> User:
    """An active colleague the viewer may (un)follow; missing or former employees raise Http404."""
    person = filter_visible_people(viewer).filter(pk=person_id).first()
    if person is None or person.pk == viewer.pk:
        raise Http404
    return person


def can_endorse(viewer: User, person: User) -> bool:
    """Colleagues vouch for each other's skills; nobody endorses themselves."""
    return _active(viewer) and person.is_active and viewer.pk != person.pk


def check_endorse_permission(viewer: User, *, person_id: int) -> User:
    """An active colleague other than the viewer, whose skills the viewer may endorse; else Http404."""
    person = filter_visible_people(viewer).filter(pk=person_id).first()
    if person is None or not can_endorse(viewer, person):
        raise Http404
    return person


def can_message(viewer: User, person: User) -> bool:
    """Whether a direct chat may be started (the view also needs the chat app installed)."""
    return _active(viewer) and person.is_active and viewer.pk != person.pk


def can_view_profile_text(viewer: User, person: User) -> bool:
    """The person's own words on their profile (bio, pronouns): hidden by moderation (held or
    hidden), they are shown only to the person and to HR moderators."""
    from moderation.selectors import can_see_moderated

    return can_see_moderated(viewer, person)
