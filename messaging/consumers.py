"""Chat on the shared /ws/ socket: client frame handlers, socket hooks and delivery checks.

Thin by design: validate the frame's shape, call a service or selector (which checks
permission through messaging.permissions), answer. The protocol is in docs/realtime.md.
Registered by MessagingConfig.ready() (importing this module is enough).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import cache as cache_result
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from messaging import events, presence, services
from messaging.exceptions import ChatError
from messaging.permissions import can_receive_conversation_events, receiving_user_ids
from messaging.selectors import (
    SYNC_MAX_CONVERSATIONS,
    conversation_ids_for_socket,
    messages_missed,
    unread_total,
)
from moderation.services import ScreeningError
from socialco.consumers import encode_event
from socialco.realtime import FrameError, frame_handler, layer_handler, socket_hook

if TYPE_CHECKING:
    from socialco.consumers import RealtimeConsumer

_background: set[asyncio.Task] = set()


# Frame validation -------------------------------------------------------------------------
def _positive_int(frame: dict[str, Any], field: str) -> int:
    value = frame.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise FrameError("invalid", _("%(field)s must be a positive integer id.") % {"field": field})
    return value


async def _run(func: Callable[..., Any], *, not_found: str, **kwargs: Any) -> Any:
    """Call a service in a worker thread and turn its refusals into error frames."""
    try:
        return await database_sync_to_async(func)(**kwargs)
    except Http404:
        raise FrameError("not_found", not_found) from None
    except ChatError as exc:
        raise FrameError(exc.code, exc.message) from None
    except ScreeningError as exc:  # the usage-guideline rules: explanations, section links
        screening = {"screening": exc.result.as_dict()}
        raise FrameError(exc.code, " ".join(exc.messages), details=screening) from None


def _no_conversation() -> str:
    return _("No such conversation.")


def _no_message() -> str:
    return _("No such message.")


async def _mark_active(consumer: RealtimeConsumer, *, away: bool = False) -> None:
    await database_sync_to_async(_announce)(consumer.user.pk, presence.activity, away=away)


def _announce(user_id: int, change: Callable[..., str | None], **kwargs: Any) -> None:
    state = change(user_id, **kwargs)
    if state is not None:
        services.presence_announce(user_id=user_id, state=state)


# Client frames ----------------------------------------------------------------------------
@frame_handler("message.send")
async def message_send(consumer: RealtimeConsumer, frame: dict[str, Any]) -> None:
    conversation_id = _positive_int(frame, "conversation")
    message, _created = await _run(
        services.message_send,
        not_found=_no_conversation(),
        sender=consumer.user,
        conversation_id=conversation_id,
        body=frame.get("body"),
        client_id=frame.get("client_id"),
        confirmed=frame.get("confirm_warnings") is True,
    )
    await consumer.send_event(
        {
            "type": "ack",
            "ref": frame.get("ref"),
            "client_id": message.client_id,
            "id": message.pk,
            "message": events.message_payload(message),
        }
    )
    await _mark_active(consumer)


@frame_handler("message.edit")
async def message_edit(consumer: RealtimeConsumer, frame: dict[str, Any]) -> None:
    message = await _run(
        services.message_edit,
        not_found=_no_message(),
        user=consumer.user,
        message_id=_positive_int(frame, "id"),
        body=frame.get("body"),
        confirmed=frame.get("confirm_warnings") is True,
    )
    await consumer.send_event({"type": "ack", "ref": frame.get("ref"), "id": message.pk})


@frame_handler("message.delete")
async def message_delete(consumer: RealtimeConsumer, frame: dict[str, Any]) -> None:
    message = await _run(
        services.message_delete,
        not_found=_no_message(),
        user=consumer.user,
        message_id=_positive_int(frame, "id"),
    )
    await consumer.send_event({"type": "ack", "ref": frame.get("ref"), "id": message.pk})


@frame_handler("typing")
async def typing(consumer: RealtimeConsumer, frame: dict[str, Any]) -> None:
    await _run(
        services.typing_notify,
        not_found=_no_conversation(),
        user=consumer.user,
        conversation_id=_positive_int(frame, "conversation"),
    )
    await _mark_active(consumer)


@frame_handler("read", read_only=True)
async def read(consumer: RealtimeConsumer, frame: dict[str, Any]) -> None:
    conversation_id = _positive_int(frame, "conversation")
    up_to = frame.get("up_to")
    if not isinstance(up_to, int) or isinstance(up_to, bool) or up_to < 0:
        raise FrameError("invalid", _("up_to must be a message id."))
    await _run(
        services.conversation_mark_read,
        not_found=_no_conversation(),
        user=consumer.user,
        conversation_id=conversation_id,
        up_to=up_to,
    )
    await _mark_active(consumer)


@frame_handler("sync", read_only=True)
async def sync(consumer: RealtimeConsumer, frame: dict[str, Any]) -> None:
    raw = frame.get("conversations")
    if not isinstance(raw, dict) or not raw:
        raise FrameError("invalid", _("conversations must map conversation ids to the last message id seen."))
    if len(raw) > SYNC_MAX_CONVERSATIONS:
        raise FrameError(
            "invalid", _("Sync at most %(max)d conversations at a time.") % {"max": SYNC_MAX_CONVERSATIONS}
        )
    last_seen: dict[int, int] = {}
    for key, value in raw.items():
        if not str(key).isdigit() or not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise FrameError(
                "invalid", _("conversations must map conversation ids to the last message id seen.")
            )
        cid = int(key)
        if 0 < cid < 2**63:
            last_seen[cid] = value
    messages, has_more, not_found = await database_sync_to_async(messages_missed)(consumer.user, last_seen)
    not_found += sorted({int(key) for key in raw} - set(last_seen))
    await consumer.send_event(
        {
            "type": "synced",
            "ref": frame.get("ref"),
            "conversations": {
                str(cid): {"messages": [events.message_payload(m) for m in rows], "has_more": has_more[cid]}
                for cid, rows in messages.items()
            },
            "not_found": not_found,
        }
    )


@frame_handler("presence", read_only=True)
async def presence_frame(consumer: RealtimeConsumer, frame: dict[str, Any]) -> None:
    state = frame.get("state")
    if state not in (presence.ONLINE, presence.AWAY):
        raise FrameError("invalid", _('state must be "online" or "away".'))
    # At most one change every few seconds per person: flapping must not flood the partners.
    if await database_sync_to_async(cache.add)(f"chat:presence-frame:{consumer.user.pk}", 1, 2):
        await _mark_active(consumer, away=state == presence.AWAY)


# Socket moments ---------------------------------------------------------------------------
@cache_result
def _chat_url() -> str:
    return reverse("messaging:index")


def _nav_badge(count: int) -> dict[str, Any]:
    return {"type": "nav.badge", "url": _chat_url(), "count": count}


def _with_nav_badge(text: str, count: int) -> str:
    """The encoded event `text` (a JSON object) with the person's new chat badge in it as
    `nav_badge: {url, count}`: one frame per member for a new message instead of the message and
    a `nav.badge` frame (static/js/app.js applies any frame's `nav_badge`). The shared encoding
    is kept; only this short tail is built per socket."""
    return f'{text[:-1]},"nav_badge":{{"url":{encode_event(_chat_url())},"count":{int(count)}}}}}'


@socket_hook("connect")
async def on_connect(consumer: RealtimeConsumer) -> None:
    """Join every conversation's group, count as online, fill the nav badge."""
    user = consumer.user
    conversation_ids = await database_sync_to_async(conversation_ids_for_socket)(user)
    for conversation_id in conversation_ids:
        await consumer.join(events.conversation_group(conversation_id))
    consumer.chat_unread_total = await database_sync_to_async(unread_total)(user)
    if consumer.chat_unread_total:  # the browser clears its badges while the socket is down
        await consumer.send_event(_nav_badge(consumer.chat_unread_total))
    await database_sync_to_async(_announce)(user.pk, presence.socket_opened)


@socket_hook("heartbeat")
async def on_heartbeat(consumer: RealtimeConsumer) -> None:
    await database_sync_to_async(_announce)(consumer.user.pk, presence.heartbeat)


@socket_hook("disconnect")
async def on_disconnect(consumer: RealtimeConsumer) -> None:
    user_id = consumer.user.pk
    was_last = await database_sync_to_async(presence.socket_closed)(user_id)
    if not was_last:
        return
    grace = getattr(settings, "CHAT_PRESENCE_OFFLINE_GRACE_SECONDS", 10)
    if grace <= 0:
        await database_sync_to_async(_announce)(user_id, presence.went_offline)
        return

    async def offline_after_grace() -> None:
        # A page change closes one socket and opens the next: do not flash "offline".
        await asyncio.sleep(grace)
        await database_sync_to_async(_announce)(user_id, presence.went_offline)

    task = asyncio.get_running_loop().create_task(offline_after_grace())
    _background.add(task)
    task.add_done_callback(_background.discard)


# Channel-layer messages (checked per socket at delivery) ----------------------------------
# One recipient check per broadcast, shared by the sockets: up to events.RECIPIENTS_INLINE_MAX
# people it is carried in the broadcast (read by the sender right after the commit); for more,
# the first socket of each server process to handle the broadcast reads who may receive it
# (fresh from the database) and the others await the same answer. Kept for a few seconds, then
# forgotten. Before this, every socket ran its own query and a 500-member room managed ~250
# deliveries/s (measured by `make bench`).
# Likewise the event's text frame is encoded once per broadcast and process, not per socket.
_RECIPIENTS_TTL = 5.0
_recipients: dict[str, asyncio.Future[frozenset[int]]] = {}
_encoded: dict[str, str] = {}


def _event_text(event: dict[str, Any], delivery: str | None) -> str:
    if delivery is None:
        return encode_event(event)
    text = _encoded.get(delivery)
    if text is None:
        text = _encoded[delivery] = encode_event(event)
        asyncio.get_running_loop().call_later(_RECIPIENTS_TTL, _encoded.pop, delivery, None)
    return text


async def _may_receive(
    user_id: int, conversation_id: int, delivery: str | None, carried: list[int] | None = None
) -> bool:
    if delivery is None:  # a payload from before this field existed: check this socket alone
        return user_id in await database_sync_to_async(receiving_user_ids)(conversation_id)
    shared = _recipients.get(delivery)
    if shared is None:
        loop = asyncio.get_running_loop()
        shared = loop.create_future()
        _recipients[delivery] = shared
        loop.call_later(_RECIPIENTS_TTL, _recipients.pop, delivery, None)
        if carried is not None:  # read by the sender right after the commit (events.py)
            shared.set_result(frozenset(carried))
            return user_id in shared.result()
        try:
            shared.set_result(await database_sync_to_async(receiving_user_ids)(conversation_id))
        except Exception as exc:
            shared.set_exception(exc)
            _recipients.pop(delivery, None)
            raise
    return user_id in await asyncio.shield(shared)


@layer_handler(events.DELIVER)
async def deliver(consumer: RealtimeConsumer, message: dict[str, Any]) -> None:
    user = consumer.user
    if message.get("exclude_user") == user.pk or user.pk in (message.get("except_users") or ()):
        return
    only = message.get("only_users")
    if only is not None and user.pk not in only:  # a held or hidden message: sender and moderators
        return
    conversation_id = message["conversation"]
    if not await _may_receive(user.pk, conversation_id, message.get("delivery"), message.get("recipients")):
        await consumer.leave(events.conversation_group(conversation_id))
        return
    event = message["event"]
    text = _event_text(event, message.get("delivery"))
    if event["type"] == "message.new" and event["message"]["sender"]["id"] != user.pk:
        # Someone else's message: the badge goes up by one, carried in the same frame.
        consumer.chat_unread_total = getattr(consumer, "chat_unread_total", 0) + 1
        await consumer.send(text_data=_with_nav_badge(text, consumer.chat_unread_total))
        return
    await consumer.send(text_data=text)
    if event["type"] in ("message.deleted", "message.removed", "message.restored"):  # count again
        consumer.chat_unread_total = await database_sync_to_async(unread_total)(user)
        await consumer.send_event(_nav_badge(consumer.chat_unread_total))


@layer_handler(events.SUBSCRIBE)
async def subscribe(consumer: RealtimeConsumer, message: dict[str, Any]) -> None:
    conversation_id = message["conversation"]
    if not await database_sync_to_async(can_receive_conversation_events)(consumer.user, conversation_id):
        return
    await consumer.join(events.conversation_group(conversation_id))
    await consumer.send_event({"type": "conversation.new", "conversation": conversation_id})


@layer_handler(events.UNSUBSCRIBE)
async def unsubscribe(consumer: RealtimeConsumer, message: dict[str, Any]) -> None:
    conversation_id = message["conversation"]
    if await database_sync_to_async(can_receive_conversation_events)(consumer.user, conversation_id):
        return  # added back in the meantime
    await consumer.leave(events.conversation_group(conversation_id))
    await consumer.send_event({"type": "conversation.removed", "conversation": conversation_id})


@layer_handler(events.READ_STATE)
async def read_state(consumer: RealtimeConsumer, message: dict[str, Any]) -> None:
    consumer.chat_unread_total = message["unread_total"]
    await consumer.send_event(
        {
            "type": "read",
            "conversation": message["conversation"],
            "user": consumer.user.pk,
            "up_to": message["up_to"],
            "unread": message["unread"],
        }
    )
    await consumer.send_event(_nav_badge(consumer.chat_unread_total))
