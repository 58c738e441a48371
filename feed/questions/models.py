"""Data and invariants of questions: Question (one per question post), Answer, AnswerVote,
ExpertRequest. Imported by feed/models.py so Django registers them in the feed app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from moderation.models import ModerationState
from socialco.markdown import html_to_text

ANSWER_BODY_MAX = 10_000
MAX_QUESTION_TAGS = 5


class Question(models.Model):
    """What a question post has beyond the post: the accepted answer and the counters and
    times kept by feed/questions/services.py (so lists need no COUNT per row)."""

    post = models.OneToOneField(
        "feed.Post", primary_key=True, on_delete=models.CASCADE, related_name="question"
    )
    accepted_answer = models.ForeignKey(
        "feed.Answer",
        verbose_name=_("accepted answer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answer_count = models.PositiveIntegerField(_("answers"), default=0, editable=False)
    # The sum of the up-votes on its visible answers: "most votes" sorts by it.
    vote_count = models.PositiveIntegerField(_("votes"), default=0, editable=False)
    # Stats for analytics: the first ever answer and the first acceptance (not undone by later changes).
    first_answer_at = models.DateTimeField(_("first answered"), null=True, blank=True)
    time_to_first_answer = models.DurationField(_("time to first answer"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("first accepted"), null=True, blank=True)
    time_to_accepted_answer = models.DurationField(_("time to accepted answer"), null=True, blank=True)
    # Routing: when the experts were asked, and when the question was escalated (once).
    routed_at = models.DateTimeField(_("experts asked"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [
            models.Index(fields=["answer_count"], name="feed_question_answers"),
            models.Index(fields=["escalated_at", "answer_count"], name="feed_question_escalation"),
        ]

    def __str__(self) -> str:
        return str(self.post_id)

    @property
    def is_answered(self) -> bool:
        return self.accepted_answer_id is not None


class Answer(models.Model):
    """An answer to a question. Soft-deleted like comments; moderation may hold or hide it."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.CASCADE, related_name="answers"
    )
    body = models.TextField(_("answer"), max_length=ANSWER_BODY_MAX)
    body_html = models.TextField(blank=True, editable=False)
    vote_count = models.PositiveIntegerField(_("votes"), default=0, editable=False)
    moderation_state = models.CharField(
        _("moderation"),
        max_length=10,
        choices=ModerationState.choices,
        default=ModerationState.VISIBLE,
        db_index=True,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        indexes = [models.Index(fields=["question", "created_at", "id"], name="feed_answer_question")]

    def __str__(self) -> str:
        return self.body[:60]

    def get_absolute_url(self) -> str:
        return reverse("questions:detail", args=[self.question_id]) + f"#answer-{self.pk}"

    @property
    def preview(self) -> str:
        return Truncator(html_to_text(self.body_html)).chars(80)


class AnswerVote(models.Model):
    """One person's up-vote on an answer (never their own)."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="answer_votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("answer vote")
        verbose_name_plural = _("answer votes")
        constraints = [models.UniqueConstraint(fields=["answer", "user"], name="feed_answervote_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} +1 {self.answer_id}"


class ExpertRequest(models.Model):
    """Someone asked to help with a question: when it was posted, or when it was escalated.
    At most one per person and question, so nobody is asked twice."""

    class Round(models.TextChoices):
        POSTED = "posted", _("When posted")
        ESCALATED = "escalated", _("Escalation")

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="expert_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    round = models.CharField(_("round"), max_length=10, choices=Round.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("expert request")
        verbose_name_plural = _("expert requests")
        constraints = [
            models.UniqueConstraint(fields=["question", "user"], name="feed_expertrequest_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} asked about {self.question_id}"


__all__ = ["ANSWER_BODY_MAX", "MAX_QUESTION_TAGS", "Answer", "AnswerVote", "ExpertRequest", "Question"]
