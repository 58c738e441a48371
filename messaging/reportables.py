"""Chat messages as moderation content (scope "chat"), registered once from MessagingConfig.ready().

- Anyone who sees a message (messaging.permissions.can_view_message) may report it.
- A moderator sees the message with the ten messages before and after it in its conversation,
  and the conversation's name, on moderation's own pages only (docs/moderation.md): chat's
  own gate is not widened for moderators.
- Hiding (or a hold by an edit) makes every other open socket drop the message; restoring or
  approving it shows it again, live (messaging/events.py), after moderation's transaction commits.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from messaging import events
from messaging.models import Conversation, Message
from messaging.permissions import can_view_message
from moderation.models import Scope
from moderation.reportables import ItemContext, ThreadEntry, register_reportable

CONTEXT_MESSAGES = 10


def conversation_name(conversation: Conversation) -> str:
    """How moderators name a conversation. Needs `group` and `participants__user` loaded."""
    if conversation.kind == Conversation.Kind.ROOM:
        return _("Room of the group %(name)s") % {"name": conversation.group.name}
    names = [p.user.display_name or p.user.email for p in conversation.participants.all()]
    if conversation.kind == Conversation.Kind.DIRECT:
        return _("Direct chat between %(names)s") % {"names": " and ".join(names)}
    label = conversation.name or ", ".join(names[:4])
    return _("Group chat %(name)s") % {"name": label}


def _entry(message: Message, *, is_target: bool = False) -> ThreadEntry:
    text = _("(deleted)") if message.is_deleted else message.body
    return ThreadEntry(
        message.sender.display_name or message.sender.email, text, message.created_at, is_target=is_target
    )


def message_context(message: Message) -> ItemContext:
    """The ten messages before and after the reported one in its conversation, oldest first."""
    around = Message.objects.filter(conversation_id=message.conversation_id).select_related("sender")
    before = list(around.filter(id__lt=message.pk).order_by("-id")[:CONTEXT_MESSAGES])
    after = list(around.filter(id__gt=message.pk).order_by("id")[:CONTEXT_MESSAGES])
    return ItemContext(
        place=conversation_name(message.conversation),
        thread=[_entry(m) for m in reversed(before)]
        + [_entry(message, is_target=True)]
        + [_entry(m) for m in after],
    )


def message_url(message: Message) -> str:
    url = reverse("messaging:conversation", kwargs={"conversation_id": message.conversation_id})
    return f"{url}#message-{message.pk}"


def _queryset() -> QuerySet[Message]:
    return Message.objects.select_related("sender", "conversation", "conversation__group").prefetch_related(
        "conversation__participants__user"
    )


def _hidden(message: Message) -> None:
    events.message_hidden_on_commit(message)


def _shown(message: Message) -> None:
    # A held message moved nothing in the conversation lists; now it is published, it does.
    Conversation.objects.filter(pk=message.conversation_id, activity_at__lt=message.created_at).update(
        activity_at=message.created_at
    )
    events.message_restored_on_commit(message)


def register() -> None:
    register_reportable(
        Message,
        scope=Scope.CHAT,
        can_view=can_view_message,
        author_field="sender",
        text=lambda message: message.body,
        context=message_context,
        place=lambda message: conversation_name(message.conversation),
        url=message_url,
        queryset=_queryset,
        hide=_hidden,
        restore=_shown,
    )
