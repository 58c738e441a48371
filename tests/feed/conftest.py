"""Feed-only fixtures: groups of each visibility with a member, images, generous rate limits."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from groups.models import Group, Membership
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _no_rate_limits(request):
    """Tests create many posts per author: no limits unless a test sets them (set_site_policy)."""
    if request.node.get_closest_marker("django_db") is not None or "db" in request.fixturenames:
        request.getfixturevalue("set_site_policy")(rate_limit_posts="", rate_limit_comments="")


def make_group(visibility: str, *members, slug: str | None = None, archived: bool = False) -> Group:
    group = Group.objects.create(
        name=f"{visibility.title()} group",
        slug=slug or f"{visibility}-group",
        visibility=visibility,
        is_archived=archived,
    )
    for index, member in enumerate(members):
        Membership.objects.create(
            group=group, user=member, role=Membership.Role.OWNER if index == 0 else Membership.Role.MEMBER
        )
    return group


def image_upload(
    name: str = "photo.png", size: tuple[int, int] = (40, 30), fmt: str = "PNG"
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, format=fmt)
    content_type = {"PNG": "image/png", "JPEG": "image/jpeg"}[fmt]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


@pytest.fixture
def member(db):
    return UserFactory(display_name="Mia Member")


@pytest.fixture
def outsider(db):
    return UserFactory(display_name="Otto Outsider")


@pytest.fixture
def groups(member):
    """One group per visibility, each with `member` as its owner."""
    return {v: make_group(v, member) for v in ("open", "private", "secret")}


def without_csrf(content: bytes) -> bytes:
    """A page body with its per-response CSRF tokens blanked, to compare two answers."""
    import re

    content = re.sub(rb'"X-CSRFToken": "[^"]+"', b'"X-CSRFToken": ""', content)
    return re.sub(
        rb'name="csrfmiddlewaretoken" value="[^"]+"', b'name="csrfmiddlewaretoken" value=""', content
    )
