"""Notifications, who acted on them, per-kind preferences, and the record of digests sent.

Rows are written only by notifications/services.py. Whether a row may be shown is decided
again at read time through the target registry (notifications/targets.py).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.kinds import Delivery, DigestPeriod, Kind


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    # The latest person who acted (for aggregated kinds); null once their account is deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # How many distinct people acted (1 unless the kind is aggregated).
    actor_count = models.PositiveIntegerField(_("actors"), default=1)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    # Kind-specific details the sentence needs (e.g. {"approved": true}); small, JSON-safe.
    data = models.JSONField(_("details"), default=dict, blank=True)
    # A short excerpt shown under the sentence (a comment's first words, a moderation reason).
    excerpt = models.CharField(_("excerpt"), max_length=280, blank=True)
    is_aggregate = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Bumped when an aggregated notification gains an actor; lists sort by it.
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-updated_at", "-id"], name="notif_recipient_recent"),
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_unread"),
            models.Index(fields=["target_type", "target_id"], name="notif_target"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "target_type", "target_id"],
                condition=Q(is_aggregate=True),
                name="notif_one_aggregate_per_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id} on {self.target_type_id}:{self.target_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationActor(models.Model):
    """One person who acted on an aggregated notification (each counted once)."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="actors")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notification", "actor"], name="notif_actor_once"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} on {self.notification_id}"


class NotificationPreference(models.Model):
    """One person's choice for one kind. No row means the site default (kinds.default_delivery)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    delivery = models.CharField(_("delivery"), max_length=16, choices=Delivery.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notif_pref_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind} -> {self.delivery}"


class DigestSubscription(models.Model):
    """How often one person gets the digest. No row means the site default."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_subscription"
    )
    period = models.CharField(_("digest"), max_length=10, choices=DigestPeriod.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("digest subscription")
        verbose_name_plural = _("digest subscriptions")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.period}"


class DigestRun(models.Model):
    """One digest sent to one person for one period; the unique key makes re-runs send nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_runs")
    period = models.CharField(max_length=10, choices=DigestPeriod.choices)
    # Which period this was: "2026-11-23" for a day, "2026-W48" for an ISO week.
    period_key = models.CharField(max_length=16)
    sent_at = models.DateTimeField(default=timezone.now)
    notification_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("digest sent")
        verbose_name_plural = _("digests sent")
        constraints = [
            models.UniqueConstraint(fields=["user", "period", "period_key"], name="digest_once_per_period"),
        ]
        indexes = [models.Index(fields=["user", "period", "-sent_at"], name="digest_last_run")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.period} {self.period_key}"
