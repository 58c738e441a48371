"""Site-wide data owned by the project package: the site policy, its history, invitations.

Read the policy through `socialco.policy.get_policy()` (cached), never from this model in a
request. Write it through `socialco.policy_services`.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from socialco.policy_values import (
    default_notification_preferences,
    validate_domain_list,
    validate_notification_preferences,
    validate_rate_limit,
)

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
INVITATION_VALIDITY = timedelta(days=14)


class SitePolicy(models.Model):
    """The one row (pk 1) of rules admins change in Django admin, applied without a restart."""

    SINGLETON_PK = 1

    class SignupMode(models.TextChoices):
        OPEN = "open", _("Open to the allowed e-mail domains (and invited addresses)")
        INVITATION = "invitation", _("Invitation only")

    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("Everyone")
        STAFF = "staff", _("Staff members only")
        PERMISSION = "permission", _("Holders of the permission (directly or through an auth group)")

    company_name = models.CharField(_("company name"), max_length=80)
    logo = models.FileField(
        _("logo"),
        upload_to="policy/",
        blank=True,
        help_text=_("JPEG, PNG, WebP or GIF; re-encoded, at most 256 pixels on its longest side."),
    )
    signup_email_domains = models.JSONField(
        _("allowed sign-up e-mail domains"),
        default=list,
        blank=True,
        validators=[validate_domain_list],
    )
    signup_mode = models.CharField(
        _("sign-up mode"), max_length=12, choices=SignupMode.choices, default=SignupMode.OPEN
    )
    group_creation = models.CharField(
        _("who may create groups"),
        max_length=12,
        choices=Audience.choices,
        default=Audience.EVERYONE,
        help_text=_("The permission is “Can create groups”."),
    )
    announcement_posting = models.CharField(
        _("who may post announcements"),
        max_length=12,
        choices=Audience.choices,
        default=Audience.STAFF,
        help_text=_("The permission is “Can post announcements”."),
    )
    upload_max_bytes = models.PositiveIntegerField(
        _("largest upload (bytes)"),
        validators=[MinValueValidator(1024), MaxValueValidator(MAX_UPLOAD_BYTES)],
        help_text=_("Between 1024 bytes and 100 MiB; 5 MB is 5242880."),
    )
    upload_max_megapixels = models.DecimalField(
        _("largest image (megapixels)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1000"))],
        help_text=_("Larger images are refused before they are decoded."),
    )
    chat_edit_window_minutes = models.PositiveIntegerField(
        _("chat edit window (minutes)"),
        default=15,
        validators=[MaxValueValidator(7 * 24 * 60)],
        help_text=_("How long people may edit their own chat messages; 0 turns editing off."),
    )
    chat_retention_days = models.PositiveIntegerField(
        _("chat retention (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Chat messages older than this are deleted. Empty keeps them forever."),
    )
    chat_read_receipts = models.BooleanField(
        _("read receipts"), default=True, help_text=_("Show “seen” in direct chats.")
    )
    rate_limit_posts = models.CharField(
        _("posts"),
        max_length=20,
        blank=True,
        default="10/m",
        validators=[validate_rate_limit],
        help_text=_("count/period per person, e.g. 10/m, 20/10s, 100/1h; empty: no limit."),
    )
    rate_limit_comments = models.CharField(
        _("comments"), max_length=20, blank=True, default="30/m", validators=[validate_rate_limit]
    )
    rate_limit_chat_messages = models.CharField(
        _("chat messages"), max_length=20, blank=True, default="20/10s", validators=[validate_rate_limit]
    )
    question_escalation_hours = models.PositiveIntegerField(
        _("question escalation delay (hours)"),
        null=True,
        blank=True,
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 90)],
        help_text=_("An unanswered question is routed further after this long. Empty: never."),
    )
    notification_defaults = models.JSONField(
        _("default notification preferences"),
        default=default_notification_preferences,
        validators=[validate_notification_preferences],
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("site policy")
        verbose_name_plural = _("site policy")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="sitepolicy_singleton")]
        permissions = [
            ("create_group", _("Can create groups")),
            ("post_announcement", _("Can post announcements")),
        ]

    def __str__(self) -> str:
        return str(_("Site policy"))

    def clean(self) -> None:
        super().clean()
        if self.signup_mode == self.SignupMode.OPEN and not self.signup_email_domains:
            raise ValidationError(
                {
                    "signup_email_domains": _(
                        "Open sign-up needs at least one domain; "
                        "or switch the sign-up mode to invitation only."
                    )
                }
            )

    @classmethod
    def defaults_from_settings(cls) -> dict[str, Any]:
        """First values of a new installation, taken from the environment-driven settings."""
        return {
            "company_name": settings.COMPANY_NAME,
            "signup_email_domains": list(settings.SIGNUP_EMAIL_DOMAINS),
            "upload_max_bytes": min(settings.UPLOAD_MAX_BYTES, MAX_UPLOAD_BYTES),
            "upload_max_megapixels": (Decimal(settings.UPLOAD_MAX_PIXELS) / Decimal(1_000_000)).quantize(
                Decimal("0.01")
            ),
        }

    @classmethod
    def load(cls) -> SitePolicy:
        """The row, created from the settings' values if it is missing (one or two queries)."""
        policy, _created = cls.objects.get_or_create(
            pk=cls.SINGLETON_PK, defaults=cls.defaults_from_settings()
        )
        return policy


class SitePolicyChange(models.Model):
    """One changed policy field: append-only (the admin shows it read-only, save refuses updates)."""

    changed_at = models.DateTimeField(_("changed"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(
        _("changed by (as recorded)"), max_length=254, blank=True, help_text=_("Kept if the account goes.")
    )
    field = models.CharField(_("setting"), max_length=80)
    old_value = models.JSONField(_("old value"), null=True, blank=True)
    new_value = models.JSONField(_("new value"), null=True, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("site policy change")
        verbose_name_plural = _("site policy history")

    def __str__(self) -> str:
        return f"{self.field} ({self.changed_at:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValidationError(_("The policy history is append-only."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("The policy history is append-only."))


class Invitation(models.Model):
    """An address an admin invited. A sent, unexpired, unaccepted invitation lets it sign up.

    The e-mailed link carries a random token; only its SHA-256 is stored.
    """

    email = models.EmailField(_("e-mail address"), unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = (self.email or "").strip().lower()
        if self._state.adding and get_user_model().objects.filter(email__iexact=self.email).exists():
            raise ValidationError({"email": _("This address already has an account.")})

    def is_usable(self, now=None) -> bool:
        """Sent, not yet accepted and not expired: the address may sign up."""
        now = now or timezone.now()
        return (
            self.accepted_at is None
            and self.sent_at is not None
            and self.expires_at is not None
            and self.expires_at > now
        )

    @property
    def status(self) -> str:
        if self.accepted_at:
            return str(_("accepted"))
        if self.sent_at is None:
            return str(_("not sent"))
        if self.expires_at and self.expires_at <= timezone.now():
            return str(_("expired"))
        return str(_("sent"))
