"""Posts (questions included: they are posts of kind "question") and comments as moderation
content (docs/moderation.md, step 2): reportable, held and hidden through moderation's queue.

Registered once from FeedConfig.ready(). Moderation writes `moderation_state` itself; the
`hide` / `restore` hooks run inside its transaction and tell open sockets after the commit
(a hidden post disappears from its open pages, a restored one is offered to live feeds again;
comments likewise) and keep the post's visible comment count right.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from feed import events
from feed.models import Comment, Post
from feed.permissions import can_view_comment, can_view_post
from moderation.models import Scope
from moderation.reportables import ItemContext, ThreadEntry, register_reportable
from socialco.markdown import html_to_text

CONTEXT_COMMENTS = 10


def post_place(post: Post) -> str:
    """Where the post lives, for every queue row (group loaded by the queryset: no query)."""
    if post.group_id:
        return post.group.name
    return _("Questions") if post.is_question else _("Company feed")


def post_text(post: Post) -> str:
    return f"{post.title}\n\n{post.body}" if post.title else post.body


def post_shown_text(post: Post) -> str:
    """The post as readers see it, in plain text (rendered markdown, mentions by name)."""
    body = html_to_text(post.body_html)
    return f"{post.title} · {body}" if post.title else body


def post_context(post: Post) -> ItemContext:
    """The post and its latest comments (oldest first), nothing else of the group."""
    comments = list(
        Comment.objects.filter(post=post, deleted_at__isnull=True)
        .select_related("author")
        .order_by("-created_at", "-id")[:CONTEXT_COMMENTS]
    )
    return ItemContext(
        place=post_place(post),
        thread=[ThreadEntry(post.author.display_name, post_shown_text(post), post.created_at, is_target=True)]
        + [
            ThreadEntry(c.author.display_name, html_to_text(c.body_html), c.created_at)
            for c in reversed(comments)
        ],
        details=[(_("Kind"), str(post.get_kind_display()))],
    )


def comment_context(comment: Comment) -> ItemContext:
    """The parent post, then the comments around the reported one (five before, five after)."""
    post = comment.post
    siblings = Comment.objects.filter(post=post, deleted_at__isnull=True).select_related("author")
    before = list(
        siblings.filter(created_at__lte=comment.created_at)
        .exclude(pk=comment.pk)
        .order_by("-created_at", "-id")[: CONTEXT_COMMENTS // 2]
    )
    after = list(
        siblings.filter(created_at__gt=comment.created_at).order_by("created_at", "id")[
            : CONTEXT_COMMENTS // 2
        ]
    )
    return ItemContext(
        place=post_place(post),
        thread=[ThreadEntry(post.author.display_name, post_shown_text(post), post.created_at)]
        + [
            ThreadEntry(c.author.display_name, html_to_text(c.body_html), c.created_at)
            for c in reversed(before)
        ]
        + [
            ThreadEntry(
                comment.author.display_name,
                html_to_text(comment.body_html),
                comment.created_at,
                is_target=True,
            )
        ]
        + [ThreadEntry(c.author.display_name, html_to_text(c.body_html), c.created_at) for c in after],
    )


def _post_hidden(post: Post) -> None:
    events.post_removed(post)


def _post_restored(post: Post) -> None:
    if post.deleted_at is not None:
        return
    events.post_created(post)
    if post.is_question:
        from feed.questions.services import question_published

        question_published(post)


def _comment_changed_visibility(comment: Comment, *, visible: bool) -> None:
    from feed.services import comment_recount

    comment_recount(comment.post_id)
    comment.post.refresh_from_db(fields=["comment_count"])
    if comment.deleted_at is not None:
        return
    if visible:
        events.comment_created(comment)
    else:
        events.comment_removed(comment)


def register() -> None:
    register_reportable(
        Post,
        scope=Scope.POSTS,
        can_view=can_view_post,
        author_field="author",
        text=post_text,
        context=post_context,
        place=post_place,
        url=lambda post: post.get_absolute_url(),
        queryset=lambda: Post.objects.select_related("author", "group"),
        hide=_post_hidden,
        restore=_post_restored,
    )
    register_reportable(
        Comment,
        scope=Scope.COMMENTS,
        can_view=can_view_comment,
        author_field="author",
        text=lambda comment: comment.body,
        context=comment_context,
        place=lambda comment: post_place(comment.post),
        url=lambda comment: comment.get_absolute_url(),
        queryset=lambda: Comment.objects.select_related("author", "post", "post__group", "parent"),
        hide=lambda comment: _comment_changed_visibility(comment, visible=False),
        restore=lambda comment: _comment_changed_visibility(comment, visible=True),
    )
