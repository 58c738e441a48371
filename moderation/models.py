"""Usage guidelines, screening rules, reports, moderation decisions, suspensions, appeals and the
append-only audit log. Behaviour lives in services.py (writes) and selectors.py (reads).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from profiles.models import User


class Scope(models.TextChoices):
    """Where a text is written; rules choose the scopes they apply to."""

    POSTS = "posts", _("Posts")
    COMMENTS = "comments", _("Comments")
    ANSWERS = "answers", _("Questions and answers")
    CHAT = "chat", _("Chat messages")
    PROFILES = "profiles", _("Profile texts")
    GROUPS = "groups", _("Group descriptions")


class RuleAction(models.TextChoices):
    """What happens to a text a rule matches, strongest first: block > hold > warn."""

    BLOCK = "block", _("Block: refuse it and explain why")
    HOLD = "hold", _("Hold: only the author and moderators see it until approved")
    WARN = "warn", _("Warn: the author must confirm, and it is flagged for review")


class ModerationState(models.TextChoices):
    """The `moderation_state` of a piece of content (the convention content models follow)."""

    VISIBLE = "visible", _("Visible")
    HELD = "held", _("Held for review")
    HIDDEN = "hidden", _("Hidden by a moderator")


# --- Guidelines -----------------------------------------------------------------------------


class GuidelineVersion(models.Model):
    """One version of the usage guidelines. Drafts are edited in admin; a published version is frozen.

    Version numbers are given at publication: a major change starts the next major number and
    must be accepted again by everyone; a minor one only shows a dismissible banner.
    """

    class Change(models.TextChoices):
        MAJOR = "major", _("Major: everyone must accept it again before writing")
        MINOR = "minor", _("Minor: a dismissible “guidelines updated” banner")

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("body"),
        max_length=100_000,
        help_text=_("Markdown. Each “## ” heading is a section that rules and reports can point to."),
    )
    body_html = models.TextField(_("rendered body"), editable=False, default="")
    sections = models.JSONField(_("sections"), editable=False, default=list)
    change = models.CharField(_("change"), max_length=5, choices=Change.choices, default=Change.MAJOR)
    change_summary = models.TextField(_("what changed"), max_length=2000, blank=True)
    major = models.PositiveIntegerField(_("major version"), null=True, editable=False)
    minor = models.PositiveIntegerField(_("minor version"), null=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-major", "-minor", "-id"]
        verbose_name = _("guideline version")
        verbose_name_plural = _("guideline versions")
        constraints = [
            models.UniqueConstraint(
                fields=["major", "minor"],
                condition=Q(published_at__isnull=False),
                name="guideline_version_unique_number",
            ),
        ]
        permissions = [("export_acceptances", _("Can export who has not accepted the guidelines"))]

    def __str__(self) -> str:
        return f"{self.title} ({self.number})" if self.is_published else f"{self.title} (draft)"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def number(self) -> str:
        return f"{self.major}.{self.minor}" if self.major is not None else ""


class WriteStateRow:
    """A row the write gate's cached per-person state is read from (moderation.selectors.
    write_state): every save and delete makes that person's cached state stale."""

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        from moderation.selectors import forget_write_state  # selectors import this module

        forget_write_state(self.user_id)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        from moderation.selectors import forget_write_state

        forget_write_state(self.user_id)
        return result


class GuidelineAcceptance(WriteStateRow, models.Model):
    """Who accepted (or, for a minor version, acknowledged) which version, and when."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guideline_acceptances"
    )
    version = models.ForeignKey(GuidelineVersion, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now)

    class Meta:
        ordering = ["-accepted_at"]
        verbose_name = _("guideline acceptance")
        verbose_name_plural = _("guideline acceptances")
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="guideline_acceptance_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} accepted {self.version.number}"


class PeopleToAccept(User):
    """Admin list of active people who have not accepted the current major version (CSV export)."""

    class Meta:
        proxy = True
        verbose_name = _("person who has not accepted the guidelines")
        verbose_name_plural = _("people who have not accepted the guidelines")


# --- Screening rules ------------------------------------------------------------------------


class Rule(models.Model):
    """An admin-defined rule checked against every text written in its scopes.

    Matching is always case-insensitive and runs on RE2 (linear time): an admin pattern can
    never hang the server. `clean()` refuses a pattern RE2 cannot compile, with its reason.
    """

    class Kind(models.TextChoices):
        WORDS = "words", _("Word list (one word per line)")
        PHRASES = "phrases", _("Phrases (one per line)")
        PATTERN = "pattern", _("Pattern (RE2 regular expression)")
        CARD_NUMBERS = "card_numbers", _("Payment card numbers (Luhn-checked)")
        OUTSIDE_EMAILS = "outside_emails", _("E-mail addresses outside the company's domains")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.WORDS)
    terms = models.TextField(
        _("words, phrases or pattern"),
        blank=True,
        max_length=20_000,
        help_text=_("Left empty for the built-in detectors (card numbers, outside e-mail addresses)."),
    )
    whole_word = models.BooleanField(
        _("whole words only"), default=True, help_text=_("“ass” then does not match “class”.")
    )
    scopes = models.JSONField(_("scopes"), default=list, help_text=_("Where the rule applies."))
    section = models.CharField(
        _("guideline section"), max_length=100, blank=True, help_text=_("The section this rule enforces.")
    )
    explanation = models.TextField(
        _("explanation for the author"), max_length=1000, help_text=_("Shown to the author as they write.")
    )
    action = models.CharField(_("action"), max_length=5, choices=RuleAction.choices, default=RuleAction.WARN)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("screening rule")
        verbose_name_plural = _("screening rules")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        from moderation.services import forget_enabled_rules  # services import this module

        forget_enabled_rules()  # screening reads a cached list of the enabled rules

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        from moderation.services import forget_enabled_rules

        forget_enabled_rules()
        return result

    def clean(self) -> None:
        from moderation.matching import PatternError, compile_rule

        unknown = set(self.scopes or []) - set(Scope.values)
        if not isinstance(self.scopes, list) or unknown:
            raise ValidationError({"scopes": _("Choose scopes from the list.")})
        if self.kind in (self.Kind.WORDS, self.Kind.PHRASES, self.Kind.PATTERN) and not self.terms.strip():
            raise ValidationError({"terms": _("Enter at least one word, phrase or a pattern.")})
        try:
            compile_rule(kind=self.kind, terms=self.terms, whole_word=self.whole_word)
        except PatternError as exc:
            raise ValidationError({"terms": str(exc)}) from None


# --- Moderated content: items, reports, decisions -------------------------------------------


class ModerationItem(models.Model):
    """One piece of content (any registered model) that moderation knows about.

    Created the first time it is reported, held or flagged by a rule; it gathers every report
    on that content. `state` is the source of truth for the content's moderation state (models
    that follow the `moderation_state` convention carry a copy that moderation keeps in sync).
    `is_open` means it is waiting in the queue.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="moderation_items",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ModerationState.choices, default=ModerationState.VISIBLE
    )
    is_open = models.BooleanField(_("waiting in the queue"), default=True)
    open_report_count = models.PositiveIntegerField(_("open reports"), default=0)
    flags = models.JSONField(
        _("rule matches"), default=list, blank=True, help_text=_("Rules that held or flagged it.")
    )
    excerpt = models.TextField(_("excerpt"), blank=True, max_length=2000)
    opened_at = models.DateTimeField(_("in the queue since"), default=timezone.now)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-open_report_count", "opened_at", "id"]
        verbose_name = _("moderated item")
        verbose_name_plural = _("moderated items")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="moderation_item_unique_target"
            ),
        ]
        indexes = [
            models.Index(fields=["is_open", "-open_report_count", "opened_at"], name="moderation_queue_idx"),
            models.Index(fields=["content_type", "state"], name="moderation_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.content_type.app_label}.{self.content_type.model} #{self.object_id}"


class Report(models.Model):
    """Someone's report of an item, tied to a guideline section. One open report per person per item."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    item = models.ForeignKey(ModerationItem, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        on_delete=models.CASCADE,
        related_name="moderation_reports",
    )
    section = models.CharField(_("guideline section"), max_length=100)
    note = models.TextField(_("note"), blank=True, max_length=1000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "reporter"],
                condition=Q(status="open"),
                name="report_one_open_per_person_item",
            ),
        ]

    def __str__(self) -> str:
        return f"Report by {self.reporter_id} on {self.item_id}"


class Decision(models.Model):
    """A moderator's action, always with a reason. The affected person (`subject`) may view it."""

    class Action(models.TextChoices):
        DISMISS = "dismiss", _("Dismissed the reports")
        HIDE = "hide", _("Hid the content")
        RESTORE = "restore", _("Restored the content")
        APPROVE = "approve", _("Approved held content")
        WARN = "warn", _("Warned the author")
        SUSPEND = "suspend", _("Suspended the account")
        LIFT = "lift", _("Lifted the suspension")

    APPEALABLE = frozenset({Action.HIDE, Action.SUSPEND})

    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    item = models.ForeignKey(
        ModerationItem, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("affected person"),
        null=True,
        on_delete=models.PROTECT,
        related_name="moderation_decisions",
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("moderator"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=2000)
    section = models.CharField(_("guideline section"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation decisions")
        indexes = [models.Index(fields=["subject", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d})"

    @property
    def is_appealable(self) -> bool:
        return self.action in self.APPEALABLE


class Suspension(WriteStateRow, models.Model):
    """While active, the person can read but not write anywhere (pages, API, socket)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suspensions")
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="suspension")
    starts_at = models.DateTimeField(_("starts"), default=timezone.now)
    ends_at = models.DateTimeField(_("ends"))
    reason = models.TextField(_("reason"), max_length=2000)
    section = models.CharField(_("guideline section"), max_length=100, blank=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        indexes = [models.Index(fields=["user", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.user} until {self.ends_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.lifted_at is None and self.starts_at <= now < self.ends_at


class Appeal(models.Model):
    """The affected person's one appeal against a hide or suspension decision."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for another moderator")
        UPHELD = "upheld", _("Decision upheld")
        OVERTURNED = "overturned", _("Decision overturned")

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="appeal")
    appellant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("appealed at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True, max_length=2000)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Appeal of decision {self.decision_id}"


# --- Audit log ------------------------------------------------------------------------------


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit entry."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The audit log is append-only: entries cannot be updated.")

    def delete(self):
        raise AppendOnlyError("The audit log is append-only: entries cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("The audit log is append-only: entries cannot be updated.")

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only: entries cannot be updated.")


class AuditEntry(models.Model):
    """Who did what to which target, the old and new values, the reason, when. Append-only.

    `save()` refuses to update an existing row, `delete()` and queryset `update()`/`delete()`
    raise `AppendOnlyError`; admin offers no change or delete; there is no API to write it.
    The actor is kept by id plus a text snapshot so no later deletion rewrites a row.
    """

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        editable=False,
    )
    actor_repr = models.CharField(_("who (at the time)"), max_length=300, blank=True, editable=False)
    action = models.CharField(_("what"), max_length=60, db_index=True, editable=False)
    target_type = models.CharField(_("target type"), max_length=100, blank=True, editable=False)
    target_id = models.CharField(_("target id"), max_length=64, blank=True, editable=False)
    target_repr = models.CharField(_("target"), max_length=300, blank=True, editable=False)
    old_value = models.JSONField(_("old value"), null=True, blank=True, editable=False)
    new_value = models.JSONField(_("new value"), null=True, blank=True, editable=False)
    reason = models.TextField(_("reason"), blank=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        default_permissions = ("add", "view")
        permissions = [("export_auditentry", _("Can export the audit log"))]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_repr} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AppendOnlyError("The audit log is append-only: entries cannot be updated.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only: entries cannot be deleted.")
