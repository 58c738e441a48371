"""The group leak matrix for the feed's doors: every way to reach a post, its comments, its
images or news of it, for an outsider and a member of an open, a private and a secret group.

A member sees everything; an outsider sees an open group's posts and nothing of a private or
secret group's, and a hidden post answers exactly like a missing one (same status, same body).
When groups/tests/test_leak_matrix.py lands in main, these doors join its registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from asgiref.sync import sync_to_async
from rest_framework.test import APIClient

from feed.services import comment_create, post_create, reaction_set
from tests import sockets as ws
from tests.factories import UserFactory
from tests.feed.conftest import image_upload, make_group, without_csrf

VISIBILITIES = ("open", "private", "secret")
MISSING = 987654
MARKER = "LEAKMARKER"


@dataclass
class World:
    member: object
    outsider: object
    group: object
    post: object
    comment: object
    image: object


def _world(visibility: str) -> World:
    member = UserFactory(email="member@example.com")
    outsider = UserFactory()
    group = make_group(visibility, member, slug="the-group")
    post = post_create(author=member, body=f"{MARKER} #leaktag", group=group, images=[image_upload()])
    comment = comment_create(post=post, author=member, body=f"{MARKER} comment")
    reaction_set(user=member, kind="like", post=post)
    return World(member, outsider, group, post, comment, post.images.get())


@dataclass(frozen=True)
class Door:
    """One way in. `fetch(client, world, target_id)` returns (status, body); for doors that
    take an id, a refused viewer must get exactly what a missing id gets."""

    name: str
    fetch: Callable
    by_id: bool = True


def _page(url: str, **headers):
    def fetch(client, world, target_id):
        response = client.get(url.format(id=target_id, world=world), **headers)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, without_csrf(body)

    return fetch


def _api(url: str, method: str = "get", data=None):
    def fetch(client, world, target_id):
        api = APIClient()
        api.force_authenticate(client.viewer)
        response = getattr(api, method)(url.format(id=target_id, world=world), data, format="json")
        return response.status_code, response.content

    return fetch


HTMX = {"HTTP_HX_REQUEST": "true"}

DOORS = [
    Door("post page", _page("/feed/posts/{id}/")),
    Door("post history", _page("/feed/posts/{id}/history/")),
    Door("who reacted", _page("/feed/posts/{id}/reactions/", **HTMX)),
    Door("post image", _page("/feed/images/{id}/small/")),
    Door("comment partial", _page("/feed/comments/{id}/", **HTMX)),
    Door("comment history", _page("/feed/comments/{id}/history/")),
    Door("api post", _api("/api/v1/posts/{id}/")),
    Door("api history", _api("/api/v1/posts/{id}/history/")),
    Door("api comments", _api("/api/v1/posts/{id}/comments/")),
    Door("api reactions", _api("/api/v1/posts/{id}/reactions/")),
    Door("api comment", _api("/api/v1/comments/{id}/")),
    Door("api comment reactions", _api("/api/v1/comments/{id}/reactions/")),
    Door("react", _api("/api/v1/posts/{id}/reactions/", "put", {"kind": "like"})),
    Door("comment on it", _api("/api/v1/posts/{id}/comments/", "post", {"body": "hi"})),
]
LISTINGS = [
    ("company feed", "/feed/company/"),
    ("home feed", "/feed/"),
    ("tag page", "/feed/tags/leaktag/"),
    ("person feed", "/feed/people/{world.member.pk}/"),
    ("api company feed", "/api/v1/posts/?feed=company"),
    ("api person feed", "/api/v1/posts/?feed=person&author={world.member.pk}"),
    ("api tag feed", "/api/v1/posts/?feed=tag&tag=leaktag"),
]


def _target(door: Door, world: World) -> int:
    if door.name == "post image":
        return world.image.pk
    if door.name == "comment on it":  # comments on the post itself
        return world.post.pk
    if door.name.startswith(("comment", "api comment")) and "comments" not in door.name:
        return world.comment.pk
    return world.post.pk


def _expected(visibility: str, viewer: str) -> bool:
    return viewer == "member" or visibility == "open"


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("viewer", ["outsider", "member"])
@pytest.mark.parametrize("door", DOORS, ids=lambda d: d.name)
def test_door(client, visibility, viewer, door):
    world = _world(visibility)
    person = getattr(world, viewer)
    client.force_login(person)
    client.viewer = person
    status, body = door.fetch(client, world, _target(door, world))
    if door.name == "comment on it" and viewer == "outsider" and visibility == "open":
        assert status == 403  # sees it, but only members write in a group
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
def test_listing(client, visibility, viewer, listing, url):
    world = _world(visibility)
    person = getattr(world, viewer)
    if listing.startswith("api"):
        api = APIClient()
        api.force_authenticate(person)
        response = api.get(url.format(world=world))
    else:
        client.force_login(person)
        response = client.get(url.format(world=world))
    if listing in ("tag page", "api tag feed") and not _expected(visibility, viewer):
        # The tag exists only through hidden posts: for this viewer it is missing.
        assert response.status_code == 404
        return
    assert response.status_code == 200
    shown = MARKER in response.content.decode()
    if listing == "home feed" and viewer == "outsider":
        assert not shown  # not followed, not their group
        return
    assert shown is _expected(visibility, viewer), listing


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_mention_notification(visibility):
    from notifications.models import Notification

    member, outsider = UserFactory(), UserFactory(email="otto@example.com")
    group = make_group(visibility, member)
    post_create(author=member, body="hey @otto", group=group)
    assert Notification.objects.filter(recipient=outsider).exists() is (visibility == "open")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("viewer", ["outsider", "member"])
async def test_live_updates(visibility, viewer):
    """A socket with the company feed and the post open hears of a new post, comment or
    reaction only if its user may see the post."""
    author = await sync_to_async(UserFactory)()
    person = await sync_to_async(UserFactory)()
    members = (author, person) if viewer == "member" else (author,)
    group = await sync_to_async(make_group)(visibility, *members)
    first = await sync_to_async(post_create)(author=author, body="first", group=group)
    socket = await ws.connect(person)
    await socket.send_json_to({"type": "feed.subscribe", "feed": "company"})
    await socket.send_json_to({"type": "post.subscribe", "post": first.pk})
    # Both subscriptions are settled before anything happens.
    types = ws.types(await ws.frames(socket, 2))
    await sync_to_async(post_create)(author=author, body="second", group=group)
    await sync_to_async(comment_create)(post=first, author=author, body="c")
    await sync_to_async(reaction_set)(user=author, kind="like", post=first)
    everything = {"feed.new_post", "post.comment_created", "post.reactions"}
    expected = _expected(visibility, viewer)
    types += ws.types(await ws.frames(socket, ws.having_types(*everything) if expected else 0))
    live = {t for t in types if t.startswith(("feed.new", "post.comment", "post.reactions"))}
    if expected:
        assert live == everything
    else:
        assert live == set()
        assert "error" in types  # post.subscribe was refused like a missing post
    await socket.disconnect()
