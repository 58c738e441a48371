"""Interest groups, their members, join requests and invitations.

Who may see what lives in groups/permissions.py; every write goes through groups/services.py.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Group(models.Model):
    class Visibility(models.TextChoices):
        OPEN = "open", _("Open: everyone sees it and can join")
        PRIVATE = "private", _("Private: everyone sees it exists; members see its content")
        SECRET = "secret", _("Secret: only members know it exists")

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(
        _("description"), blank=True, max_length=5000, help_text=_("Markdown: **bold**, lists, links.")
    )
    # The sanitised HTML of `description`, rendered once on save by the services.
    description_html = models.TextField(_("description (HTML)"), blank=True, editable=False)
    cover_large = models.FileField(_("cover image"), upload_to="group-covers/", blank=True, editable=False)
    cover_small = models.FileField(
        _("cover thumbnail"), upload_to="group-covers/", blank=True, editable=False
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.OPEN
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("creator"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_archived = models.BooleanField(
        _("archived"), default=False, help_text=_("Archived groups are read-only.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="interest_groups", blank=True
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        indexes = [models.Index(fields=["visibility"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("groups:detail", kwargs={"slug": self.slug})

    @property
    def has_cover(self) -> bool:
        return bool(self.cover_large)

    @property
    def cover_version(self) -> str:
        """Changes whenever the cover changes, so browsers fetch the new one."""
        return self.cover_large.name.rsplit("/", 1)[-1].split(".", 1)[0] if self.cover_large else ""


def new_cover_name(size: str, extension: str) -> str:
    """A fresh, unguessable file name for a cover image of one size."""
    return f"{secrets.token_hex(12)}-{size}{extension}"


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        MEMBER = "member", _("Member")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("joined"), default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="membership_unique_group_user")]
        indexes = [models.Index(fields=["user", "group"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.group} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role in (self.Role.OWNER, self.Role.ADMIN)


class JoinRequest(models.Model):
    """Someone asked to join a private group; a group admin approves or denies it.

    A pending request is not membership: it grants no access. Approving creates the
    Membership and deletes the request; denying keeps it (status denied) so the same person
    cannot ask again at once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DENIED = "denied", _("Denied")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_join_requests"
    )
    message = models.CharField(_("message"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="joinrequest_unique_group_user"),
        ]
        indexes = [models.Index(fields=["group", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user} asks to join {self.group} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class Invitation(models.Model):
    """A group admin invited someone; accepting makes them a member, declining deletes it.

    An invitation is not membership either: the invitee sees the group's name and
    description in their inbox, nothing more, until they accept.
    """

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_invitations"
    )
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("invited"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["group", "invitee"], name="invitation_unique_group_invitee"),
        ]
        indexes = [models.Index(fields=["invitee", "created_at"])]

    def __str__(self) -> str:
        return f"{self.invitee} invited to {self.group}"
