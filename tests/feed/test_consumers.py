"""The feed's live updates over /ws/, through the full ASGI application: each recipient is
checked with the post gate at delivery time, so nothing leaks to a socket that may not see it."""

import pytest
from asgiref.sync import sync_to_async

from feed.services import comment_create, post_create, post_delete, reaction_set
from groups.models import Membership
from tests import sockets as ws
from tests.factories import UserFactory
from tests.feed.conftest import make_group

pytestmark = pytest.mark.django_db(transaction=True)

create_post = sync_to_async(post_create)
create_comment = sync_to_async(comment_create)
react = sync_to_async(reaction_set)
delete_post = sync_to_async(post_delete)
new_user = sync_to_async(UserFactory)
new_group = sync_to_async(make_group)


def _post_frames(count: int):
    """An expectation for `ws.frames`: `count` frames about an open post (`post.*`) arrived."""
    return lambda got: len([f for f in got if f["type"].startswith("post.")]) >= count


async def test_company_feed_hears_of_a_new_visible_post():
    viewer, author = await new_user(), await new_user()
    socket = await ws.connect(viewer)
    assert await ws.answer(socket, {"type": "feed.subscribe", "feed": "company", "ref": "s1"}) == {
        "type": "feed.subscribed",
        "feed": "company",
        "ref": "s1",
    }
    post = await create_post(author=author, body="hello everyone")
    assert await ws.frames(socket, 1, only={"feed.new_post"}) == [
        {"type": "feed.new_post", "feed": "company", "post": post.pk}
    ]
    # One's own posts do not ring the bar.
    await create_post(author=viewer, body="mine")
    assert await ws.frames(socket, only={"feed.new_post"}) == []
    await socket.disconnect()


@pytest.mark.parametrize("visibility", ["private", "secret"])
async def test_group_posts_reach_members_and_never_outsiders(visibility):
    author, member, outsider = await new_user(), await new_user(), await new_user()
    group = await new_group(visibility, author, member)
    member_socket, outsider_socket = await ws.connect(member), await ws.connect(outsider)
    for socket in (member_socket, outsider_socket):
        await ws.answer(socket, {"type": "feed.subscribe", "feed": "company"})
    inside = await create_post(author=author, body="inside", group=group)
    everyone = await create_post(author=author, body="for everyone")
    assert [f["post"] for f in await ws.frames(member_socket, 2, only={"feed.new_post"})] == [
        inside.pk,
        everyone.pk,
    ]
    assert [f["post"] for f in await ws.frames(outsider_socket, 1, only={"feed.new_post"})] == [everyone.pk]
    await member_socket.disconnect()
    await outsider_socket.disconnect()


async def test_home_feed_hears_only_what_belongs_to_home():
    viewer, teammate, stranger = await new_user(), await new_user(), await new_user()
    group = await new_group("private", teammate, viewer)
    socket = await ws.connect(viewer)
    await ws.answer(socket, {"type": "feed.subscribe", "feed": "home"})
    await create_post(author=stranger, body="not followed")
    in_group = await create_post(author=teammate, body="team news", group=group)
    assert [f["post"] for f in await ws.frames(socket, 1, only={"feed.new_post"})] == [in_group.pk]
    await socket.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "feed.subscribe", "feed": "everything"}, "bad_frame"),
        ({"type": "feed.subscribe", "feed": "group", "key": "secret-group"}, "not_found"),
        ({"type": "feed.subscribe", "feed": "group", "key": "private-group"}, "not_found"),
        ({"type": "feed.subscribe", "feed": "group", "key": "no-such-group"}, "not_found"),
        ({"type": "feed.subscribe", "feed": "tag", "key": "unknown"}, "not_found"),
        ({"type": "feed.subscribe", "feed": "person", "key": "99999999999999999999999"}, "not_found"),
        ({"type": "feed.subscribe", "feed": "person", "key": {"x": 1}}, "not_found"),
        ({"type": "post.subscribe", "post": "1"}, "bad_frame"),
        ({"type": "post.subscribe", "post": True}, "bad_frame"),
        ({"type": "post.subscribe", "post": 99999}, "not_found"),
    ],
)
async def test_refused_subscriptions_get_an_error_and_the_socket_stays_open(frame, code):
    owner, outsider = await new_user(), await new_user()
    await new_group("secret", owner)
    await new_group("private", owner)
    socket = await ws.connect(outsider)
    answer = await ws.answer(socket, frame)
    assert answer["type"] == "error"
    assert answer["code"] == code
    assert await ws.answer(socket, {"type": "ping", "ref": 1}) == {"type": "pong", "ref": 1}
    await socket.disconnect()


async def test_secret_post_answers_like_a_missing_one():
    owner, outsider = await new_user(), await new_user()
    group = await new_group("secret", owner)
    post = await create_post(author=owner, body="secret", group=group)
    socket = await ws.connect(outsider)
    hidden = await ws.answer(socket, {"type": "post.subscribe", "post": post.pk})
    missing = await ws.answer(socket, {"type": "post.subscribe", "post": post.pk + 1000})
    assert (
        hidden == missing == {"type": "error", "code": "not_found", "message": "No such post.", "ref": None}
    )
    await socket.disconnect()


async def test_open_post_gets_comments_and_reaction_counts_live():
    author, reader, other = await new_user(), await new_user(), await new_user()
    post = await create_post(author=author, body="discuss")
    socket = await ws.connect(reader)
    assert (await ws.answer(socket, {"type": "post.subscribe", "post": post.pk}))["type"] == "post.subscribed"
    comment = await create_comment(post=post, author=other, body="first")
    await react(user=other, kind="celebrate", post=post)
    await react(user=author, kind="like", comment=comment)
    frames = [
        f for f in await ws.frames(socket, _post_frames(3), background=()) if f["type"].startswith("post.")
    ]
    assert frames == [
        {
            "type": "post.comment_created",
            "post": post.pk,
            "comment": comment.pk,
            "parent": None,
            "author": other.pk,
            "comment_count": 1,
        },
        {"type": "post.reactions", "post": post.pk, "comment": None, "counts": {"celebrate": 1}},
        {"type": "post.reactions", "post": post.pk, "comment": comment.pk, "counts": {"like": 1}},
    ]
    await delete_post(post=post, actor=author)
    assert await ws.frames(socket, 1, only={"post.removed"}) == [{"type": "post.removed", "post": post.pk}]
    await socket.disconnect()


async def test_losing_access_stops_live_updates_at_once():
    owner, member = await new_user(), await new_user()
    group = await new_group("private", owner, member)
    post = await create_post(author=owner, body="team only", group=group)
    socket = await ws.connect(member)
    await ws.answer(socket, {"type": "post.subscribe", "post": post.pk})
    await ws.answer(socket, {"type": "feed.subscribe", "feed": "company"})
    await sync_to_async(Membership.objects.filter(user=member).delete)()
    await create_comment(post=post, author=owner, body="after you left")
    await create_post(author=owner, body="also hidden", group=group)
    assert await ws.frames(socket, background={"notification.count"}) == []
    await socket.disconnect()


async def test_home_feed_hears_of_people_i_follow():
    from profiles.services import follow_create

    viewer, followed = await new_user(), await new_user()
    await sync_to_async(follow_create)(follower=viewer, followed=followed)
    socket = await ws.connect(viewer)
    await ws.answer(socket, {"type": "feed.subscribe", "feed": "home"})
    post = await create_post(author=followed, body="news from someone I follow")
    assert [f["post"] for f in await ws.frames(socket, 1, only={"feed.new_post"})] == [post.pk]
    await socket.disconnect()
