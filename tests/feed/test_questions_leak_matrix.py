"""The leak matrix for questions: every door to a question, its answers or news of it, for an
outsider and a member of an open, a private and a secret group. A member sees everything; an
outsider sees an open group's question and nothing of a private or secret group's, and a
refused id answers exactly like a missing one (same status, same body)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from feed.questions.services import answer_create, question_create
from notifications.models import Notification
from tests.factories import UserFactory, make_person
from tests.feed.conftest import make_group
from tests.feed.test_leak_matrix import MISSING, VISIBILITIES, Door, _api, _expected, _page

MARKER = "QLEAKMARKER"
HTMX = {"HTTP_HX_REQUEST": "true"}


class World:
    def __init__(self, visibility: str) -> None:
        self.member = UserFactory()
        self.outsider = make_person(skills=["Leaktopic"])
        self.helper = UserFactory()
        self.group = make_group(visibility, self.member, self.helper, slug="the-group")
        self.post = question_create(
            author=self.member,
            title=f"{MARKER} zebra question",
            body=f"{MARKER} body",
            tags="leaktopic",
            group=self.group,
        )
        self.answer = answer_create(question_post=self.post, author=self.helper, body=f"{MARKER} answer")


DOORS = [
    Door("question page", _page("/questions/{id}/")),
    Door("feed post page", _page("/feed/posts/{id}/")),
    Door("api question", _api("/api/v1/questions/{id}/")),
    Door("api answers", _api("/api/v1/questions/{id}/answers/")),
    Door("answer it", _api("/api/v1/questions/{id}/answers/", "post", {"body": "hi"})),
    Door("vote", _api("/api/v1/questions/answers/{id}/vote/", "post")),
    Door("vote page", _page("/questions/answers/{id}/vote/")),
    Door("accept", _api("/api/v1/questions/answers/{id}/accept/", "post")),
]
LISTINGS = [
    ("questions list", "/questions/"),
    ("questions by tag", "/questions/?tag=leaktopic"),
    ("suggestions", "/questions/similar/?q=zebra+question"),
    ("api list", "/api/v1/questions/"),
    ("api similar", "/api/v1/questions/similar/?q=zebra"),
    ("company feed", "/feed/company/"),
]


def _target(door: Door, world: World) -> int:
    return world.answer.pk if "vote" in door.name or door.name == "accept" else world.post.pk


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("viewer", ["outsider", "member"])
@pytest.mark.parametrize("door", DOORS, ids=lambda d: d.name)
def test_question_door(client, visibility, viewer, door):
    world = World(visibility)
    person = getattr(world, viewer)
    client.force_login(person)
    client.viewer = person
    if door.name == "vote page":
        status = client.post(f"/questions/answers/{world.answer.pk}/vote/").status_code
        missing = client.post(f"/questions/answers/{MISSING}/vote/")
        if _expected(visibility, viewer):
            assert status == 302
        else:
            assert status == missing.status_code == 404
        return
    status, body = door.fetch(client, world, _target(door, world))
    if door.name == "answer it" and viewer == "outsider" and visibility == "open":
        assert status == 403  # sees it, but only members answer in a group
        return
    if door.name == "accept" and viewer == "outsider" and visibility == "open":
        assert status == 403  # sees it, but only the asker accepts
        return
    if _expected(visibility, viewer):
        assert status in (200, 201), (door.name, status)
    else:
        missing_status, missing_body = door.fetch(client, world, MISSING)
        assert status == missing_status == 404, (door.name, status)
        assert body == missing_body, door.name


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("viewer", ["outsider", "member"])
@pytest.mark.parametrize(("listing", "url"), LISTINGS, ids=[name for name, _ in LISTINGS])
def test_question_listing(client, visibility, viewer, listing, url):
    world = World(visibility)
    person = getattr(world, viewer)
    if listing.startswith("api"):
        api = APIClient()
        api.force_authenticate(person)
        response = api.get(url)
    else:
        client.force_login(person)
        response = client.get(url)
    assert response.status_code == 200
    assert (MARKER in response.content.decode()) is _expected(visibility, viewer), listing


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_expert_request_only_to_those_who_may_see(visibility):
    """The outsider lists the question's tag as a skill: asked only when they may see it."""
    world = World(visibility)
    asked = Notification.objects.filter(recipient=world.outsider, kind="expert_request").exists()
    assert asked is (visibility == "open")


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_people_who_may_know_never_lists_someone_who_cannot_see(client, visibility):
    world = World(visibility)
    client.force_login(world.member)
    text = client.get(f"/questions/{world.post.pk}/").content.decode()
    assert (world.outsider.display_name in text) is (visibility == "open")


@pytest.mark.django_db
def test_hidden_answer_absent_for_others_present_for_its_author(client):
    from feed.questions.models import Answer

    world = World("open")
    Answer.objects.filter(pk=world.answer.pk).update(moderation_state="hidden")  # as moderation writes it
    api = APIClient()
    api.force_authenticate(world.member)
    assert api.get(f"/api/v1/questions/{world.post.pk}/answers/").json() == []
    assert api.post(f"/api/v1/questions/answers/{world.answer.pk}/vote/").status_code == 404
    client.force_login(world.member)
    assert f"{MARKER} answer" not in client.get(f"/questions/{world.post.pk}/").content.decode()
    client.force_login(world.helper)
    assert f"{MARKER} answer" in client.get(f"/questions/{world.post.pk}/").content.decode()
