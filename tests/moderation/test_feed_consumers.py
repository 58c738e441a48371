"""Held and hidden feed content on the socket (/ws/), through the full ASGI application: another
member cannot open a held or hidden post nor hear of it; its author and a moderator who is a
member can. Hiding drops an open post live; restoring offers it to live feeds again."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from feed.models import Comment
from feed.services import comment_edit, post_create
from groups.models import Membership
from moderation import services as moderation
from moderation.models import ModerationItem
from tests import sockets as ws
from tests.factories import UserFactory
from tests.feed.conftest import make_group
from tests.moderation.conftest import make_moderator, make_rule, publish

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def _world(*, held: bool):
    from moderation.models import GuidelineAcceptance, GuidelineVersion, Rule

    GuidelineAcceptance.objects.all().delete()
    GuidelineVersion.objects.all().delete()
    Rule.objects.all().delete()
    publish()
    author = UserFactory(display_name="Sam Author")
    member = UserFactory(display_name="Mel Member")
    moderator = make_moderator(display_name="Moe Moderator")
    group = make_group("private", author, slug="socket-group")
    for person in (member, moderator):
        Membership.objects.create(group=group, user=person, role=Membership.Role.MEMBER)
    if held:
        make_rule(terms="holdme", action="hold", scopes=["posts"])
    post = post_create(author=author, group=group, body="socket post holdme" if held else "socket post")
    # A comment from before the post was held or hidden (no new ones are taken after): its
    # edits are the activity the sockets may or may not hear of.
    Comment.objects.create(post=post, author=author, body="earlier", body_html="<p>earlier</p>")
    return author, member, moderator, group, post


@sync_to_async
def _hide(post, *, reporter, moderator):
    moderation.report_create(reporter=reporter, target=post, section="be-respectful")
    item = ModerationItem.objects.get(object_id=post.pk, content_type__model="post")
    moderation.item_hide(item=item, moderator=moderator, reason="Not OK.", section="be-respectful")
    return item


@sync_to_async
def _restore(item, *, moderator):
    moderation.item_restore(item=item, moderator=moderator, reason="Fine after all.")


@sync_to_async
def _edit_comment(post, *, body: str) -> None:
    comment = Comment.objects.select_related("post", "author").get(post=post)
    comment_edit(comment=comment, editor=comment.author, body=body)


@pytest.mark.parametrize("state", ["held", "hidden"])
async def test_only_author_and_moderator_open_a_held_or_hidden_post(state):
    author, member, moderator, _group, post = await _world(held=state == "held")
    if state == "hidden":
        await _hide(post, reporter=member, moderator=moderator)
    for user, allowed in ((author, True), (moderator, True), (member, False)):
        socket = await ws.connect(user)
        answer = await ws.answer(socket, {"type": "post.subscribe", "post": post.pk})
        missing = await ws.answer(socket, {"type": "post.subscribe", "post": 987654})
        if allowed:
            assert answer["type"] == "post.subscribed"
        else:
            assert answer == missing  # exactly like a post that does not exist
            assert answer["type"] == "error"
        # Activity on it reaches only those who may see the post.
        await _edit_comment(post, body=f"edited for {user.pk}")
        heard = await ws.frames(socket, 1 if allowed else 0, only={"post.comment_changed"})
        assert bool(heard) is allowed
        await socket.disconnect()


async def test_held_post_is_not_announced_to_live_feeds():
    author, member, moderator, group, _post = await _world(held=False)
    sockets = {name: await ws.connect(user) for name, user in (("member", member), ("moderator", moderator))}
    for socket in sockets.values():
        assert (await ws.answer(socket, {"type": "feed.subscribe", "feed": "company"}))[
            "type"
        ] == "feed.subscribed"
    await sync_to_async(make_rule)(terms="holdme", action="hold", scopes=["posts"])
    await sync_to_async(post_create)(author=author, group=group, body="holdme please")
    for socket in sockets.values():
        assert await ws.frames(socket, only={"feed.new_post"}) == []
        await socket.disconnect()


async def test_hide_drops_an_open_post_live_and_restore_offers_it_again():
    _author, member, moderator, _group, post = await _world(held=False)
    reader = await ws.connect(member)
    assert (await ws.answer(reader, {"type": "post.subscribe", "post": post.pk}))["type"] == "post.subscribed"
    assert (await ws.answer(reader, {"type": "feed.subscribe", "feed": "company"}))[
        "type"
    ] == "feed.subscribed"
    item = await _hide(post, reporter=member, moderator=moderator)
    removed = {"type": "post.removed", "post": post.pk}
    assert removed in await ws.frames(reader, ws.including(removed), background={"notification.count"})
    # Later activity on the hidden post does not reach the member's socket.
    await _edit_comment(post, body="still talking")
    frames = await ws.frames(reader, background={"notification.count"})
    assert [f for f in frames if f["type"].startswith("post.comment")] == []
    await _restore(item, moderator=moderator)
    offered = {"type": "feed.new_post", "feed": "company", "post": post.pk}
    assert offered in await ws.frames(reader, ws.including(offered), background={"notification.count"})
    await reader.disconnect()
