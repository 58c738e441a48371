"""The leak matrix: every door through which a group (or what is inside it) could be seen,
probed by four viewers against an open, a private and a secret group.

Adding a door is one line in `DOORS` (tests/groups/test_leak_matrix.py):

    Door("feed: home feed shows group posts", CONTENT, probe_home_feed),

A probe is `probe(world, viewer, group) -> Seen`: it uses the door the way a browser, an API
client or a socket would, and says whether the viewer saw the group (EXISTENCE doors: its
name, page, API record) or its inside (CONTENT doors: members, posts, live events), plus the
raw text it received. The matrix then checks:
- `seen.visible` matches the rule (EXISTENCE: open and private to all, secret to members;
  CONTENT: open to all, private and secret to members; MEMBERS: members only, e.g. the chat room);
- when the viewer may not know a secret group exists, the text holds no trace of it (name,
  slug, description, a member's name);
- when the viewer may not see inside, the text holds no member's name.

`world.marker` is a member of every group with a unique name, and `world.marker_post`
is a unique word that apps with content (feed, chat) put inside each group, so a probe can
look for them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from groups.models import Group, JoinRequest, Membership
from groups.services import group_update
from tests import sockets as ws
from tests.factories import GroupFactory, UserFactory, add_member, png_upload, request_to_join

VIEWERS = ("outsider", "requester", "member", "group_admin")
VISIBILITIES = ("open", "private", "secret")


class Level(Enum):
    EXISTENCE = "existence"  # may the viewer know the group exists (name, page, record)?
    CONTENT = "content"  # may the viewer see inside (members, posts, live events)?
    MEMBERS = "members"  # members only, whatever the visibility (the group's chat room)


EXISTENCE, CONTENT, MEMBERS = Level.EXISTENCE, Level.CONTENT, Level.MEMBERS


@dataclass(frozen=True)
class Seen:
    visible: bool
    text: str = ""


@dataclass
class World:
    groups: dict[str, Group]
    viewers: dict[str, object]
    marker: object
    marker_post: str = "zanzibar-marker-post"
    _clients: dict = field(default_factory=dict)

    def client(self, viewer) -> Client:
        """A browser logged in as `viewer`."""
        key = ("web", viewer.pk)
        if key not in self._clients:
            client = Client()
            client.force_login(viewer)
            self._clients[key] = client
        return self._clients[key]

    def api(self, viewer) -> APIClient:
        """An API client authenticated as `viewer`."""
        key = ("api", viewer.pk)
        if key not in self._clients:
            client = APIClient()
            client.force_authenticate(viewer)
            self._clients[key] = client
        return self._clients[key]


@dataclass(frozen=True)
class Door:
    name: str
    level: Level
    probe: Callable[[World, object, Group], Seen]
    # e.g. (pytest.mark.django_db(transaction=True),) for a door that needs it
    marks: tuple = ()


def may_know(visibility: str, viewer_kind: str) -> bool:
    return visibility != "secret" or viewer_kind in ("member", "group_admin")


def may_see_inside(visibility: str, viewer_kind: str) -> bool:
    return visibility == "open" or viewer_kind in ("member", "group_admin")


def expected_visible(level: Level, visibility: str, viewer_kind: str) -> bool:
    if level is MEMBERS:
        return viewer_kind in ("member", "group_admin")
    return (
        may_know(visibility, viewer_kind) if level is EXISTENCE else may_see_inside(visibility, viewer_kind)
    )


def build_world() -> World:
    """Three groups (one per visibility) and four viewers with the same role in each.

    The requester has a pending request everywhere: made through the service for the private
    group, carried over from when it was private for the open one, and a stale row for the
    secret one (turning a group secret deletes requests; the row proves a leftover grants nothing).
    """
    viewers = {
        "outsider": UserFactory(display_name="Olive Outsider"),
        "requester": UserFactory(display_name="Rita Requester"),
        "member": UserFactory(display_name="Mona Member"),
        "group_admin": UserFactory(display_name="Adam Groupadmin"),
    }
    marker = UserFactory(display_name="Quentin Zebulonmarker")
    groups = {}
    for visibility in VISIBILITIES:
        group = GroupFactory(
            name=f"Leakprobe {visibility.title()} Quokka",
            slug=f"leakprobe-{visibility}-quokka",
            visibility=Group.Visibility.PRIVATE,
            description=f"Hidden description {visibility} wombat",
            cover=png_upload(),
        )
        request_to_join(group, viewers["requester"])
        if visibility != "private":
            owner = group.memberships.get(role=Membership.Role.OWNER).user
            group = group_update(actor=owner, group=group, visibility=visibility)
        if visibility == "secret":
            JoinRequest.objects.create(group=group, user=viewers["requester"])
        add_member(group, viewers["member"])
        add_member(group, viewers["group_admin"], role=Membership.Role.ADMIN)
        add_member(group, marker)
        groups[visibility] = group
    return World(groups=groups, viewers=viewers, marker=marker)


def traces(world: World, group: Group) -> list[str]:
    """Strings that would betray a group the viewer may not know of."""
    return [group.name, group.slug, group.description, world.marker.display_name]


def inside_traces(world: World, group: Group) -> list[str]:
    """Strings that would betray the inside of a group."""
    return [world.marker.display_name, world.marker_post]


# Probes for the groups app's own doors ----------------------------------------------------
def _page(world, viewer, path) -> tuple[int, str]:
    response = world.client(viewer).get(path)
    return response.status_code, response.content.decode()


def probe_group_page(world, viewer, group) -> Seen:
    status, text = _page(world, viewer, f"/groups/{group.slug}/")
    return Seen(status == 200 and group.name in text, text)


def probe_group_page_by_id(world, viewer, group) -> Seen:
    response = world.client(viewer).get(f"/groups/id/{group.pk}/")
    visible = response.status_code == 302 and response["Location"] == f"/groups/{group.slug}/"
    return Seen(visible, response.content.decode() + response.get("Location", ""))


def probe_members_page(world, viewer, group) -> Seen:
    status, text = _page(world, viewer, f"/groups/{group.slug}/members/")
    return Seen(status == 200 and world.marker.display_name in text, text)


def probe_group_feed_slot(world, viewer, group) -> Seen:
    status, text = _page(world, viewer, f"/groups/{group.slug}/")
    return Seen(status == 200 and 'id="group-feed"' in text, text)


def probe_directory(world, viewer, group) -> Seen:
    status, text = _page(world, viewer, "/groups/")
    return Seen(status == 200 and group.name in text, text)


def probe_directory_search(world, viewer, group) -> Seen:
    status, text = _page(world, viewer, "/groups/?q=quokka")
    return Seen(status == 200 and group.name in text, text)


def probe_cover_image(world, viewer, group) -> Seen:
    response = world.client(viewer).get(f"/groups/{group.slug}/cover/small/")
    return Seen(response.status_code == 200, "" if response.status_code == 200 else response.content.decode())


def probe_profile_group_list(world, viewer, group) -> Seen:
    """A profile's group list: the marker's groups as `viewer` sees them (groups:person_groups;
    the profile page includes the same partial)."""
    response = world.client(viewer).get(f"/groups/people/{world.marker.pk}/", HTTP_HX_REQUEST="true")
    text = response.content.decode()
    return Seen(response.status_code == 200 and group.name in text, text)


def probe_profile_page(world, viewer, group) -> Seen:
    """The profile page's group list (profiles:detail includes groups' partial): the groups of
    Mona Member, who is in all three, as `viewer` sees them."""
    status, text = _page(world, viewer, f"/people/{world.viewers['member'].pk}/")
    return Seen(status == 200 and f'href="/groups/{group.slug}/"' in text, text)


def probe_chat_room(world, viewer, group) -> Seen:
    """The group's chat room (messaging:group_room, the group page's Chat tab): members are sent
    to the room; anyone else gets the page of a missing group."""
    response = world.client(viewer).get(f"/chat/group/{group.slug}/")
    visible = response.status_code == 302 and response["Location"].startswith("/chat/")
    return Seen(visible, response.content.decode())


def _api(world, viewer, path) -> tuple[int, str, object]:
    response = world.api(viewer).get(path)
    return response.status_code, response.content.decode(), response.json() if response.content else None


def probe_api_list(world, viewer, group) -> Seen:
    status, text, data = _api(world, viewer, "/api/v1/groups/?page_size=100")
    return Seen(status == 200 and group.pk in [g["id"] for g in data["results"]], text)


def probe_api_list_search(world, viewer, group) -> Seen:
    status, text, data = _api(world, viewer, f"/api/v1/groups/?slug={group.slug}")
    return Seen(status == 200 and [g["id"] for g in data["results"]] == [group.pk], text)


def probe_api_detail(world, viewer, group) -> Seen:
    status, text, _ = _api(world, viewer, f"/api/v1/groups/{group.pk}/")
    return Seen(status == 200, text)


def probe_api_by_slug(world, viewer, group) -> Seen:
    status, text, _ = _api(world, viewer, f"/api/v1/groups/by-slug/{group.slug}/")
    return Seen(status == 200, text)


def probe_api_members(world, viewer, group) -> Seen:
    status, text, _ = _api(world, viewer, f"/api/v1/groups/{group.pk}/members/")
    return Seen(status == 200 and world.marker.display_name in text, text)


def probe_websocket_subscription(world, viewer, group) -> Seen:
    """group.subscribe on the shared /ws/ socket; then a broadcast to the group must reach
    the socket only if the subscription was accepted."""
    from groups.events import broadcast_to_group

    client = world.client(viewer)
    cookie = (
        b"cookie",
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode(),
    )

    async def run() -> tuple[dict, bool]:
        communicator, connected, _ = await ws.handshake([ws.ORIGIN, cookie])
        assert connected
        answer = await ws.answer(communicator, {"type": "group.subscribe", "group": group.pk, "ref": 1})
        await sync_to_async(broadcast_to_group)(
            group.pk, {"type": "post.new", "group": group.pk, "text": world.marker_post}
        )
        # A subscribed socket must hear the broadcast: wait for it; otherwise, a quiet window.
        expect = 1 if answer["type"] == "group.subscribed" else 0
        got_broadcast = bool(await ws.frames(communicator, expect, background=()))
        await communicator.disconnect()
        return answer, got_broadcast

    answer, got_broadcast = async_to_sync(run)()
    subscribed = answer["type"] == "group.subscribed"
    assert subscribed == got_broadcast, "the subscription answer and the delivery disagree"
    return Seen(subscribed, json.dumps(answer))
