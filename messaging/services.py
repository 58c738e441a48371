"""Every write to chat. Each function checks permission through messaging.permissions, writes
in a transaction, and sends its socket events only after the commit (messaging/events.py).

Errors: Http404 for a conversation or message the person may not see (exactly like a missing
one), ChatPermissionDenied for a visible thing they may not change, ChatError for bad input,
ChatRateLimited when they send too fast, and moderation's ContentBlocked / ConfirmationRequired
(both ScreeningError) when the usage-guideline rules refuse the text or ask the sender to
confirm it. Nothing is stored when any of these is raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import Membership
from messaging import events, policy
from messaging.exceptions import ChatError, ChatPermissionDenied, ChatRateLimited
from messaging.models import Conversation, Message, Participant, ReadState, direct_key_for
from messaging.permissions import (
    check_add_members_permission,
    check_delete_message_permission,
    check_edit_message_permission,
    check_send_message_permission,
    check_view_conversation_permission,
)
from messaging.selectors import direct_partner_ids, unread_in, unread_total
from moderation.models import ModerationState, Scope
from moderation.services import enforce_screening, screening_record
from socialco.markdown import render_markdown
from socialco.policy import read_receipts_enabled
from socialco.ratelimits import RateLimitAction, RateLimitExceeded, check_rate_limit

CLIENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
PURGE_BATCH = 1000


# Input ------------------------------------------------------------------------------------
def clean_body(body: object) -> str:
    """The message text, trimmed; ChatError when it is missing, empty or too long."""
    if not isinstance(body, str):
        raise ChatError("invalid", _("The message must be text."))
    text = body.strip()
    if not text:
        raise ChatError("body_empty", _("Write something first."))
    if len(text) > policy.MAX_BODY_CHARS:
        raise ChatError(
            "body_too_long",
            _("A message can be at most %(limit)d characters (this one has %(length)d).")
            % {"limit": policy.MAX_BODY_CHARS, "length": len(text)},
        )
    return text


def clean_client_id(client_id: object) -> str:
    if not isinstance(client_id, str) or not CLIENT_ID_PATTERN.match(client_id):
        raise ChatError(
            "bad_client_id", _("client_id must be 1 to 64 letters, digits or - _ . : (a UUID works).")
        )
    return client_id


def _check_rate(user) -> None:
    """The site policy's limit on chat messages per person (counted in the shared cache, so
    every process counts together; an admin's change applies to the next message)."""
    try:
        check_rate_limit(user, RateLimitAction.CHAT_MESSAGE)
    except RateLimitExceeded as exc:
        raise ChatRateLimited(exc.message, retry_after=exc.retry_after) from None


# Read state -------------------------------------------------------------------------------
def _latest_message_id(conversation_id: int) -> int:
    return (
        Message.objects.filter(conversation_id=conversation_id)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
        or 0
    )


def _advance_read_state(*, user_id: int, conversation_id: int, up_to: int) -> int:
    """Move the read mark forward (never back); returns the mark now stored."""
    updated = ReadState.objects.filter(
        conversation_id=conversation_id, user_id=user_id, last_read_message_id__lt=up_to
    ).update(last_read_message_id=up_to, updated_at=timezone.now())
    if not updated:
        state, _created = ReadState.objects.get_or_create(
            conversation_id=conversation_id, user_id=user_id, defaults={"last_read_message_id": up_to}
        )
        return state.last_read_message_id
    return up_to


# Conversations ----------------------------------------------------------------------------
def _add_participants(conversation: Conversation, users: Iterable, *, added_by) -> None:
    baseline = _latest_message_id(conversation.pk)
    users = list(users)
    Participant.objects.bulk_create(
        [Participant(conversation=conversation, user=user, added_by=added_by) for user in users]
    )
    ReadState.objects.bulk_create(
        [ReadState(conversation=conversation, user=user, last_read_message_id=baseline) for user in users],
        ignore_conflicts=True,
    )
    for user in users:
        events.subscribe_on_commit(user.pk, conversation.pk)


def conversation_get_or_create_direct(*, user, other_user_id: int) -> tuple[Conversation, bool]:
    """The one direct conversation between `user` and an active colleague; (conversation, created).

    Http404 for an unknown or deactivated person; ChatError for oneself.
    """
    try:
        other_pk = int(other_user_id)
    except (TypeError, ValueError):
        raise Http404 from None
    if other_pk == user.pk:
        raise ChatError("invalid", _("You cannot start a chat with yourself."))
    other = get_user_model().objects.filter(pk=other_pk, is_active=True).first()
    if other is None:
        raise Http404
    key = direct_key_for(user.pk, other.pk)
    existing = Conversation.objects.filter(direct_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            conversation = Conversation(kind=Conversation.Kind.DIRECT, direct_key=key, created_by=user)
            conversation.full_clean(validate_constraints=False)
            conversation.save()
            _add_participants(conversation, [user, other], added_by=user)
    except IntegrityError:  # the other person started it at the same moment
        return Conversation.objects.get(direct_key=key), False
    return conversation, True


def _active_people(ids: Iterable) -> dict:
    try:
        wanted = {int(pk) for pk in ids}
    except (TypeError, ValueError):
        raise ChatError("invalid_members", _("People are given by their ids.")) from None
    found = get_user_model().objects.filter(pk__in=wanted, is_active=True).in_bulk()
    if len(found) != len(wanted):
        raise ChatError("invalid_members", _("Some of these people do not exist or are deactivated."))
    return found


def _check_member_count(count: int) -> None:
    if count < policy.GROUP_CHAT_MIN_MEMBERS:
        raise ChatError("too_few_members", _("A group chat needs at least one other person."))
    if count > policy.GROUP_CHAT_MAX_MEMBERS:
        raise ChatError(
            "too_many_members",
            _("A group chat can have at most %(max)d people; start a group for more.")
            % {"max": policy.GROUP_CHAT_MAX_MEMBERS},
        )


def _clean_name(name: object) -> str:
    if name is None:
        return ""
    if not isinstance(name, str):
        raise ChatError("invalid", _("The name must be text."))
    name = " ".join(name.split())
    if len(name) > 100:
        raise ChatError("name_too_long", _("A name can be at most 100 characters."))
    return name


@transaction.atomic
def conversation_create_group(*, creator, member_ids: Iterable[int], name: str = "") -> Conversation:
    """A group chat of the creator and 1 to 49 active colleagues, optionally named."""
    name = _clean_name(name)
    people = _active_people({*member_ids, creator.pk})
    _check_member_count(len(people))
    conversation = Conversation(kind=Conversation.Kind.GROUP, name=name, created_by=creator)
    conversation.full_clean(validate_constraints=False)
    conversation.save()
    ordered = [people.pop(creator.pk), *people.values()]
    _add_participants(conversation, ordered, added_by=creator)
    return conversation


@transaction.atomic
def conversation_add_members(*, actor, conversation_id: int, user_ids: Iterable[int]) -> list:
    """Add active colleagues to a group chat the actor is in; returns the people newly added."""
    conversation = check_add_members_permission(actor, conversation_id)
    Conversation.objects.select_for_update().filter(pk=conversation.pk).first()  # serialise additions
    people = _active_people(user_ids)
    present = set(conversation.participants.values_list("user_id", flat=True))
    new = [person for pk, person in people.items() if pk not in present]
    _check_member_count(len(present) + len(new))
    if new:
        _add_participants(conversation, new, added_by=actor)
        events.conversation_updated_on_commit(conversation.pk)
    return new


@transaction.atomic
def conversation_rename(*, actor, conversation_id: int, name: str) -> Conversation:
    conversation = check_add_members_permission(actor, conversation_id)
    conversation.name = _clean_name(name)
    conversation.save(update_fields=["name"])
    events.conversation_updated_on_commit(conversation.pk)
    return conversation


@transaction.atomic
def conversation_leave(*, user, conversation_id: int) -> None:
    """Leave a group chat (direct chats cannot be left; rooms follow group membership)."""
    conversation = check_view_conversation_permission(user, conversation_id)
    if conversation.kind != Conversation.Kind.GROUP:
        raise ChatPermissionDenied("forbidden", _("Only group chats can be left."))
    Participant.objects.filter(conversation=conversation, user_id=user.pk).delete()
    ReadState.objects.filter(conversation=conversation, user_id=user.pk).delete()
    events.unsubscribe_on_commit(user.pk, conversation.pk)
    events.conversation_updated_on_commit(conversation.pk)


# Rooms (driven by the groups app's signals: messaging/receivers.py) ------------------------
def _room_get_or_create(group) -> tuple[Conversation, bool]:
    """The group's room and whether it was just created. Creating it makes the open sockets of
    every current member join it (after commit), so a room is live for everyone from the start."""
    room = Conversation.objects.filter(group=group).first()
    if room is not None:
        return room, False
    try:
        with transaction.atomic():
            room = Conversation(kind=Conversation.Kind.ROOM, group=group, created_by=group.creator)
            room.full_clean(validate_constraints=False, exclude=["group"])
            room.save()
            for user_id in Membership.objects.filter(group=group).values_list("user_id", flat=True):
                events.subscribe_on_commit(user_id, room.pk)
    except IntegrityError:
        return Conversation.objects.get(group=group), False
    return room, True


def room_for_group(*, group) -> Conversation:
    """The chat room of an interest group, created the first time it is needed."""
    return _room_get_or_create(group)[0]


def room_member_joined(*, group, user_id: int) -> None:
    """Call after someone joins a group (its creator included): the room is created if it does
    not exist yet; the newcomer's open sockets start receiving it at once, and the room's
    history before they joined does not count as unread."""
    room, created = _room_get_or_create(group)
    if created:  # every member, the newcomer included, was subscribed by the creation
        return
    ReadState.objects.update_or_create(
        conversation=room, user_id=user_id, defaults={"last_read_message_id": _latest_message_id(room.pk)}
    )
    events.subscribe_on_commit(user_id, room.pk)


def room_member_left(*, group_id: int, user_id: int) -> None:
    """Call after someone leaves or is removed from a group: their sockets leave the room's
    channel group. (Delivery is also checked per socket, so nothing leaks even without it.)"""
    room = Conversation.objects.filter(group_id=group_id).first()
    if room is None:
        return
    ReadState.objects.filter(conversation=room, user_id=user_id).delete()
    events.unsubscribe_on_commit(user_id, room.pk)


# Messages ---------------------------------------------------------------------------------
def message_send(
    *,
    sender,
    conversation_id: int,
    body: object,
    client_id: object,
    confirmed: bool = False,
    enforce_rate_limit: bool = True,
) -> tuple[Message, bool]:
    """Store a message, then tell the conversation once the transaction commits.

    Returns (message, created). A second call with the same `client_id` from the same sender
    returns the original message and stores nothing (`created` is False), whatever its body.
    The text is screened (moderation scope "chat"): a block rule raises ContentBlocked, an
    unconfirmed warn rule ConfirmationRequired (send again with `confirmed=True`: stored and
    flagged for review); a hold rule stores it held, seen only by the sender and moderators
    until a moderator approves it.
    """
    client_id = clean_client_id(client_id)
    # One query: the conversation through the gate, and the id of a message already sent with
    # this client_id (a retry), which is returned as it is once the gate let the sender in.
    sent_before = Message.objects.filter(sender_id=sender.pk, client_id=client_id).values("pk")[:1]
    conversation = check_send_message_permission(
        sender, conversation_id, Conversation.objects.annotate(sent_before_id=Subquery(sent_before))
    )
    if conversation.sent_before_id is not None:
        return Message.objects.select_related("sender").get(pk=conversation.sent_before_id), False
    text = clean_body(body)
    screening = enforce_screening(text=text, scope=Scope.CHAT, author=sender, confirmed=bool(confirmed))
    if enforce_rate_limit:
        _check_rate(sender)
    try:
        with transaction.atomic():
            message = Message(
                conversation=conversation,
                sender=sender,
                client_id=client_id,
                body=text,
                body_html=render_markdown(text, compact=True).strip(),
                moderation_state=screening.moderation_state,
            )
            # The conversation and sender were just checked: do not fetch them again to validate.
            message.full_clean(exclude=["conversation", "sender"], validate_constraints=False)
            message.save()
            screening_record(target=message, result=screening)
            if message.moderation_state == ModerationState.VISIBLE:
                # A held message moves nothing in the others' lists until it is approved.
                Conversation.objects.filter(pk=conversation.pk).update(activity_at=message.created_at)
            _advance_read_state(user_id=sender.pk, conversation_id=conversation.pk, up_to=message.pk)
            events.message_new_on_commit(message)
    except IntegrityError:  # the same client_id raced in from another tab or retry
        return Message.objects.select_related("sender").get(sender=sender, client_id=client_id), False
    return message, True


@transaction.atomic
def message_edit(*, user, message_id: int, body: object, confirmed: bool = False) -> Message:
    """Change one's own message within the edit window; everyone sees it marked edited.

    The new text is screened like a new message (ContentBlocked, ConfirmationRequired). A hold
    rule holds a visible message: it disappears for the others until a moderator approves it.
    """
    message = check_edit_message_permission(user, message_id)
    text = clean_body(body)
    if text == message.body:
        return message
    screening = enforce_screening(text=text, scope=Scope.CHAT, author=user, confirmed=bool(confirmed))
    newly_held = screening.is_held and message.moderation_state == ModerationState.VISIBLE
    message.body = text
    message.body_html = render_markdown(text, compact=True).strip()
    message.edited_at = timezone.now()
    fields = ["body", "body_html", "edited_at"]
    if newly_held:
        message.moderation_state = ModerationState.HELD
        fields.append("moderation_state")
    message.full_clean(validate_constraints=False)
    message.save(update_fields=fields)
    screening_record(target=message, result=screening)
    if newly_held:
        events.message_hidden_on_commit(message)
    else:
        events.message_updated_on_commit(message)
    return message


@transaction.atomic
def message_delete(*, user, message_id: int) -> Message:
    """Delete one's own message: its text is erased and a tombstone stays in the conversation."""
    message = check_delete_message_permission(user, message_id)
    message.body = ""
    message.body_html = ""
    message.deleted_at = timezone.now()
    message.save(update_fields=["body", "body_html", "deleted_at"])
    events.message_deleted_on_commit(message)
    return message


@transaction.atomic
def conversation_mark_read(*, user, conversation_id: int, up_to: int) -> int:
    """Mark the conversation read up to message `up_to` (clamped to the conversation's own
    messages; the mark never moves back). Returns the mark. Tells the reader's tabs (unread
    counts) and, in direct chats when the site allows read receipts, the other person."""
    conversation = check_view_conversation_permission(user, conversation_id)
    if not isinstance(up_to, int) or isinstance(up_to, bool) or up_to < 0:
        raise ChatError("invalid", _("up_to must be a message id."))
    target = (
        Message.objects.filter(conversation=conversation, id__lte=up_to)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
        or 0
    )
    mark = _advance_read_state(user_id=user.pk, conversation_id=conversation.pk, up_to=target)
    events.read_state_on_commit(
        user_id=user.pk,
        conversation_id=conversation.pk,
        up_to=mark,
        unread=unread_in(user, conversation.pk),
        unread_total=unread_total(user),
    )
    if conversation.kind == Conversation.Kind.DIRECT and read_receipts_enabled():
        others = list(conversation.participants.exclude(user_id=user.pk).values_list("user_id", flat=True))
        events.read_receipt_on_commit(
            recipient_ids=others, conversation_id=conversation.pk, reader_id=user.pk, up_to=mark
        )
    return mark


def typing_notify(*, user, conversation_id: int) -> bool:
    """Tell the others someone is typing. Never stored; at most once per TYPING_INTERVAL_SECONDS
    per person and conversation (extra calls return False and send nothing)."""
    conversation = check_send_message_permission(user, conversation_id)
    if not cache.add(f"chat:typing:{conversation.pk}:{user.pk}", 1, timeout=policy.TYPING_INTERVAL_SECONDS):
        return False
    events.typing_now(conversation_id=conversation.pk, user_id=user.pk, name=user.display_name or user.email)
    return True


def presence_announce(*, user_id: int, state: str) -> None:
    """Tell everyone who shares a direct chat with the person about their new presence."""
    events.presence_now(recipient_ids=direct_partner_ids(user_id), user_id=user_id, state=state)


def messages_purge(*, older_than: datetime, dry_run: bool = False) -> int:
    """Delete messages sent before `older_than`, in batches. Returns how many (would be) deleted."""
    old = Message.objects.filter(created_at__lt=older_than)
    if dry_run:
        return old.count()
    deleted = 0
    while True:
        batch = list(old.order_by("id").values_list("id", flat=True)[:PURGE_BATCH])
        if not batch:
            return deleted
        with transaction.atomic():
            count, _details = Message.objects.filter(id__in=batch).delete()
        deleted += count
