"""Forget which posts people saw once those posts are too old for any digest:
`python manage.py prune_seen_posts` (daily from cron, see docs/notifications.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from feed.seen import SEEN_WINDOW, prune_seen_posts


class Command(BaseCommand):
    help = f"Delete the 'seen' records older than {SEEN_WINDOW.days} days (no digest looks further back)."

    def handle(self, *args, **options) -> None:
        count = prune_seen_posts()
        self.stdout.write(f"Forgot {count} seen post record(s).")
