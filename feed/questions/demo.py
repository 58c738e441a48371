"""Demo questions for the feed's demo (called from feed/demo.py): a few questions tagged with
the demo's skills, answers, votes, one accepted answer and one question still unanswered.

Built through feed.questions.services and idempotent: questions have fixed idempotency keys,
and answers, votes and acceptance are added only where missing.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from django.utils import timezone

from feed.models import Post
from feed.questions.models import Answer, Question
from feed.questions.services import answer_accept, answer_create, answer_vote, question_create

NAMESPACE = uuid.UUID("0b0c8f43-6a57-4f0f-9d1e-2f0f5b7c3a21")

QUESTIONS = [
    {
        "title": "How do we rotate the Redis password without downtime?",
        "body": "Our staging cache still uses the password from 2022. What is the safe order of steps?",
        "tags": "Redis, Security",
        "answers": [
            "Add the new password as a second ACL user, roll the apps, then drop the old user. "
            "`ACL SETUSER` makes this a two-step change.",
            "We did this last quarter: the runbook is in the SRE wiki under *Secrets*.",
        ],
        "accept": 0,
    },
    {
        "title": "Which Django version should new services start on?",
        "body": "Starting a small internal tool. LTS or latest?",
        "tags": "Django, Python",
        "answers": [
            "Start on the current **LTS** (5.2): three years of security fixes.",
            "Latest is fine if you upgrade every eight months; LTS if nobody will own it.",
            "LTS. Fewer surprises for whoever inherits it.",
        ],
        "accept": None,
    },
    {
        "title": "Where is the template for expense claims over 500 EUR?",
        "body": "The finance page links to an old spreadsheet. Is there a newer form?",
        "tags": "Budgeting, Procurement",
        "answers": ["It moved to the procurement portal: *New request → Expense over limit*."],
        "accept": None,
    },
    {
        "title": "Can someone review our onboarding checklist for accessibility?",
        "body": "We want the new-joiner checklist to work with screen readers. Any volunteers?",
        "tags": "Accessibility, Onboarding",
        "answers": [],
        "accept": None,
    },
]


def seed(*, people, rng: random.Random, stdout) -> None:
    now = timezone.now()
    active = [p for p in people if p.is_active]
    if len(active) < 6:
        return
    for index, spec in enumerate(QUESTIONS):
        local = random.Random(f"question-{index}")
        asker = active[(index * 7) % len(active)]
        key = uuid.uuid5(NAMESPACE, f"question-{index}")
        post = Post.objects.filter(author=asker, idempotency_key=key).first()
        if post is None:
            when = now - timedelta(days=6 - index, hours=local.randrange(1, 8))
            if not spec["answers"]:
                when = now - timedelta(
                    hours=30
                )  # older than the escalation delay: route_questions picks it up
            post = question_create(
                author=asker, title=spec["title"], body=spec["body"], tags=spec["tags"], idempotency_key=key
            )
            Post.objects.filter(pk=post.pk).update(created_at=when)  # demo timeline only
            post.created_at = when
        question = Question.objects.get(pk=post.pk)
        existing = {a.body: a for a in Answer.objects.filter(question=question)}
        others = [p for p in active if p.pk != asker.pk]
        answers = []
        for n, body in enumerate(spec["answers"]):
            answer = existing.get(body)
            if answer is None:
                author = others[(index * 5 + n * 3) % len(others)]
                answer = answer_create(question_post=post, author=author, body=body)
            answers.append(answer)
        for n, answer in enumerate(answers):
            voters = [p for p in others if p.pk != answer.author_id][: 4 - n if n < 4 else 0]
            for voter in voters:
                answer_vote(answer=answer, user=voter)
        if spec["accept"] is not None and question.accepted_answer_id is None and answers:
            answer_accept(answer=answers[spec["accept"]], actor=asker)
    stdout.write(f"Questions: {Question.objects.count()} questions, {Answer.objects.count()} answers.")
