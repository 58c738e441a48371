"""Real targets for notification tests: people (profiles.User) and groups.Group."""

from __future__ import annotations

import pytest

from groups.models import Group, Membership
from tests.factories import UserFactory


def make_group(
    *, visibility: str = "open", owner=None, admins=(), members=(), name: str | None = None
) -> Group:
    owner = owner or UserFactory()
    count = Group.objects.count()
    group = Group.objects.create(
        name=name or f"Group {count}",
        slug=f"group-{count}-{visibility}",
        visibility=visibility,
        creator=owner,
    )
    Membership.objects.create(group=group, user=owner, role=Membership.Role.OWNER)
    for admin in admins:
        Membership.objects.create(group=group, user=admin, role=Membership.Role.ADMIN)
    for member in members:
        Membership.objects.create(group=group, user=member, role=Membership.Role.MEMBER)
    return group


@pytest.fixture
def group_factory(db):
    return make_group
