"""Every write to questions and answers.

Keyword-only, validated before writing, one transaction each; live events and notifications
go out after the commit (feed/events.py, feed/questions/notifications.py). Bad input raises
ValidationError with a message per field; forbidden actions PermissionDenied; answers are
screened by moderation (scope "answers": ContentBlocked / ConfirmationRequired).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from feed import events
from feed import notifications as feed_notifications
from feed.models import POST_BODY_MAX, TAG_MAX, TITLE_MAX, Post
from feed.parsing import tag_key
from feed.permissions import check_post_in_audience_permission
from feed.questions import notifications
from feed.questions.experts import rank_experts
from feed.questions.models import (
    ANSWER_BODY_MAX,
    MAX_QUESTION_TAGS,
    Answer,
    AnswerVote,
    ExpertRequest,
    Question,
)
from feed.questions.permissions import (
    can_accept_answer,
    can_answer_question,
    can_delete_answer,
    can_vote_answer,
)
from feed.services import render_rich_text, screened_text, tags_get_or_create
from groups.models import Group, Membership
from moderation.models import ModerationState, Scope
from moderation.services import enforce_screening, screening_record
from profiles.models import normalise_skill_name
from socialco import policy
from socialco.ratelimits import RateLimitAction, check_rate_limit

EXPERTS_NOTIFIED = 5
TITLE_MIN = 10


def parse_tags(raw: str | Sequence[str]) -> dict[str, str]:
    """Tag names from a comma/space separated string or a list: key -> first spelling, in order.
    Normalised like skills (feed.parsing.tag_key); empty entries dropped."""
    items = raw.replace(",", " ").split() if isinstance(raw, str) else [str(x) for x in raw]
    names: dict[str, str] = {}
    for item in items:
        name = normalise_skill_name(item).lstrip("#").strip()
        if name:
            names.setdefault(tag_key(name), name)
    return names


def _check_text(errors: dict, field: str, text: str, *, limit: int, empty: str) -> None:
    if not text.strip():
        errors.setdefault(field, []).append(empty)
    elif len(text) > limit:
        errors.setdefault(field, []).append(
            _("This is %(length)s characters long; the limit is %(limit)s.")
            % {"length": f"{len(text):,}", "limit": f"{limit:,}"}
        )


# Questions -----------------------------------------------------------------------------------
@transaction.atomic
def question_create(
    *,
    author,
    title: str,
    body: str,
    tags: str | Sequence[str] = (),
    group: Group | None = None,
    idempotency_key: uuid.UUID | None = None,
    now: datetime | None = None,
    confirmed: bool = False,
) -> Post:
    """Ask a question (a feed post of kind "question") in the company or a group.

    Tags are the explicit ones plus the #hashtags of the body. The same form submitted twice
    (same `idempotency_key`) creates one question. Raises PermissionDenied if the author may not
    post in `group`; ValidationError; ContentBlocked / ConfirmationRequired (the title and
    details are screened with the rules for "answers"; `confirmed` = "post anyway");
    RateLimitExceeded. After the commit: the live "new post" event, mentions, and up to five
    experts asked for help ("People who may know"). A held question does none of that until a
    moderator approves it (then the experts are asked: `question_published`).
    """
    if idempotency_key is not None:
        existing = Post.objects.filter(author=author, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    check_post_in_audience_permission(author, group)
    errors: dict[str, list[str]] = {}
    title = " ".join(title.split())
    if not title:
        errors["title"] = [_("Ask your question in one line.")]
    elif len(title) < TITLE_MIN:
        errors["title"] = [_("Say a little more: at least %(min)s characters.") % {"min": TITLE_MIN}]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("Keep the title under %(limit)s characters.") % {"limit": TITLE_MAX}]
    _check_text(
        errors, "body", body, limit=POST_BODY_MAX, empty=_("Add the details: what you tried, what you need.")
    )
    explicit = parse_tags(tags)
    if len(explicit) > MAX_QUESTION_TAGS:
        errors["tags"] = [_("Use at most %(limit)s tags.") % {"limit": MAX_QUESTION_TAGS}]
    elif any(len(key) > TAG_MAX for key in explicit):
        errors["tags"] = [_("Keep each tag under %(limit)s characters.") % {"limit": TAG_MAX}]
    if errors:
        raise ValidationError(errors)
    screening = enforce_screening(
        text=screened_text(title=title, body=body), scope=Scope.ANSWERS, author=author, confirmed=confirmed
    )
    check_rate_limit(author, RateLimitAction.POST)

    rich = render_rich_text(body, compact=False)
    post = Post(
        moderation_state=screening.moderation_state,
        author=author,
        kind=Post.Kind.QUESTION,
        group=group,
        title=title,
        body=body,
        body_html=rich.html,
        idempotency_key=idempotency_key,
        created_at=now or timezone.now(),
    )
    post.full_clean(exclude=["author", "group"])
    try:
        with transaction.atomic():
            post.save()
    except IntegrityError:
        existing = Post.objects.filter(author=author, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing
    question = Question.objects.create(post=post)
    tags_by_key = {tag.key: tag for tag in [*tags_get_or_create(explicit), *rich.tags]}
    post.tags.set(list(tags_by_key.values()))
    post.mentioned.set(rich.mentioned)
    screening_record(target=post, result=screening)
    if post.moderation_state != ModerationState.VISIBLE:
        return post

    events.post_created(post)
    feed_notifications.mentioned_in_post(post, rich.mentioned)
    _ask_experts(question, post=post, keys=list(tags_by_key), round=ExpertRequest.Round.POSTED, now=now)
    return post


def question_published(post: Post) -> None:
    """A held question was approved (or a hidden one restored): ask the experts now if they were
    never asked. Runs inside moderation's transaction (the `restore` hook of posts)."""
    question = Question.objects.select_for_update(of=("self",)).filter(pk=post.pk).first()
    if question is None or question.routed_at is not None:
        return
    keys = list(post.tags.values_list("key", flat=True))
    _ask_experts(question, post=post, keys=keys, round=ExpertRequest.Round.POSTED)


def _ask_experts(question: Question, *, post: Post, keys: list[str], round: str, now=None) -> list:
    """Ask the next best experts not yet asked; records one ExpertRequest each. Returns the users."""
    already = set(question.expert_requests.values_list("user_id", flat=True))
    experts = rank_experts(
        post, viewer=post.author, tag_keys=keys, exclude_ids=already, limit=EXPERTS_NOTIFIED
    )
    people = [expert.user for expert in experts]
    ExpertRequest.objects.bulk_create(
        [ExpertRequest(question=question, user=user, round=round) for user in people], ignore_conflicts=True
    )
    question.routed_at = question.routed_at or now or timezone.now()
    question.save(update_fields=["routed_at"])
    notifications.experts_asked(post, people)
    return people


@transaction.atomic
def question_escalate(*, question: Question, now: datetime | None = None) -> bool:
    """Escalate one unanswered question, once: the next-best experts and, for a group
    question, the group's admins are asked for help. Returns False (and changes nothing) if it
    was already escalated, has an answer, or is no longer live."""
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("post", "post__author", "post__group")
        .get(pk=question.pk)
    )
    post = question.post
    live = post.deleted_at is None and post.moderation_state == ModerationState.VISIBLE
    if question.escalated_at is not None or question.answer_count or not live:
        return False
    now = now or timezone.now()
    question.escalated_at = now
    question.save(update_fields=["escalated_at"])
    keys = list(post.tags.values_list("key", flat=True))
    asked = _ask_experts(question, post=post, keys=keys, round=ExpertRequest.Round.ESCALATED, now=now)
    if post.group_id is not None:
        already = set(question.expert_requests.values_list("user_id", flat=True))
        admins = [
            m.user
            for m in Membership.objects.filter(
                group_id=post.group_id, role__in=[Membership.Role.OWNER, Membership.Role.ADMIN]
            ).select_related("user")
            if m.user_id not in already and m.user_id != post.author_id and m.user.is_active
        ]
        ExpertRequest.objects.bulk_create(
            [ExpertRequest(question=question, user=u, round=ExpertRequest.Round.ESCALATED) for u in admins],
            ignore_conflicts=True,
        )
        notifications.experts_asked(post, admins, exclude=[u.pk for u in asked])
    return True


def questions_escalate_due(*, now: datetime | None = None) -> int:
    """Escalate every live question still without an answer after the site policy's delay
    (`question_escalation_delay()`; None: never). Idempotent. Returns how many were escalated."""
    delay = policy.question_escalation_delay()
    if delay is None:
        return 0
    now = now or timezone.now()
    due = Question.objects.filter(
        escalated_at__isnull=True,
        answer_count=0,
        post__deleted_at__isnull=True,
        post__moderation_state=ModerationState.VISIBLE,
        post__created_at__lte=now - delay,
    ).order_by("post__created_at")
    return sum(1 for question in due if question_escalate(question=question, now=now))


# Answers -------------------------------------------------------------------------------------
def _recount(question: Question) -> None:
    """Keep answer_count and vote_count equal to the visible answers' (moderation included)."""
    live = Answer.objects.filter(
        question=question, deleted_at__isnull=True, moderation_state=ModerationState.VISIBLE
    )
    totals = live.aggregate(n=Sum("vote_count"))
    question.answer_count = live.count()
    question.vote_count = totals["n"] or 0
    Question.objects.filter(pk=question.pk).update(
        answer_count=question.answer_count, vote_count=question.vote_count
    )


def answer_recount(answer: Answer) -> None:
    """After moderation holds, hides or restores an answer: recount its question (and drop a
    hidden accepted answer's mark)."""
    answer.refresh_from_db(fields=["moderation_state"])
    question = Question.objects.select_for_update(of=("self",)).get(pk=answer.question_id)
    if question.accepted_answer_id == answer.pk and answer.moderation_state != ModerationState.VISIBLE:
        question.accepted_answer = None
        question.save(update_fields=["accepted_answer"])
    _recount(question)


@transaction.atomic
def answer_create(*, question_post: Post, author, body: str, confirmed: bool = False) -> Answer:
    """Answer a question the author may see (the door has checked) and may answer.

    Screened with the rules of scope "answers" (ContentBlocked / ConfirmationRequired; a held
    answer is visible only to its author and moderators). Records the time to the first
    answer. After the commit: the asker hears of it (kind "answer"), mentioned people too.
    """
    if not can_answer_question(author, question_post):
        raise PermissionDenied("You cannot answer this question.")
    errors: dict[str, list[str]] = {}
    _check_text(errors, "body", body, limit=ANSWER_BODY_MAX, empty=_("Write your answer first."))
    if errors:
        raise ValidationError(errors)
    result = enforce_screening(text=body, scope=Scope.ANSWERS, author=author, confirmed=confirmed)
    check_rate_limit(author, RateLimitAction.COMMENT)
    question = Question.objects.select_for_update(of=("self",)).get(pk=question_post.pk)
    rich = render_rich_text(body, compact=True)
    answer = Answer(
        question=question,
        author=author,
        body=body,
        body_html=rich.html,
        moderation_state=result.moderation_state,
    )
    answer.full_clean(exclude=["question", "author"])
    answer.save()
    screening_record(target=answer, result=result)
    _recount(question)
    if question.first_answer_at is None and answer.moderation_state == ModerationState.VISIBLE:
        question.first_answer_at = answer.created_at
        question.time_to_first_answer = answer.created_at - question_post.created_at
        question.save(update_fields=["first_answer_at", "time_to_first_answer"])
    answer.question = question
    question.post = question_post
    if answer.moderation_state == ModerationState.VISIBLE:
        notifications.answered(answer, rich.mentioned)
    notifications.expert_answered(question_post, author)
    return answer


@transaction.atomic
def answer_delete(*, answer: Answer, actor) -> None:
    """Soft-delete an answer (its author or a moderator); an accepted one loses the mark."""
    answer = Answer.objects.select_for_update(of=("self",)).get(pk=answer.pk)
    if not can_delete_answer(actor, answer):
        raise PermissionDenied("You cannot delete this answer.")
    answer.deleted_at = timezone.now()
    answer.save(update_fields=["deleted_at"])
    question = Question.objects.select_for_update(of=("self",)).get(pk=answer.question_id)
    if question.accepted_answer_id == answer.pk:
        question.accepted_answer = None
        question.save(update_fields=["accepted_answer"])
    _recount(question)


def _recount_votes(answer: Answer) -> None:
    answer.vote_count = AnswerVote.objects.filter(answer=answer).count()
    Answer.objects.filter(pk=answer.pk).update(vote_count=answer.vote_count)
    _recount(Question.objects.select_for_update(of=("self",)).get(pk=answer.question_id))


@transaction.atomic
def answer_vote(*, answer: Answer, user) -> Answer:
    """Up-vote an answer the door has shown the user; idempotent (one vote per person).
    PermissionDenied on one's own answer."""
    if not can_vote_answer(user, answer):
        raise PermissionDenied(_("You cannot vote for your own answer."))
    Answer.objects.select_for_update(of=("self",)).filter(pk=answer.pk).first()
    _vote, created = AnswerVote.objects.get_or_create(answer=answer, user=user)
    if created:
        _recount_votes(answer)
    return answer


@transaction.atomic
def answer_unvote(*, answer: Answer, user) -> Answer:
    """Take one's up-vote back, if any."""
    Answer.objects.select_for_update(of=("self",)).filter(pk=answer.pk).first()
    deleted, _rows = AnswerVote.objects.filter(answer=answer, user=user).delete()
    if deleted:
        _recount_votes(answer)
    return answer


@transaction.atomic
def answer_accept(*, answer: Answer, actor, now: datetime | None = None) -> Question:
    """Mark `answer` as the accepted one (replacing any other). Only the asker or a moderator;
    the answer must be live and visible. Records the time to the first acceptance and tells
    the answerer (kind "answer_accepted")."""
    question = (
        Question.objects.select_for_update(of=("self",)).select_related("post").get(pk=answer.question_id)
    )
    if not can_accept_answer(actor, question):
        raise PermissionDenied(_("Only the person who asked can accept an answer."))
    if answer.deleted_at is not None or answer.moderation_state != ModerationState.VISIBLE:
        raise ValidationError({"answer": [_("That answer is no longer there.")]})
    if question.accepted_answer_id == answer.pk:
        return question
    now = now or timezone.now()
    question.accepted_answer = answer
    fields = ["accepted_answer"]
    if question.accepted_at is None:
        question.accepted_at = now
        question.time_to_accepted_answer = now - question.post.created_at
        fields += ["accepted_at", "time_to_accepted_answer"]
    question.save(update_fields=fields)
    notifications.answer_accepted(question.post, answer, actor=actor)
    return question


@transaction.atomic
def answer_unaccept(*, question: Question, actor) -> Question:
    """Remove the accepted mark (the asker or a moderator)."""
    question = Question.objects.select_for_update(of=("self",)).select_related("post").get(pk=question.pk)
    if not can_accept_answer(actor, question):
        raise PermissionDenied(_("Only the person who asked can accept an answer."))
    question.accepted_answer = None
    question.save(update_fields=["accepted_answer"])
    return question
