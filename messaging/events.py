"""What chat sends to sockets, and to whom. Everything goes out after the transaction commits.

Conversation events (messages, typing, membership changes) go to the conversation's channel
group `chat.<id>`, which every socket of every member joins when it connects. They are not
forwarded blindly: each socket's `chat.deliver` handler (messaging/consumers.py) checks that its
person is still in the conversation before sending, against `receiving_user_ids`
(messaging.permissions) read fresh from the database for that one broadcast (right after the
commit, or by each server process when the broadcast arrives), so a removal from a group stops
delivery from the next broadcast on, on every server process.
Per-person events (read state, presence) go to the person's group `user.<id>`.

Moderation: events about a held or hidden message go only to its sender and moderators
(`only_users` in the delivery); hiding a message tells everyone else's sockets to drop it
(`message.removed`), restoring or approving it tells every socket to show it (`message.restored`).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import transaction

from messaging.permissions import receiving_user_ids
from moderation.models import ModerationState
from profiles.models import MODERATORS_GROUP
from socialco.realtime import send_to_group, send_to_handler, user_group

if TYPE_CHECKING:
    from messaging.models import Message

# The most recipients carried in a broadcast (deliver_to_conversation).
RECIPIENTS_INLINE_MAX = 100

# Layer handlers registered by messaging/consumers.py.
DELIVER = "chat.deliver"
SUBSCRIBE = "chat.subscribe"
UNSUBSCRIBE = "chat.unsubscribe"
READ_STATE = "chat.read_state"


def conversation_group(conversation_id: int) -> str:
    """The channel-layer group of one conversation's sockets."""
    return f"chat.{conversation_id}"


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def message_payload(message: Message) -> dict[str, Any]:
    """A message as every door shows it (socket frames, API). Needs `sender` loaded."""
    deleted = message.deleted_at is not None
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "client_id": message.client_id,
        "sender": {"id": message.sender_id, "name": message.sender.display_name or message.sender.email},
        "body": "" if deleted else message.body,
        "body_html": "" if deleted else message.body_html,
        "created_at": _iso(message.created_at),
        "edited_at": _iso(message.edited_at),
        "deleted": deleted,
        # Others only ever receive visible messages; the sender and moderators see the state.
        "moderation_state": message.moderation_state,
    }


def deliver_to_conversation(
    conversation_id: int,
    event: dict[str, Any],
    *,
    exclude_user_id: int | None = None,
    only_user_ids: list[int] | None = None,
    except_user_ids: list[int] | None = None,
) -> None:
    """Send `event` now to the sockets in the conversation that pass the delivery check
    (and, when given, whose person is in `only_user_ids` and not in `except_user_ids`).

    The check (`receiving_user_ids`, who may receive the conversation's events) is read here,
    once, right after the commit, and carried in the broadcast when it names at most
    RECIPIENTS_INLINE_MAX people: the receiving processes then need no query. A larger list
    is not carried (the channel layer copies the payload once per socket); each server process
    then reads it when the broadcast arrives, once for all its sockets."""
    recipients = receiving_user_ids(conversation_id)
    send_to_handler(
        conversation_group(conversation_id),
        DELIVER,
        # `delivery` names this one broadcast: the sockets of a process share its recipient check.
        {
            "conversation": conversation_id,
            "event": event,
            "exclude_user": exclude_user_id,
            "only_users": only_user_ids,
            "except_users": except_user_ids,
            "delivery": uuid.uuid4().hex,
            "recipients": sorted(recipients) if len(recipients) <= RECIPIENTS_INLINE_MAX else None,
        },
    )


def _on_commit_to_conversation(conversation_id: int, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: deliver_to_conversation(conversation_id, event))


def moderation_audience(message: Message) -> list[int]:
    """Who sees a held or hidden message: its sender and the active moderators (read fresh)."""
    moderators = get_user_model().objects.filter(is_active=True, groups__name=MODERATORS_GROUP)
    return sorted({message.sender_id, *moderators.values_list("pk", flat=True)})


def _message_event_on_commit(message: Message, event_type: str) -> None:
    """A message event for everyone who may see the message (held or hidden: sender, moderators)."""
    event = {"type": event_type, "message": message_payload(message)}
    if message.moderation_state == ModerationState.VISIBLE:
        _on_commit_to_conversation(message.conversation_id, event)
        return
    transaction.on_commit(
        lambda: deliver_to_conversation(
            message.conversation_id, event, only_user_ids=moderation_audience(message)
        )
    )


def message_new_on_commit(message: Message) -> None:
    _message_event_on_commit(message, "message.new")


def message_updated_on_commit(message: Message) -> None:
    _message_event_on_commit(message, "message.updated")


def message_deleted_on_commit(message: Message) -> None:
    _message_event_on_commit(message, "message.deleted")


def message_hidden_on_commit(message: Message) -> None:
    """The message was hidden or held: every other socket drops it (`message.removed`); the
    sender's and moderators' sockets get it again with its new state (`message.updated`)."""
    payload = message_payload(message)
    removed = {"type": "message.removed", "conversation": message.conversation_id, "message": message.pk}

    def send() -> None:
        audience = moderation_audience(message)
        deliver_to_conversation(message.conversation_id, removed, except_user_ids=audience)
        deliver_to_conversation(
            message.conversation_id, {"type": "message.updated", "message": payload}, only_user_ids=audience
        )

    transaction.on_commit(send)


def message_restored_on_commit(message: Message) -> None:
    """The message was restored or approved: every socket shows it again, in its place."""
    _on_commit_to_conversation(
        message.conversation_id, {"type": "message.restored", "message": message_payload(message)}
    )


def conversation_updated_on_commit(conversation_id: int) -> None:
    """Members or name changed: clients refresh the conversation's details over HTTP."""
    _on_commit_to_conversation(
        conversation_id, {"type": "conversation.updated", "conversation": conversation_id}
    )


def typing_now(*, conversation_id: int, user_id: int, name: str) -> None:
    """Typing is never stored and never waits for a transaction."""
    deliver_to_conversation(
        conversation_id,
        {"type": "typing", "conversation": conversation_id, "user": {"id": user_id, "name": name}},
        exclude_user_id=user_id,
    )


def subscribe_on_commit(user_id: int, conversation_id: int) -> None:
    """The person's sockets join the conversation's group and are told about it."""
    transaction.on_commit(
        lambda: send_to_handler(user_group(user_id), SUBSCRIBE, {"conversation": conversation_id})
    )


def unsubscribe_on_commit(user_id: int, conversation_id: int) -> None:
    """The person's sockets leave the conversation's group and drop it from their list."""
    transaction.on_commit(
        lambda: send_to_handler(user_group(user_id), UNSUBSCRIBE, {"conversation": conversation_id})
    )


def read_state_on_commit(
    *, user_id: int, conversation_id: int, up_to: int, unread: int, unread_total: int
) -> None:
    """The reader's own tabs: the conversation's new unread count and the nav badge total."""
    payload = {
        "conversation": conversation_id,
        "up_to": up_to,
        "unread": unread,
        "unread_total": unread_total,
    }
    transaction.on_commit(lambda: send_to_handler(user_group(user_id), READ_STATE, payload))


def read_receipt_on_commit(
    *, recipient_ids: list[int], conversation_id: int, reader_id: int, up_to: int
) -> None:
    """ "Seen" for the other people in a direct chat (only when the site allows read receipts)."""
    event = {"type": "read", "conversation": conversation_id, "user": reader_id, "up_to": up_to}

    def send() -> None:
        for recipient_id in recipient_ids:
            send_to_group(user_group(recipient_id), event)

    transaction.on_commit(send)


def presence_now(*, recipient_ids: list[int], user_id: int, state: str) -> None:
    event = {"type": "presence", "user": user_id, "state": state}
    for recipient_id in recipient_ids:
        send_to_group(user_group(recipient_id), event)
