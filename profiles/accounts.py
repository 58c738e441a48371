"""Account-level actions admins take: deactivate, reactivate, HR moderator membership.

Deactivation keeps every row the person wrote (apps label it "former employee" from
`is_active`); it ends their login sessions and closes their open sockets at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from profiles.models import MODERATORS_GROUP, User
from socialco.realtime import close_group_sockets, user_group


def sessions_end(*, user_ids: Iterable[int]) -> int:
    """Delete every stored login session of these users (database and cache); return how many.

    Sessions are found by decoding the unexpired ones: one pass over the session table,
    fine for an admin action. (Even without this, an inactive user's session stops
    authenticating: Django's ModelBackend refuses inactive users on every request.)
    """
    wanted = {str(pk) for pk in user_ids}
    if not wanted:
        return 0
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=1000)
        if str(session.get_decoded().get(SESSION_KEY)) in wanted
    ]
    for key in keys:
        store(session_key=key).delete()
    return len(keys)


@transaction.atomic
def accounts_deactivate(*, users: Iterable[User], actor: User | None) -> list[User]:
    """Deactivate `users` (never the actor themself); end their sessions and sockets.

    Returns the users actually deactivated (already inactive ones and the actor are skipped).
    Sockets close after the transaction commits.
    """
    targets = [u for u in users if u.is_active and (actor is None or u.pk != actor.pk)]
    if not targets:
        return []
    ids = [u.pk for u in targets]
    User.objects.filter(pk__in=ids).update(is_active=False)
    for user in targets:
        user.is_active = False
    sessions_end(user_ids=ids)
    for pk in ids:
        transaction.on_commit(lambda pk=pk: close_group_sockets(user_group(pk)))
    return targets


@transaction.atomic
def accounts_reactivate(*, users: Iterable[User]) -> list[User]:
    """Let these people log in again; returns those that were inactive."""
    targets = [u for u in users if not u.is_active]
    User.objects.filter(pk__in=[u.pk for u in targets]).update(is_active=True)
    for user in targets:
        user.is_active = True
    return targets


def moderators_group() -> Group:
    """The HR moderators auth group (created by a migration; recreated if someone deleted it)."""
    group, _created = Group.objects.get_or_create(name=MODERATORS_GROUP)
    return group


def moderators_add(*, users: Iterable[User]) -> None:
    moderators_group().user_set.add(*users)


def moderators_remove(*, users: Iterable[User]) -> None:
    moderators_group().user_set.remove(*users)
