"""Who hears about what happens in the feed: one function per event, each called once from the
service that performs it (feed/services.py), inside its transaction.

Delivery is the notifications app's `notify()`: it applies the target's gate to every
recipient (a person mentioned in a post they may not see is never told), skips the actor and
inactive accounts, and sends after the commit. Posts and comments are registered as targets
in FeedConfig.ready() with the feed's own gate (`register_targets`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from notifications.kinds import Kind
from notifications.services import notifications_mark_read_for_target, notify, withdraw
from socialco.markdown import html_to_text

if TYPE_CHECKING:
    from feed.models import Comment, Post, Reaction

EXCERPT = 200


def register_targets() -> None:
    """Make posts and comments notification targets, gated by feed/permissions.py."""
    from feed.models import Comment, Post
    from feed.permissions import (
        can_view_comment,
        can_view_post,
        filter_visible_comments,
        filter_visible_posts,
    )
    from notifications.targets import register_target

    register_target(
        Post,
        can_view=can_view_post,
        filter_visible=filter_visible_posts,
        url=lambda post: post.get_absolute_url(),
        describe=lambda post: _("“%(text)s”") % {"text": post.preview},
        queryset=lambda: Post.objects.only("id", "title", "body_html"),
    )
    register_target(
        Comment,
        can_view=can_view_comment,
        filter_visible=filter_visible_comments,
        url=lambda comment: comment.get_absolute_url(),
        describe=lambda comment: _("a comment on “%(text)s”") % {"text": comment.post.preview},
        queryset=lambda: Comment.objects.select_related("post").only(
            "id", "post_id", "post__id", "post__title", "post__body_html"
        ),
    )


def mentioned_in_post(post: Post, people: list) -> list:
    """People mentioned (or praised) in a post, who may see it. Returns the notifications made."""
    return notify(
        recipients=people,
        kind=Kind.MENTION,
        actor=post.author,
        target=post,
        excerpt=html_to_text(post.body_html)[:EXCERPT],
    )


def commented(comment: Comment, mentioned: list) -> None:
    """A new comment: mentioned people hear of it; then the post's author (for a comment) or
    the replied-to comment's author (for a reply), unless a mention already reached them."""
    told = notify(
        recipients=mentioned,
        kind=Kind.MENTION,
        actor=comment.author,
        target=comment,
        excerpt=html_to_text(comment.body_html)[:EXCERPT],
    )
    exclude = [row.recipient_id for row in told]
    if comment.parent_id is None:
        recipient, target = comment.post.author, comment.post
    else:
        recipient, target = comment.parent.author, comment.parent
    notify(
        recipients=[recipient],
        kind=Kind.REPLY,
        actor=comment.author,
        target=target,
        excerpt=html_to_text(comment.body_html)[:EXCERPT],
        exclude=exclude,
    )


def mentioned_in_comment_edit(comment: Comment, people: list) -> None:
    """People newly mentioned by an edit of a comment."""
    notify(
        recipients=people,
        kind=Kind.MENTION,
        actor=comment.author,
        target=comment,
        excerpt=html_to_text(comment.body_html)[:EXCERPT],
    )


def reacted(reaction: Reaction) -> None:
    """The item's author hears of a new reaction; notifications aggregate them per item."""
    item = reaction.post if reaction.post_id else reaction.comment
    notify(recipients=[item.author], kind=Kind.REACTION, actor=reaction.user, target=item)


def reaction_withdrawn(*, user, item) -> None:
    """A reaction was taken back: the aggregated notification loses that person."""
    withdraw(kind=Kind.REACTION, actor=user, target=item)


def must_read_acknowledged(post: Post, user) -> None:
    """Once read and acknowledged, the must-read notice is read too: nothing left to do."""
    notifications_mark_read_for_target(user=user, target=post, kinds=[Kind.MUST_READ_ANNOUNCEMENT])


def must_read_announcement(post: Post) -> None:
    """Everyone (active, the author aside) is asked to read a must-read announcement."""
    people = get_user_model().objects.filter(is_active=True).exclude(pk=post.author_id)
    notify(
        recipients=people,
        kind=Kind.MUST_READ_ANNOUNCEMENT,
        actor=post.author,
        target=post,
        excerpt=html_to_text(post.body_html)[:EXCERPT],
    )
