"""Screening wired into profile texts and group texts (docs/moderation.md steps 4 and 5): every
rule action on a profile's bio, pronouns and skills and on a group's name and description,
created and edited, through the page and the API.

- block: refused with the explanation and the guideline link; nothing written; the text kept;
- hold: the bio or description is saved but shown only to its author and moderators; queued.
  A name, pronouns or a skill cannot be kept out of view, so a hold rule refuses them;
- warn: refused until the author confirms ("Save anyway" / "confirm_warnings"); then saved and
  flagged for review.
"""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from groups.models import Group
from moderation.models import ModerationItem, ModerationState
from profiles.models import Skill, User
from tests.factories import UserFactory
from tests.moderation.conftest import make_group, make_moderator, make_rule

pytestmark = pytest.mark.django_db

TRIGGER = "frobnicate"
EXPLANATION = "Frobnicating is against our rules."
BIO = f"I love to {TRIGGER} spreadsheets."
DESCRIPTION = f"Here we {TRIGGER} the roadmap."


@pytest.fixture(autouse=True)
def _no_rate_limits(set_site_policy):
    set_site_policy(rate_limit_posts="", rate_limit_comments="")


@pytest.fixture
def cast(guidelines):
    return {
        "author": UserFactory(display_name="Pia Profile"),
        "other": UserFactory(display_name="Oli Other"),
        "moderator": make_moderator(display_name="Max Moderator"),
    }


def _rule(action: str, scope: str):
    return make_rule(terms=TRIGGER, action=action, scopes=[scope], explanation=EXPLANATION)


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _item(target) -> ModerationItem | None:
    return ModerationItem.objects.filter(
        object_id=target.pk, content_type__model=target._meta.model_name
    ).first()


# --- Profiles -------------------------------------------------------------------------------


def test_profile_block_refused_on_page_with_text_kept(cast):
    _rule("block", "profiles")
    author = cast["author"]
    response = _web(author).post("/people/me/edit/", {"bio": BIO, "pronouns": "they/them"})
    html = response.content.decode()
    assert EXPLANATION in html
    assert BIO in html  # the text is kept in the form
    assert "/guidelines/#be-respectful" in html
    author.refresh_from_db()
    assert author.bio == ""
    assert author.pronouns == ""


def test_profile_block_refused_by_api(cast):
    _rule("block", "profiles")
    author = cast["author"]
    response = _api(author).patch("/api/v1/me/", {"bio": BIO}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "content_blocked"
    assert body["screening"]["action"] == "block"
    assert body["screening"]["needs_confirmation"] is False
    assert EXPLANATION in body["detail"]
    author.refresh_from_db()
    assert author.bio == ""


def test_profile_skill_and_pronouns_blocked(cast):
    _rule("block", "profiles")
    author = cast["author"]
    response = _api(author).patch("/api/v1/me/", {"skills": ["Python", TRIGGER]}, format="json")
    assert response.status_code == 400
    assert not Skill.objects.filter(name__iexact=TRIGGER).exists()
    response = _web(author).post("/people/me/edit/", {"pronouns": TRIGGER})
    assert EXPLANATION in response.content.decode()
    author.refresh_from_db()
    assert author.pronouns == ""


def test_profile_warn_needs_confirmation_on_page_then_saves_flagged(cast):
    _rule("warn", "profiles")
    author = cast["author"]
    client = _web(author)
    response = client.post("/people/me/edit/", {"bio": BIO})
    html = response.content.decode()
    assert EXPLANATION in html
    assert "Save anyway" in html
    assert BIO in html
    author.refresh_from_db()
    assert author.bio == ""
    response = client.post("/people/me/edit/", {"bio": BIO, "moderation_confirmed": "1"})
    assert response.status_code == 302
    author.refresh_from_db()
    assert author.bio == BIO
    item = _item(author)
    assert item is not None
    assert item.state == ModerationState.VISIBLE
    assert item.flags
    # Visible to others: a confirmed warning is published, only flagged.
    assert TRIGGER in _web(cast["other"]).get(f"/people/{author.pk}/").content.decode()


def test_profile_warn_by_api_needs_confirm_warnings(cast):
    _rule("warn", "profiles")
    author = cast["author"]
    response = _api(author).patch("/api/v1/me/", {"bio": BIO}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "confirmation_required"
    assert response.json()["screening"]["needs_confirmation"] is True
    response = _api(author).patch("/api/v1/me/", {"bio": BIO, "confirm_warnings": True}, format="json")
    assert response.status_code == 200
    author.refresh_from_db()
    assert author.bio == BIO
    assert _item(author).flags


def test_profile_unchanged_text_is_not_screened_again(cast):
    author = cast["author"]
    _api(author).patch("/api/v1/me/", {"bio": BIO}, format="json")
    _rule("block", "profiles")  # a rule written later does not lock the person out of editing
    response = _web(author).post("/people/me/edit/", {"bio": BIO, "phone": "ext 123"})
    assert response.status_code == 302
    response = _api(author).patch("/api/v1/me/", {"bio": BIO, "phone": "ext 124"}, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize("door", ["page", "api"])
def test_profile_hold_saves_and_shows_only_to_author_and_moderators(cast, door):
    _rule("hold", "profiles")
    author, other, moderator = cast["author"], cast["other"], cast["moderator"]
    if door == "page":
        assert _web(author).post("/people/me/edit/", {"bio": BIO}).status_code == 302
    else:
        assert _api(author).patch("/api/v1/me/", {"bio": BIO}, format="json").status_code == 200
    author.refresh_from_db()
    assert author.bio == BIO
    assert _item(author).state == ModerationState.HELD
    for viewer, sees in ((author, True), (moderator, True), (other, False)):
        page = _web(viewer).get(f"/people/{author.pk}/").content.decode()
        assert (TRIGGER in page) is sees
        api = _api(viewer).get(f"/api/v1/people/{author.pk}/").json()
        assert (TRIGGER in api["bio_html"]) is sees
    assert "waiting for a moderator" in _web(other).get(f"/people/{author.pk}/").content.decode()
    assert "Waiting for review" in _web(author).get(f"/people/{author.pk}/").content.decode()


def test_profile_hold_refuses_pronouns_and_skills(cast):
    _rule("hold", "profiles")
    author = cast["author"]
    response = _api(author).patch("/api/v1/me/", {"pronouns": TRIGGER}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "content_blocked"
    assert response.json()["screening"]["action"] == "hold"
    response = _web(author).post("/people/me/edit/", {"skills": f"Python, {TRIGGER}"})
    assert EXPLANATION in response.content.decode()
    assert not User.objects.get(pk=author.pk).skills.exists()


def test_profile_edit_page_has_live_screening(cast):
    html = _web(cast["author"]).get("/people/me/edit/").content.decode()
    assert 'data-screen-scope="profiles"' in html
    assert 'href="/guidelines/"' in html


# --- Groups ---------------------------------------------------------------------------------


def _create_page(user, **fields):
    data = {"name": "Roadmap club", "description": "", "visibility": "open", **fields}
    return _web(user).post("/groups/new/", data)


def test_group_create_block_on_page_keeps_text(cast):
    _rule("block", "groups")
    response = _create_page(cast["author"], description=DESCRIPTION)
    assert response.status_code == 400
    html = response.content.decode()
    assert EXPLANATION in html
    assert DESCRIPTION in html
    assert "Roadmap club" in html
    assert not Group.objects.filter(name="Roadmap club").exists()


def test_group_create_block_by_api(cast):
    _rule("block", "groups")
    response = _api(cast["author"]).post(
        "/api/v1/groups/", {"name": f"The {TRIGGER} club", "visibility": "open"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "content_blocked"
    assert body["screening"]["action"] == "block"
    assert not Group.objects.filter(name__icontains=TRIGGER).exists()


def test_group_create_warn_needs_confirmation_page_and_api(cast):
    _rule("warn", "groups")
    response = _create_page(cast["author"], description=DESCRIPTION)
    assert response.status_code == 400
    assert "Save anyway" in response.content.decode()
    assert not Group.objects.filter(name="Roadmap club").exists()
    response = _create_page(cast["author"], description=DESCRIPTION, moderation_confirmed="1")
    assert response.status_code == 302
    group = Group.objects.get(name="Roadmap club")
    assert _item(group).flags
    assert _item(group).state == ModerationState.VISIBLE

    api = _api(cast["author"])
    data = {"name": "API club", "description": DESCRIPTION, "visibility": "open"}
    response = api.post("/api/v1/groups/", data, format="json")
    assert response.status_code == 400
    assert response.json()["screening"]["needs_confirmation"] is True
    response = api.post("/api/v1/groups/", {**data, "confirm_warnings": True}, format="json")
    assert response.status_code == 201


def test_group_hold_refuses_a_name(cast):
    _rule("hold", "groups")
    response = _create_page(cast["author"], name=f"The {TRIGGER} club")
    assert response.status_code == 400
    assert EXPLANATION in response.content.decode()
    assert not Group.objects.filter(name__icontains=TRIGGER).exists()


@pytest.mark.parametrize("door", ["create-page", "create-api", "edit-page", "edit-api"])
def test_group_held_description_only_for_creator_and_moderators(cast, door):
    author, other, moderator = cast["author"], cast["other"], cast["moderator"]
    _rule("hold", "groups")
    if door == "create-page":
        assert _create_page(author, description=DESCRIPTION).status_code == 302
        group = Group.objects.get(name="Roadmap club")
    elif door == "create-api":
        data = {"name": "Roadmap club", "description": DESCRIPTION, "visibility": "open"}
        response = _api(author).post("/api/v1/groups/", data, format="json")
        assert response.status_code == 201
        group = Group.objects.get(pk=response.json()["id"])
    else:
        group = make_group(owner=author)
        if door == "edit-page":
            data = {"name": group.name, "slug": group.slug, "description": DESCRIPTION, "visibility": "open"}
            assert _web(author).post(f"/groups/{group.slug}/settings/", data).status_code == 302
        else:
            response = _api(author).patch(
                f"/api/v1/groups/{group.pk}/", {"description": DESCRIPTION}, format="json"
            )
            assert response.status_code == 200
    from groups.services import group_join

    for member in (other, moderator):
        group_join(actor=member, group=group)
    group.refresh_from_db()
    assert group.description == DESCRIPTION
    assert _item(group).state == ModerationState.HELD
    for viewer, sees in ((author, True), (moderator, True), (other, False)):
        page = _web(viewer).get(f"/groups/{group.slug}/").content.decode()
        assert (TRIGGER in page) is sees
        api = _api(viewer).get(f"/api/v1/groups/{group.pk}/").json()
        assert (TRIGGER in api["description"]) is sees
    assert "Waiting for review" in _web(author).get(f"/groups/{group.slug}/").content.decode()


def test_group_edit_block_and_warn_page_and_api(cast):
    author = cast["author"]
    group = make_group(owner=author, description="Plain words.")
    rule = _rule("block", "groups")
    data = {"name": group.name, "slug": group.slug, "description": DESCRIPTION, "visibility": "open"}
    response = _web(author).post(f"/groups/{group.slug}/settings/", data)
    assert response.status_code == 400
    assert EXPLANATION in response.content.decode()
    assert DESCRIPTION in response.content.decode()
    response = _api(author).patch(f"/api/v1/groups/{group.pk}/", {"description": DESCRIPTION}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "content_blocked"
    group.refresh_from_db()
    assert group.description == "Plain words."

    rule.action = "warn"
    rule.save()
    response = _api(author).patch(f"/api/v1/groups/{group.pk}/", {"description": DESCRIPTION}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "confirmation_required"
    response = _web(author).post(f"/groups/{group.slug}/settings/", {**data, "moderation_confirmed": "1"})
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.description == DESCRIPTION


def test_group_forms_have_live_screening(cast):
    group = make_group(owner=cast["author"])
    for url in ("/groups/new/", f"/groups/{group.slug}/settings/"):
        html = _web(cast["author"]).get(url).content.decode()
        assert 'data-screen-scope="groups"' in html
        assert 'href="/guidelines/"' in html


def test_hidden_or_held_profile_pronouns_left_out_of_the_directory(cast):
    author, other, moderator = cast["author"], cast["other"], cast["moderator"]
    _api(author).patch("/api/v1/me/", {"pronouns": "xe/xem"}, format="json")
    _rule("hold", "profiles")
    assert _api(author).patch("/api/v1/me/", {"bio": BIO}, format="json").status_code == 200
    for viewer, sees in ((author, True), (moderator, True), (other, False)):
        page = _web(viewer).get("/people/?q=Pia").content.decode()
        assert ("xe/xem" in page) is sees
        listed = _api(viewer).get("/api/v1/people/?q=Pia").json()["results"]
        assert [p["pronouns"] for p in listed] == ["xe/xem" if sees else ""]


def test_group_held_description_left_out_of_the_invitees_inbox(cast):
    """An invitation shows the group's description; a held one only to its creator and moderators."""
    from groups.services import invitation_create

    author, other, moderator = cast["author"], cast["other"], cast["moderator"]
    _rule("hold", "groups")
    assert _create_page(author, description=DESCRIPTION, visibility="private").status_code == 302
    group = Group.objects.get(name="Roadmap club")
    assert _item(group).state == ModerationState.HELD
    for invitee, sees in ((other, False), (moderator, True)):
        invitation_create(actor=author, group=group, invitee=invitee)
        page = _web(invitee).get("/groups/invitations/").content.decode()
        assert "Roadmap club" in page
        assert (TRIGGER in page) is sees
        [listed] = _api(invitee).get("/api/v1/groups/invitations/").json()["results"]
        assert listed["group"]["name"] == "Roadmap club"
        assert (TRIGGER in listed["group"]["description_html"]) is sees
