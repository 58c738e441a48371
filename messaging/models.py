"""Chat data and its invariants. Who may see what lives in messaging/permissions.py.

- A direct conversation exists at most once per pair of people (`direct_key` is unique).
- A group chat has its own participants (2 to 50, enforced by the services).
- A room belongs to one interest group; its members are the group's members, read through
  groups.permissions. Rooms have no Participant rows.
- A message is unique per (sender, client_id): the client's id makes resends idempotent.
- A message's `moderation_state` is `visible`, `held` (a screening rule held it) or `hidden`
  (a moderator hid it); only moderation changes it after creation (docs/moderation.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from messaging.policy import MAX_BODY_CHARS
from moderation.models import ModerationState
from socialco.markdown import html_to_text


def direct_key_for(user_a_id: int, user_b_id: int) -> str:
    """The one key for the direct conversation between two people, whatever the order."""
    low, high = sorted((int(user_a_id), int(user_b_id)))
    return f"{low}:{high}"


class Conversation(models.Model):
    class Kind(models.TextChoices):
        DIRECT = "direct", _("Direct message")
        GROUP = "group", _("Group chat")
        ROOM = "room", _("Group room")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    direct_key = models.CharField(max_length=41, null=True, blank=True, unique=True, editable=False)
    group = models.OneToOneField(
        "groups.Group",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="chat_room",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # When the last message arrived (or the conversation was created): the list's order.
    activity_at = models.DateTimeField(_("last activity"), default=timezone.now)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [models.Index(fields=["-activity_at", "-id"], name="conversation_activity")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="direct") & Q(direct_key__isnull=False))
                | (~Q(kind="direct") & Q(direct_key__isnull=True)),
                name="conversation_direct_has_key",
            ),
            models.CheckConstraint(
                condition=(Q(kind="room") & Q(group__isnull=False))
                | (~Q(kind="room") & Q(group__isnull=True)),
                name="conversation_room_has_group",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.ROOM and self.group_id:
            return str(self.group)
        return self.name or f"{self.get_kind_display()} {self.pk}"


class Participant(models.Model):
    """A person in a direct conversation or group chat (rooms use group membership instead)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_participations"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="participant_unique_conversation_user"
            )
        ]
        indexes = [models.Index(fields=["user", "conversation"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.conversation}"


class ReadState(models.Model):
    """How far one person has read one conversation (every kind, rooms included)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="read_states")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_read_states"
    )
    last_read_message_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("read state")
        verbose_name_plural = _("read states")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="readstate_unique_conversation_user"
            )
        ]
        indexes = [models.Index(fields=["user", "conversation"])]

    def __str__(self) -> str:
        return f"{self.user} read {self.conversation} up to {self.last_read_message_id}"


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_messages"
    )
    # Chosen by the client (a UUID); a resend with the same id returns the original message.
    client_id = models.CharField(_("client id"), max_length=64)
    body = models.TextField(_("message"), max_length=MAX_BODY_CHARS, blank=True)
    body_html = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    # Written by screening at creation (held) and by moderation itself (hidden, restored,
    # approved); the selectors keep held and hidden messages from everyone but their sender
    # and moderators (messaging.permissions.filter_visible_messages).
    moderation_state = models.CharField(
        _("moderation"),
        max_length=10,
        choices=ModerationState.choices,
        default=ModerationState.VISIBLE,
        db_index=True,
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(fields=["sender", "client_id"], name="message_unique_sender_client_id")
        ]
        indexes = [
            models.Index(fields=["conversation", "id"], name="message_conversation_id"),
            models.Index(fields=["created_at"], name="message_created_at"),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} in {self.conversation_id}"

    @property
    def plain_text(self) -> str:
        """What a reader sees of the rendered message, as text (for list previews)."""
        return html_to_text(self.body_html)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
