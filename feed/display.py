"""Per-viewer decoration of posts and comments for templates: the `can_*` answers and the
reaction bar, computed from data already loaded (no query here)."""

from __future__ import annotations

from collections.abc import Iterable

from feed.models import REACTION_EMOJI, Comment, Post, ReactionKind
from feed.permissions import (
    can_comment_on_post,
    can_delete_comment,
    can_delete_post,
    can_edit_comment,
    can_edit_post,
    can_react,
    can_view_acknowledgements,
)
from moderation.selectors import decision_urls_for


def reaction_items(counts: dict[str, int], mine: str | None) -> list[dict]:
    """One entry per reaction kind, in the fixed order: kind, label, emoji, count, mine."""
    return [
        {
            "kind": kind,
            "label": ReactionKind(kind).label,
            "emoji": REACTION_EMOJI[kind],
            "count": counts.get(kind, 0),
            "mine": mine == kind,
        }
        for kind in ReactionKind.values
    ]


def decorate_comments(user, comments: Iterable[Comment], *, post: Post, can_react_here: bool) -> None:
    for comment in comments:
        comment.post = post  # already loaded; avoids a query per comment
        comment.can_edit = can_edit_comment(user, comment)
        comment.can_delete = can_delete_comment(user, comment)
        comment.can_react = can_react_here
        comment.reaction_buttons = reaction_items(
            comment.reaction_counts, getattr(comment, "my_reaction", None)
        )
        comment.reaction_total = sum(comment.reaction_counts.values())
        replies = getattr(comment, "visible_replies", None)
        if replies:
            decorate_comments(user, replies, post=post, can_react_here=can_react_here)


def attach_moderation_links(posts: Iterable[Post], comments: Iterable[Comment] = ()) -> None:
    """Set `moderation_url` (the decision page) on held and hidden posts and comments, which only
    their author and moderators are ever shown. No query when all are visible; else one per model."""
    for items in (list(posts), list(comments)):
        urls = decision_urls_for(items) if items else {}
        for item in items:
            item.moderation_url = urls.get(item.pk, "")


def all_comments(comments: Iterable[Comment]) -> list[Comment]:
    """Comments and their loaded replies, flat."""
    flat: list[Comment] = []
    for comment in comments:
        flat.append(comment)
        flat.extend(getattr(comment, "visible_replies", None) or [])
    return flat


def decorate_posts(user, posts: Iterable[Post], *, writable_group_ids: set[int]) -> None:
    """Set can_edit, can_delete, can_comment, can_react, can_view_acks, reactions and
    preview_comments (oldest first) on each post."""
    for post in posts:
        post.can_edit = can_edit_post(user, post)
        post.can_delete = can_delete_post(user, post)
        post.can_comment = can_comment_on_post(user, post, writable_group_ids=writable_group_ids)
        post.can_react = can_react(user, post)
        post.can_view_acks = can_view_acknowledgements(user, post)
        post.reaction_buttons = reaction_items(post.reaction_counts, getattr(post, "my_reaction", None))
        post.reaction_total = sum(post.reaction_counts.values())
        preview = list(reversed(getattr(post, "preview_comments_desc", [])))
        decorate_comments(user, preview, post=post, can_react_here=post.can_react)
        post.preview_comments = preview
