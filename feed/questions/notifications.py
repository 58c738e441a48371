"""Who hears about what happens to questions: one function per event, called once from
feed/questions/services.py. `notify()` applies each target's gate to every recipient, skips
the actor, inactive people and anyone whose preference for the kind is "off"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from notifications.kinds import Kind
from notifications.services import notifications_mark_read_for_target, notify
from socialco.markdown import html_to_text

if TYPE_CHECKING:
    from feed.models import Post
    from feed.questions.models import Answer

EXCERPT = 200


def register_targets() -> None:
    """Answers are notification targets (questions are posts, already registered by the feed)."""
    from feed.questions.models import Answer
    from feed.questions.permissions import can_view_answer, filter_visible_answers
    from notifications.targets import register_target

    register_target(
        Answer,
        can_view=can_view_answer,
        filter_visible=filter_visible_answers,
        url=lambda answer: answer.get_absolute_url(),
        describe=lambda answer: _("an answer to “%(text)s”") % {"text": answer.question.post.preview},
        queryset=lambda: Answer.objects.select_related("question", "question__post", "question__post__group"),
    )


def experts_asked(post: Post, people: list, *, exclude=()) -> None:
    """ "Can you help?": people who may know are asked about a question (kind expert_request)."""
    notify(
        recipients=people,
        kind=Kind.EXPERT_REQUEST,
        actor=post.author,
        target=post,
        excerpt=post.title[:EXCERPT],
        exclude=exclude,
    )


def answered(answer: Answer, mentioned: list) -> None:
    """Mentioned people hear of a new answer, then the asker (unless a mention reached them)."""
    told = notify(
        recipients=mentioned,
        kind=Kind.MENTION,
        actor=answer.author,
        target=answer,
        excerpt=html_to_text(answer.body_html)[:EXCERPT],
    )
    notify(
        recipients=[answer.question.post.author],
        kind=Kind.ANSWER,
        actor=answer.author,
        target=answer.question.post,
        excerpt=html_to_text(answer.body_html)[:EXCERPT],
        exclude=[row.recipient_id for row in told],
    )


def expert_answered(post: Post, expert) -> None:
    """An expert who was asked to help has answered: their "Can you help?" notice is done."""
    notifications_mark_read_for_target(user=expert, target=post, kinds=[Kind.EXPERT_REQUEST])


def answer_accepted(post: Post, answer: Answer, *, actor) -> None:
    notify(recipients=[answer.author], kind=Kind.ANSWER_ACCEPTED, actor=actor, target=post)
