"""What chat sends to sockets, and to whom. Everything goes out after the transaction commits.

Conversation events (messages, typing, membership changes) go to the conversation's channel
group `chat.<id>`, which every socket of every member joins when it connects. They are not
forwarded blindly: each socket's `chat.deliver` handler (messaging/consumers.py) checks with
messaging.permissions, fresh from the database, that its person is still in the conversation
before sending, so a removal from a group stops delivery at once, on every server process.
Per-person events (read state, presence) go to the person's group `user.<id>`.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.db import transaction

from socialco.realtime import send_to_group, send_to_handler, user_group

if TYPE_CHECKING:
    from messaging.models import Message

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
    }


def deliver_to_conversation(
    conversation_id: int, event: dict[str, Any], *, exclude_user_id: int | None = None
) -> None:
    """Send `event` now to the sockets in the conversation that pass the delivery check."""
    send_to_handler(
        conversation_group(conversation_id),
        DELIVER,
        # `delivery` names this one broadcast: the sockets of a process share its recipient check.
        {
            "conversation": conversation_id,
            "event": event,
            "exclude_user": exclude_user_id,
            "delivery": uuid.uuid4().hex,
        },
    )


def _on_commit_to_conversation(conversation_id: int, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: deliver_to_conversation(conversation_id, event))


def message_new_on_commit(message: Message) -> None:
    _on_commit_to_conversation(
        message.conversation_id, {"type": "message.new", "message": message_payload(message)}
    )


def message_updated_on_commit(message: Message) -> None:
    _on_commit_to_conversation(
        message.conversation_id, {"type": "message.updated", "message": message_payload(message)}
    )


def message_deleted_on_commit(message: Message) -> None:
    _on_commit_to_conversation(
        message.conversation_id, {"type": "message.deleted", "message": message_payload(message)}
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
