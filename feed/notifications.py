"""Who hears about what happens in the feed: one function per event, one call site each
(in feed/services.py). Each decides the recipients and checks with the post gate that every
recipient may see the post before anything is sent.

Delivery goes through `_deliver`, the single place that hands over to the notifications app
(`notifications.services.notify`) once it is installed; until then nothing is delivered.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction

from feed.permissions import can_view_post

if TYPE_CHECKING:
    from feed.models import Comment, Post, Reaction

# Verbs (notification kinds) the feed emits.
MENTION = "feed.mention"
COMMENT = "feed.comment"
REPLY = "feed.reply"
REACTION = "feed.reaction"
PRAISE = "feed.praise"
MUST_READ = "feed.must_read"


def _may_see(post: Post, people: Iterable, *, actor_id: int) -> list:
    """The people (not the actor, active) the post gate lets see `post`, each asked once."""
    seen: set[int] = set()
    allowed = []
    for person in people:
        if person is None or person.pk == actor_id or person.pk in seen:
            continue
        seen.add(person.pk)
        if person.is_active and can_view_post(person, post):
            allowed.append(person)
    return allowed


def _deliver(verb: str, *, recipients: Iterable, actor, target) -> None:
    """Hand the notification to the notifications app once the transaction commits.

    The notifications app is not installed yet: this is the one line to wire to
    `notifications.services.notify(...)` when it lands. Recipients are already checked.
    """
    if isinstance(recipients, list) and not recipients:
        return
    transaction.on_commit(lambda: None)  # notify(verb=verb, recipients=..., actor=actor, target=target)


def mentioned_in_post(post: Post, people: list) -> None:
    _deliver(
        MENTION, recipients=_may_see(post, people, actor_id=post.author_id), actor=post.author, target=post
    )


def mentioned_in_comment(comment: Comment, people: list) -> None:
    post = comment.post
    _deliver(
        MENTION,
        recipients=_may_see(post, people, actor_id=comment.author_id),
        actor=comment.author,
        target=comment,
    )


def commented(comment: Comment) -> None:
    """The post's author hears of a comment; the replied-to comment's author of a reply."""
    post = comment.post
    if comment.parent_id is not None:
        _deliver(
            REPLY,
            recipients=_may_see(post, [comment.parent.author], actor_id=comment.author_id),
            actor=comment.author,
            target=comment,
        )
    _deliver(
        COMMENT,
        recipients=_may_see(post, [post.author], actor_id=comment.author_id),
        actor=comment.author,
        target=comment,
    )


def reacted(reaction: Reaction) -> None:
    """The item's author hears of a new reaction (the notifications app aggregates them)."""
    item = reaction.post if reaction.post_id else reaction.comment
    post = reaction.post if reaction.post_id else reaction.comment.post
    _deliver(
        REACTION,
        recipients=_may_see(post, [item.author], actor_id=reaction.user_id),
        actor=reaction.user,
        target=item,
    )


def praised(post: Post, people: list) -> None:
    _deliver(
        PRAISE, recipients=_may_see(post, people, actor_id=post.author_id), actor=post.author, target=post
    )


def must_read_announcement(post: Post) -> None:
    """Every active person is asked to read a must-read announcement (company-wide by rule)."""
    from django.contrib.auth import get_user_model

    if post.group_id is not None:
        return
    # A company-wide post is visible to every active person (feed.permissions), so no per-person check.
    people = get_user_model().objects.filter(is_active=True).exclude(pk=post.author_id)
    _deliver(MUST_READ, recipients=people, actor=post.author, target=post)
