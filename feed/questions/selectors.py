"""Every read the question pages and API need, each starting from the gate in
feed/questions/permissions.py and owning its joins, so a page costs a fixed number of queries
however many questions or answers it shows."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Prefetch, QuerySet, Value, When
from django.db.models.functions import Greatest

from feed.models import Post, Tag
from feed.parsing import tag_key
from feed.questions.models import Answer, AnswerVote
from feed.questions.permissions import (
    check_view_question_permission,
    filter_visible_answers,
    filter_visible_questions,
)

SIMILAR_LIMIT = 5
SIMILAR_MIN_WORD = 3
SIMILAR_MAX_WORDS = 8
STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "how",
        "can",
        "what",
        "when",
        "where",
        "who",
        "why",
        "does",
        "our",
        "your",
        "you",
        "are",
        "there",
        "this",
        "that",
        "from",
        "into",
        "should",
        "would",
        "could",
        "have",
        "has",
        "not",
        "any",
        "about",
        "get",
        "use",
        "using",
        "which",
        "best",
        "way",
    ]
)


@dataclass(frozen=True)
class ListSpec:
    """One questions list: a filter, an optional tag key, a sort."""

    filter: str = "all"
    tag: str = ""
    sort: str = "newest"

    FILTERS = ("all", "unanswered", "open", "answered", "mine")
    SORTS = ("newest", "votes", "oldest_unanswered")

    @classmethod
    def parse(cls, params) -> ListSpec:
        """From query parameters; unknown values fall back to the defaults."""
        chosen = params.get("filter", "all")
        sort = params.get("sort", "newest")
        tag = tag_key(params.get("tag", "") or "")[:50]
        return cls(
            filter=chosen if chosen in cls.FILTERS else "all",
            tag=tag,
            sort=sort if sort in cls.SORTS else "newest",
        )


def _with_question(qs: QuerySet[Post]) -> QuerySet[Post]:
    return qs.select_related("author", "group", "question").annotate(
        votes=F("question__vote_count"), answers=F("question__answer_count")
    )


def questions_list(user, spec: ListSpec) -> QuerySet[Post]:
    """The questions of a list, as question posts with `question`, `author`, `group` joined
    and `tags` prefetched (three queries for a page, whatever its length)."""
    qs = filter_visible_questions(user)
    if spec.filter == "unanswered":
        qs = qs.filter(question__answer_count=0)
    elif spec.filter == "open":
        qs = qs.filter(question__accepted_answer__isnull=True)
    elif spec.filter == "answered":
        qs = qs.filter(question__accepted_answer__isnull=False)
    elif spec.filter == "mine":
        qs = qs.filter(author_id=user.pk)
    if spec.tag:
        qs = qs.filter(id__in=Post.tags.through.objects.filter(tag__key=spec.tag).values("post_id"))
    qs = _with_question(qs).prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("key")))
    if spec.sort == "votes":
        return qs.order_by("-votes", "-created_at", "-id")
    if spec.sort == "oldest_unanswered":
        has_answers = Case(
            When(question__answer_count=0, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        return qs.annotate(has_answers=has_answers).order_by("has_answers", "created_at", "id")
    return qs.order_by("-created_at", "-id")


def question_tags(user, *, limit: int = 30) -> list[Tag]:
    """Tags used on questions the user may see, most used first (the list's tag filter)."""
    from django.db.models import Count

    return list(
        Tag.objects.filter(posts__in=filter_visible_questions(user).values("id"))
        .annotate(question_count=Count("posts", distinct=True))
        .order_by("-question_count", "key")[:limit]
    )


def question_for_detail(user, post_id: int) -> Post:
    """One visible question with author, group, question row and tags; else Http404."""
    return check_view_question_permission(
        user, post_id, _with_question(Post.objects.all()).prefetch_related("tags")
    )


def answers_for_question(user, post: Post) -> list[Answer]:
    """The visible answers: accepted first, then most votes, then oldest; each with `voted`
    (the viewer's up-vote) and the author joined. One query."""
    accepted_id = post.question.accepted_answer_id or 0
    return list(
        filter_visible_answers(user, Answer.objects.filter(question_id=post.pk))
        .select_related("author")
        .annotate(
            voted=Exists(AnswerVote.objects.filter(answer=OuterRef("pk"), user_id=user.pk)),
            is_accepted=Case(
                When(pk=accepted_id, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
        )
        .order_by("-is_accepted", "-vote_count", "created_at", "id")
    )


def similar_words(text: str) -> list[str]:
    """The words of a title worth comparing (lower-case, no stopwords, at most eight)."""
    words = []
    for word in re.findall(r"\w+", text.casefold()):
        if len(word) >= SIMILAR_MIN_WORD and word not in STOPWORDS and word not in words:
            words.append(word)
    return words[:SIMILAR_MAX_WORDS]


def similar_questions(
    user, text: str, *, limit: int = SIMILAR_LIMIT, exclude_id: int | None = None
) -> list[Post]:
    """Up to `limit` questions the user may see whose titles share the most words with `text`
    (then most answers, then newest). One query; none for an empty or trivial text."""
    words = similar_words(text[:300])
    if not words:
        return []
    score = sum(
        (
            Case(When(title__icontains=w, then=Value(1)), default=Value(0), output_field=IntegerField())
            for w in words
        ),
        Value(0),
    )
    needed = max(1, (len(words) + 2) // 3)
    qs = (
        _with_question(filter_visible_questions(user))
        .annotate(score=score)
        .filter(score__gte=Greatest(Value(needed), Value(1)))
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return list(qs.order_by("-score", "-answers", "-created_at", "-id")[:limit])
