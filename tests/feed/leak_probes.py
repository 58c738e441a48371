"""The feed's doors for the group leak matrix (tests/groups/leak_matrix.py), one probe each.

Each group gets one post by its owner (lazily, once per world): a token unique to that group,
a tag, a mention of every viewer, an image, a comment and a reaction. Listings (company feed,
tag page, person feed, API list) show posts of several groups at once, so the probes look for
the group's own token rather than the world-wide `marker_post` word, which would otherwise be
"found" on an outsider's page in the open group's post while probing the secret one.
"""

from __future__ import annotations

import json

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings

from groups.models import Membership
from tests import sockets as ws
from tests.groups.leak_matrix import Seen


def _token(group) -> str:
    return f"feedprobe{group.visibility}token"


def _post(world, group):
    """The group's probe post (created once per world, by the group's owner)."""
    from feed.parsing import mention_handle
    from feed.services import comment_create, post_create, reaction_set
    from tests.feed.conftest import image_upload

    posts = world.__dict__.setdefault("_feed_posts", {})
    if group.pk not in posts:
        owner = Membership.objects.select_related("user").get(group=group, role=Membership.Role.OWNER).user
        mentions = " ".join("@" + mention_handle(v.email) for v in world.viewers.values())
        post = post_create(
            author=owner,
            group=group,
            body=f"{_token(group)} #feedprobe{group.visibility} {mentions}",
            images=[image_upload()],
        )
        comment = comment_create(post=post, author=owner, body=f"{_token(group)} comment")
        reaction_set(user=owner, kind="like", post=post)
        posts[group.pk] = (post, comment, owner)
    return posts[group.pk]


def _get(world, viewer, path, **headers) -> tuple[int, str]:
    response = world.client(viewer).get(path, **headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body.decode(errors="replace")


def _shows(world, viewer, group, path, **headers) -> Seen:
    _post(world, group)
    status, text = _get(world, viewer, path, **headers)
    return Seen(status == 200 and _token(group) in text, text)


def probe_feed_group_page(world, viewer, group) -> Seen:
    return _shows(world, viewer, group, f"/feed/groups/{group.slug}/")


def probe_feed_group_slot(world, viewer, group) -> Seen:
    seen = _shows(world, viewer, group, f"/feed/groups/{group.slug}/?embed=1", HTTP_HX_REQUEST="true")
    assert not seen.visible or "<html" not in seen.text  # the fragment, not a whole page
    return seen


def probe_feed_post_page(world, viewer, group) -> Seen:
    post, _, _ = _post(world, group)
    return _shows(world, viewer, group, f"/feed/posts/{post.pk}/")


def probe_feed_post_history(world, viewer, group) -> Seen:
    post, _, _ = _post(world, group)
    return _shows(world, viewer, group, f"/feed/posts/{post.pk}/history/")


def probe_feed_image(world, viewer, group) -> Seen:
    post, _, _ = _post(world, group)
    status, text = _get(world, viewer, f"/feed/images/{post.images.get().pk}/small/")
    return Seen(status == 200, "" if status == 200 else text)


def probe_feed_comment(world, viewer, group) -> Seen:
    _, comment, _ = _post(world, group)
    return _shows(world, viewer, group, f"/feed/comments/{comment.pk}/", HTTP_HX_REQUEST="true")


def probe_feed_company(world, viewer, group) -> Seen:
    return _shows(world, viewer, group, "/feed/company/")


def probe_feed_tag_page(world, viewer, group) -> Seen:
    return _shows(world, viewer, group, f"/feed/tags/feedprobe{group.visibility}/")


def probe_feed_person_feed(world, viewer, group) -> Seen:
    _, _, owner = _post(world, group)
    return _shows(world, viewer, group, f"/feed/people/{owner.pk}/")


def probe_feed_profile_slot(world, viewer, group) -> Seen:
    _, _, owner = _post(world, group)
    return _shows(world, viewer, group, f"/people/{owner.pk}/")


def _api(world, viewer, path) -> tuple[int, str]:
    response = world.api(viewer).get(path)
    return response.status_code, response.content.decode()


def probe_feed_api_list(world, viewer, group) -> Seen:
    _post(world, group)
    status, text = _api(world, viewer, "/api/v1/posts/?feed=company&page_size=50")
    return Seen(status == 200 and _token(group) in text, text)


def probe_feed_api_detail(world, viewer, group) -> Seen:
    post, _, _ = _post(world, group)
    status, text = _api(world, viewer, f"/api/v1/posts/{post.pk}/")
    return Seen(status == 200 and _token(group) in text, text)


def probe_feed_api_comments(world, viewer, group) -> Seen:
    post, _, _ = _post(world, group)
    status, text = _api(world, viewer, f"/api/v1/posts/{post.pk}/comments/")
    return Seen(status == 200 and _token(group) in text, text)


def probe_feed_mention_notification(world, viewer, group) -> Seen:
    from notifications.models import Notification

    post, _, _ = _post(world, group)
    told = Notification.objects.filter(recipient=viewer, kind="mention", target_id=post.pk).exists()
    return Seen(told, "")


def probe_feed_live_new_post(world, viewer, group) -> Seen:
    """A socket with the company feed open hears of a new post in the group only if its user
    may see inside the group (checked per socket when the event is delivered).

    The world's marker, a member of every group, listens too: once the marker has heard of the
    post, the viewer's socket has the event as well, and a ping answered after it proves the
    viewer's socket has finished with it (a socket handles its messages one at a time)."""
    from feed.services import post_create

    _, _, owner = _post(world, group)

    def cookie(person) -> tuple[bytes, bytes]:
        client = world.client(person)
        name = settings.SESSION_COOKIE_NAME
        return (b"cookie", f"{name}={client.cookies[name].value}".encode())

    def create():  # the door runs with real transactions: the event goes out on commit
        return post_create(author=owner, group=group, body=f"{_token(group)} live")

    cookies = [cookie(viewer), cookie(world.marker)]

    async def run() -> list[dict]:
        sockets = []
        for session in cookies:
            communicator, connected, _ = await ws.handshake([ws.ORIGIN, session])
            assert connected
            subscribed = await ws.answer(communicator, {"type": "feed.subscribe", "feed": "company"}, quiet=0)
            assert subscribed["type"] == "feed.subscribed"
            sockets.append(communicator)
        socket, witness = sockets
        post = await sync_to_async(create)()
        news = {"type": "feed.new_post", "feed": "company", "post": post.pk}
        assert news in await ws.frames(witness, ws.including(news), quiet=0), "the marker did not hear of it"
        await socket.send_json_to({"type": "ping", "ref": "settled"})
        pong = {"type": "pong", "ref": "settled"}
        frames = await ws.frames(socket, ws.including(pong), background=())
        await ws.close(socket, witness)
        return [f for f in frames if f != pong]

    frames = async_to_sync(run)()
    heard = [f for f in frames if f["type"] == "feed.new_post"]
    return Seen(bool(heard), json.dumps(frames))
