"""A hidden profile text or group description is gone from the profile and group pages, the
directory (and its search) and the API for everyone but its author and moderators."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from moderation import services as moderation
from moderation.models import ModerationItem
from profiles.services import profile_update
from tests.factories import UserFactory
from tests.moderation.conftest import make_group, make_moderator

pytestmark = pytest.mark.django_db

BIO = "Ask me about zymurgyhiddenbio anytime"
DESCRIPTION = "We talk about quixoticdescription here"


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _hide(target, *, reporter, moderator) -> None:
    moderation.report_create(reporter=reporter, target=target, section="be-respectful")
    item = ModerationItem.objects.get(object_id=target.pk, content_type__model=target._meta.model_name)
    moderation.item_hide(item=item, moderator=moderator, reason="Not OK.", section="be-respectful")


@pytest.fixture
def cast(guidelines):
    return {
        "author": UserFactory(display_name="Pia Profile"),
        "other": UserFactory(display_name="Oli Other"),
        "moderator": make_moderator(display_name="Max Moderator"),
    }


def test_hidden_profile_text_only_for_the_person_and_moderators(cast):
    author, other, moderator = cast["author"], cast["other"], cast["moderator"]
    profile_update(user=author, bio=BIO, pronouns="they/them")
    assert "zymurgyhiddenbio" in _web(other).get(f"/people/{author.pk}/").content.decode()
    _hide(author, reporter=other, moderator=moderator)
    for viewer, sees in ((author, True), (moderator, True), (other, False)):
        page = _web(viewer).get(f"/people/{author.pk}/")
        assert page.status_code == 200  # the person is still there; their words are not
        assert ("zymurgyhiddenbio" in page.content.decode()) is sees
        api = _api(viewer).get(f"/api/v1/people/{author.pk}/").json()
        assert ("zymurgyhiddenbio" in api["bio_html"]) is sees
        assert (api["pronouns"] == "they/them") is sees
    assert "A moderator has hidden this text." in _web(other).get(f"/people/{author.pk}/").content.decode()


def test_hidden_group_description_only_for_its_creator_and_moderators(cast):
    author, other, moderator = cast["author"], cast["other"], cast["moderator"]
    group = make_group(visibility="open", owner=author, members=[other, moderator], description=DESCRIPTION)
    from groups.services import group_update

    group = group_update(actor=author, group=group, description=DESCRIPTION)
    assert "quixoticdescription" in _web(other).get(f"/groups/{group.slug}/").content.decode()
    _hide(group, reporter=other, moderator=moderator)
    for viewer, sees in ((author, True), (moderator, True), (other, False)):
        page = _web(viewer).get(f"/groups/{group.slug}/")
        assert page.status_code == 200
        assert ("quixoticdescription" in page.content.decode()) is sees
        directory = _web(viewer).get("/groups/").content.decode()
        assert ("quixoticdescription" in directory) is sees
        search = _web(viewer).get("/groups/?q=quixoticdescription").content.decode()
        assert (group.name in search) is sees  # its hidden words do not find it
        api = _api(viewer).get(f"/api/v1/groups/{group.pk}/").json()
        assert ("quixoticdescription" in api["description"]) is sees
        listed = _api(viewer).get("/api/v1/groups/?q=quixoticdescription").content.decode()
        assert ("quixoticdescription" in listed) is sees
