"""Who may see and do what in the feed: the one gate for posts and comments.

Every door (pages, API, socket frames and live events, image URLs, search, notifications)
asks these functions. Built on groups/permissions.py:
- a group post is visible exactly when the group's content is (open groups, and the
  viewer's own private and secret groups);
- a company-wide post is visible to every active user;
- a deleted post is visible to nobody, through any door;
- a post or comment that moderation holds or hides (`moderation_state`) is visible only to
  its author and to HR moderators (moderation.selectors.filter_not_hidden /
  can_see_moderated), and never beyond what the group rule above allows.
A post the viewer may not see answers exactly like a missing one: `check_*` raises Http404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from feed.models import Comment, Post
from groups.models import Group
from groups.permissions import can_post_in_group, can_view_group_content, content_visible_group_ids
from moderation.models import ModerationState
from moderation.selectors import can_see_moderated, filter_not_hidden
from socialco import policy

if TYPE_CHECKING:
    from profiles.models import User


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


# Posts --------------------------------------------------------------------------------------
def filter_visible_posts(user: User, qs: QuerySet[Post] | None = None) -> QuerySet[Post]:
    """Posts the user may see: not deleted, company-wide or in a group whose content the user
    may see, and not held or hidden by moderation (except the user's own; moderators keep them).
    Adds no query of its own beyond the viewer's moderator flag (the group rule is a subquery)."""
    qs = Post.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    qs = qs.filter(deleted_at__isnull=True).filter(
        Q(group__isnull=True) | Q(group_id__in=content_visible_group_ids(user))
    )
    return filter_not_hidden(user, qs)


def can_view_post(user: User, post: Post) -> bool:
    """The rule of filter_visible_posts for one loaded post (no query for a visible company post)."""
    if not _active(user) or post.deleted_at is not None:
        return False
    if post.group_id is not None and not can_view_group_content(user, post.group):
        return False
    return can_see_moderated(user, post)


def check_view_post_permission(user: User, post_id: int, qs: QuerySet[Post] | None = None) -> Post:
    """Fetch a post the user may see (from `qs` if given, for select_related); else Http404."""
    post = filter_visible_posts(user, qs).filter(pk=post_id).first()
    if post is None:
        raise Http404
    return post


def can_post_in_audience(user: User, group: Group | None) -> bool:
    """Anyone active posts company-wide; in a group, members of a group that is not archived."""
    if not _active(user):
        return False
    return group is None or can_post_in_group(user, group)


def check_post_in_audience_permission(user: User, group: Group | None) -> None:
    if not can_post_in_audience(user, group):
        raise PermissionDenied("You cannot post in this group.")


def can_post_announcement(user: User) -> bool:
    """Who may post company announcements (pinned, must-read): the site policy decides
    (staff by default). The feed asks only this function."""
    return _active(user) and policy.can_post_announcement(user)


def can_edit_post(user: User, post: Post) -> bool:
    """The author edits a live post, unless its group is archived."""
    if not _active(user) or post.author_id != user.pk or post.deleted_at is not None:
        return False
    return post.group_id is None or not post.group.is_archived


def can_delete_post(user: User, post: Post) -> bool:
    """The author, or a moderator (who must already be able to see the post)."""
    if not _active(user) or post.deleted_at is not None:
        return False
    return post.author_id == user.pk or bool(getattr(user, "is_moderator", False))


def can_comment_on_post(user: User, post: Post, *, writable_group_ids: set[int] | None = None) -> bool:
    """Anyone may comment on a company post; in a group, whoever may post there; never on a
    post that is not open for replies (held or hidden by moderation).

    `writable_group_ids` (from selectors.writable_group_ids) answers for many posts at once
    without a query per post.
    """
    if not _active(user) or not is_open_for_replies(post):
        return False
    if post.group_id is None:
        return True
    if writable_group_ids is not None:
        return post.group_id in writable_group_ids
    return can_post_in_group(user, post.group)


def can_react(user: User, post: Post) -> bool:
    """Whoever may see a post may react to it and to its comments, while it is open for replies."""
    return _active(user) and is_open_for_replies(post)


def is_open_for_replies(post: Post) -> bool:
    """A deleted post, or one moderation holds or hides, takes no new comments, answers or
    reactions from anyone (its author and moderators still see it, with its badge)."""
    return post.deleted_at is None and post.moderation_state == ModerationState.VISIBLE


def can_view_acknowledgements(user: User, post: Post) -> bool:
    """The author of a must-read announcement sees who has read it."""
    return _active(user) and post.must_read and post.author_id == user.pk


def can_acknowledge(user: User, post: Post) -> bool:
    return _active(user) and post.must_read and post.deleted_at is None


# Comments -----------------------------------------------------------------------------------
def filter_visible_comments(
    user: User, qs: QuerySet[Comment] | None = None, *, posts_already_gated: bool = False
) -> QuerySet[Comment]:
    """Live comments (and replies whose parent is live) on posts the user may see, without held
    or hidden ones (except the user's own; moderators keep them). A reply under a held or
    hidden comment goes with it for whoever may not see that comment.

    `posts_already_gated=True` leaves the post rule out: only for a `qs` that is restricted
    to posts the caller loaded through filter_visible_posts in the same request (a prefetch
    of a page's comments), where it would repeat the post gate inside the comment query."""
    qs = Comment.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    if not posts_already_gated:
        qs = qs.filter(post__in=filter_visible_posts(user).values("id"))
    qs = qs.filter(deleted_at__isnull=True).exclude(parent__deleted_at__isnull=False)
    qs = filter_not_hidden(user, qs)
    if not getattr(user, "is_moderator", False):
        qs = qs.filter(
            Q(parent__isnull=True)
            | Q(parent__moderation_state=ModerationState.VISIBLE)
            | Q(parent__author_id=user.pk)
        )
    return qs


def can_view_comment(user: User, comment: Comment) -> bool:
    """The rule of filter_visible_comments for one loaded comment."""
    if comment.deleted_at is not None:
        return False
    if comment.parent_id is not None:
        parent = comment.parent
        if parent.deleted_at is not None or not can_see_moderated(user, parent):
            return False
    return can_see_moderated(user, comment) and can_view_post(user, comment.post)


def check_view_comment_permission(user: User, comment_id: int) -> Comment:
    comment = (
        filter_visible_comments(user, Comment.objects.select_related("post", "post__group", "author"))
        .filter(pk=comment_id)
        .first()
    )
    if comment is None:
        raise Http404
    return comment


def can_edit_comment(user: User, comment: Comment) -> bool:
    return _active(user) and comment.author_id == user.pk and comment.deleted_at is None


def can_delete_comment(user: User, comment: Comment) -> bool:
    """The comment's author, the post's author (their own thread), or a moderator."""
    if not _active(user) or comment.deleted_at is not None:
        return False
    return (
        comment.author_id == user.pk
        or comment.post.author_id == user.pk
        or bool(getattr(user, "is_moderator", False))
    )
