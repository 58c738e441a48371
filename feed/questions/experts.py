"""Who may know the answer to a question: ranking the colleagues whose profile skills or
"ask me about" topics match its tags.

Ranked by accepted answers on questions carrying those tags (counted only on questions the
viewer may see, so the ranking never betrays a hidden question), then by how many of the tags
they match, then by name. Never the asker, never a deactivated account, never someone who
may not see the question, never someone whose preference for expert requests is "off".
A fixed number of queries, whatever the number of candidates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.db.models.functions import Lower

from feed.models import Post
from feed.questions.models import Question
from feed.questions.permissions import filter_users_who_may_see, filter_visible_questions
from notifications.kinds import Delivery, Kind
from notifications.selectors import deliveries_for
from profiles.models import Skill

User = get_user_model()

MAX_CANDIDATES = 200


@dataclass
class Expert:
    user: object
    accepted_answers: int = 0
    matched: list[str] = field(default_factory=list)  # skill names matching the question's tags


def rank_experts(
    post: Post, *, viewer, tag_keys: list[str] | None = None, exclude_ids=(), limit: int | None = 5
) -> list[Expert]:
    """The people who may know, best first (see the module docstring). `viewer` decides which
    questions count towards the accepted-answer ranking (the asker when routing)."""
    keys = tag_keys if tag_keys is not None else list(post.tags.values_list("key", flat=True))
    if not keys:
        return []
    skills = dict(Skill.objects.annotate(key=Lower("name")).filter(key__in=keys).values_list("id", "name"))
    if not skills:
        return []
    matches: dict[int, set[int]] = {}
    for through in (User.skills.through, User.ask_me_about.through):
        for user_id, skill_id in through.objects.filter(skill_id__in=list(skills)).values_list(
            "user_id", "skill_id"
        ):
            matches.setdefault(user_id, set()).add(skill_id)
    excluded = {post.author_id, *exclude_ids}
    candidate_ids = [user_id for user_id in matches if user_id not in excluded]
    if not candidate_ids:
        return []
    people = {
        user.pk: user
        for user in filter_users_who_may_see(post, User.objects.filter(pk__in=candidate_ids)).only(
            "id", "display_name", "email", "title", "is_active"
        )[:MAX_CANDIDATES]
    }
    off = {
        user_id
        for user_id, delivery in deliveries_for(user_ids=list(people), kind=Kind.EXPERT_REQUEST).items()
        if delivery == Delivery.OFF
    }
    accepted = dict(
        Question.objects.filter(
            accepted_answer__isnull=False,
            accepted_answer__deleted_at__isnull=True,
            accepted_answer__author_id__in=list(people),
            post_id__in=filter_visible_questions(viewer)
            .filter(Q(tags__key__in=keys))
            .exclude(pk=post.pk)
            .values("id"),
        )
        .values("accepted_answer__author_id")
        .annotate(n=Count("pk", distinct=True))
        .values_list("accepted_answer__author_id", "n")
    )
    experts = [
        Expert(
            user=user,
            accepted_answers=accepted.get(user_id, 0),
            matched=sorted(skills[s] for s in matches[user_id]),
        )
        for user_id, user in people.items()
        if user_id not in off
    ]
    experts.sort(
        key=lambda e: (-e.accepted_answers, -len(e.matched), e.user.display_name.casefold(), e.user.pk)
    )
    return experts if limit is None else experts[:limit]
