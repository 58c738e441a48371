"""Escalate unanswered questions: `python manage.py route_questions` (run it from cron)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from feed.questions.services import questions_escalate_due


class Command(BaseCommand):
    help = (
        "Questions still without an answer after the site policy's escalation delay (24 h by default) "
        "are escalated once: the next-best experts and, for a group question, the group's admins are asked."
    )

    def handle(self, *args, **options) -> None:
        count = questions_escalate_due()
        self.stdout.write(f"Escalated {count} question(s).")
