"""Moderation fixtures: a known guidelines version, moderators, groups, rules."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group as AuthGroup

from groups.models import Group, Membership
from moderation import services
from moderation.models import GuidelineAcceptance, GuidelineVersion, Rule
from profiles.models import MODERATORS_GROUP
from tests.factories import UserFactory

BODY_V1 = """Intro paragraph.

## Be respectful

Disagree with ideas, not people.

## Protect confidential and customer data

Never post card numbers.

## Keep language professional

No swearing.
"""


def publish(
    *, body: str = BODY_V1, change: str = "major", summary: str = "", title: str = "Usage guidelines"
):
    draft = services.guideline_save_draft(
        version=GuidelineVersion(title=title, body=body, change=change, change_summary=summary)
    )
    return services.guideline_publish(version=draft, actor=None)


@pytest.fixture
def guidelines(db):
    """Exactly one published version, 1.0, whatever the migrations left in the database."""
    GuidelineAcceptance.objects.all().delete()
    GuidelineVersion.objects.all().delete()
    Rule.objects.all().delete()
    return publish(summary="First version.")


def make_moderator(**kwargs):
    user = UserFactory(**kwargs)
    group, _ = AuthGroup.objects.get_or_create(name=MODERATORS_GROUP)
    user.groups.add(group)
    return user


@pytest.fixture
def moderator(guidelines):
    return make_moderator(display_name="Mona Moderator")


@pytest.fixture
def moderator2(guidelines):
    return make_moderator(display_name="Otto Othermod")


def make_group(*, visibility: str = "open", owner=None, members=(), description: str = "") -> Group:
    owner = owner or UserFactory()
    count = Group.objects.count()
    group = Group.objects.create(
        name=f"Group {count}",
        slug=f"mod-group-{count}",
        visibility=visibility,
        creator=owner,
        description=description,
    )
    Membership.objects.create(group=group, user=owner, role=Membership.Role.OWNER)
    for member in members:
        Membership.objects.create(group=group, user=member, role=Membership.Role.MEMBER)
    return group


def make_rule(**fields) -> Rule:
    values = {
        "name": "Rule",
        "kind": Rule.Kind.WORDS,
        "terms": "badword",
        "whole_word": True,
        "scopes": ["posts", "comments", "answers", "chat", "profiles", "groups"],
        "section": "be-respectful",
        "explanation": "Please be kind.",
        "action": "warn",
        "is_enabled": True,
    }
    values.update(fields)
    return services.rule_save(rule=Rule(**values), actor=None)
