"""Plugging questions into the other apps, once, from FeedConfig.ready(): answers become
notification targets and reportable content (moderation scope "answers")."""

from __future__ import annotations

from django.utils.translation import gettext as _


def answer_context(answer):
    """What a moderator sees around a reported answer: the question and its other answers."""
    from moderation.reportables import ItemContext, ThreadEntry

    post = answer.question.post
    others = answer.question.answers.select_related("author").order_by("created_at", "id")[:20]
    return ItemContext(
        place=post.group.name if post.group_id else _("Questions"),
        thread=[ThreadEntry(post.author.display_name, f"{post.title}\n\n{post.body}", post.created_at)]
        + [
            ThreadEntry(a.author.display_name, a.body, a.created_at, is_target=a.pk == answer.pk)
            for a in others
        ],
    )


def _recount_later(answer) -> None:
    from feed.questions.services import answer_recount

    answer_recount(answer)


def register() -> None:
    from feed.questions.models import Answer
    from feed.questions.notifications import register_targets
    from feed.questions.permissions import can_view_answer
    from moderation.models import Scope
    from moderation.reportables import register_reportable

    register_targets()
    register_reportable(
        Answer,
        scope=Scope.ANSWERS,
        can_view=can_view_answer,
        author_field="author",
        text=lambda answer: answer.body,
        context=answer_context,
        place=lambda answer: answer.question.post.group.name if answer.question.post.group_id else "",
        url=lambda answer: answer.get_absolute_url(),
        queryset=lambda: Answer.objects.select_related(
            "author", "question", "question__post", "question__post__group"
        ),
        hide=_recount_later,
        restore=_recount_later,
    )
