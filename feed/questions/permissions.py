"""Who may see and do what with questions and answers, built on the post gate.

- A question is visible exactly when its post is (feed.permissions.filter_visible_posts).
- An answer is visible when its question is, it is not deleted, and moderation has not held
  or hidden it (its author and moderators still see held/hidden ones).
- Answering follows commenting: anyone on a company question, members in a group.
- Up-votes: whoever sees an answer, except its author; one each.
- Accepting: the asker, or an HR moderator (`user.is_moderator`) who can see the question.
A question or answer the viewer may not see answers exactly like a missing one (Http404).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from feed.models import Post
from feed.permissions import _active, can_comment_on_post, can_view_post, filter_visible_posts
from feed.questions.models import Answer, Question
from moderation.selectors import can_see_moderated, filter_not_hidden

if TYPE_CHECKING:
    from profiles.models import User


def _is_moderator(user) -> bool:
    return bool(getattr(user, "is_moderator", False))


# Questions -----------------------------------------------------------------------------------
def filter_visible_questions(user: User, qs: QuerySet[Post] | None = None) -> QuerySet[Post]:
    """Question posts the user may see (the post gate, narrowed to kind "question")."""
    qs = Post.objects.all() if qs is None else qs
    return filter_visible_posts(user, qs.filter(kind=Post.Kind.QUESTION))


def can_view_question(user: User, post: Post) -> bool:
    return post.kind == Post.Kind.QUESTION and can_view_post(user, post)


def check_view_question_permission(user: User, post_id: int, qs: QuerySet[Post] | None = None) -> Post:
    """The visible question post with this id (from `qs` if given), else Http404."""
    post = filter_visible_questions(user, qs).filter(pk=post_id).first()
    if post is None:
        raise Http404
    return post


def visible_question_ids(user: User) -> QuerySet:
    """Subquery of the ids of the questions the user may see."""
    return filter_visible_questions(user).values("id")


# Answers -------------------------------------------------------------------------------------
def filter_visible_answers(user: User, qs: QuerySet[Answer] | None = None) -> QuerySet[Answer]:
    """Live answers on visible questions, without held or hidden ones (except the viewer's own)."""
    qs = Answer.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    qs = qs.filter(deleted_at__isnull=True, question_id__in=visible_question_ids(user))
    return filter_not_hidden(user, qs)


def can_view_answer(user: User, answer: Answer) -> bool:
    """The rule of filter_visible_answers for one loaded answer (with question__post)."""
    if not _active(user) or answer.deleted_at is not None:
        return False
    return can_view_question(user, answer.question.post) and can_see_moderated(user, answer)


def check_view_answer_permission(user: User, answer_id: int) -> Answer:
    answer = (
        filter_visible_answers(
            user,
            Answer.objects.select_related("question", "question__post", "question__post__group", "author"),
        )
        .filter(pk=answer_id)
        .first()
    )
    if answer is None:
        raise Http404
    return answer


def can_answer_question(user: User, post: Post, *, writable_group_ids: set[int] | None = None) -> bool:
    """Who may comment on the post may answer the question."""
    return post.kind == Post.Kind.QUESTION and can_comment_on_post(
        user, post, writable_group_ids=writable_group_ids
    )


def can_vote_answer(user: User, answer: Answer) -> bool:
    """Anyone who sees the answer, except its author (the door has checked visibility)."""
    return _active(user) and answer.deleted_at is None and answer.author_id != user.pk


def can_accept_answer(user: User, question: Question) -> bool:
    """The asker, or a moderator (who must already see the question)."""
    if not _active(user) or question.post.deleted_at is not None:
        return False
    return question.post.author_id == user.pk or _is_moderator(user)


def can_delete_answer(user: User, answer: Answer) -> bool:
    """The answer's author, or a moderator."""
    if not _active(user) or answer.deleted_at is not None:
        return False
    return answer.author_id == user.pk or _is_moderator(user)


def filter_users_who_may_see(post: Post, qs: QuerySet) -> QuerySet:
    """Narrow a User queryset to the active people who may see the question `post` (expert
    routing): everyone for a company or open-group question, the members otherwise."""
    qs = qs.filter(is_active=True)
    if post.group_id is None:
        return qs
    from groups.models import Group, Membership

    if post.group.visibility == Group.Visibility.OPEN:
        return qs
    return qs.filter(id__in=Membership.objects.filter(group_id=post.group_id).values("user_id"))
