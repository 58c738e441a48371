"""Mail the daily or weekly digest. Safe to run again: nobody gets the same period's digest twice.

Cron (server time), for example:
    0 7 * * *   cd /srv/socialco && .venv/bin/python manage.py send_digests --period daily
    0 7 * * 1   cd /srv/socialco && .venv/bin/python manage.py send_digests --period weekly
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from notifications.digests import send_digests
from notifications.kinds import DigestPeriod


class Command(BaseCommand):
    help = "Send the notification digest for a period (daily or weekly) to everyone subscribed."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--period", required=True, choices=[DigestPeriod.DAILY, DigestPeriod.WEEKLY])

    def handle(self, *args, **options) -> None:
        report = send_digests(period=options["period"])
        self.stdout.write(
            f"{options['period']} digest: {report.sent} sent, {report.empty} with nothing new, "
            f"{report.already_sent} already sent this period, {report.failed} failed"
        )
