"""The visibility gate for chat: every door (page, API, socket frame, socket delivery, demo,
search) asks these functions.

- A person sees a direct conversation or group chat they take part in, and the room of every
  interest group they are a member of (membership read through groups.permissions, so leaving
  or being removed from the group takes the room away at once).
- A conversation the person is not in answers exactly like one that does not exist: `check_*`
  raises Http404. Staff and moderators get no access to anyone's chat by their role.
- A held or hidden message (moderation) is seen only by its sender and by moderators who are
  in the conversation; for everyone else it answers exactly like a missing one.
- `filter_*` narrows a queryset, `can_*` answers a bool, `check_*` fetches and raises.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Exists, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import Membership
from groups.permissions import can_post_in_group, member_group_ids, membership_of
from messaging import policy
from messaging.exceptions import ChatPermissionDenied
from messaging.models import Conversation, Message, Participant
from moderation.selectors import can_see_moderated, filter_not_hidden
from socialco.policy import chat_message_editable

if TYPE_CHECKING:
    from profiles.models import User


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _visible_q(user: User) -> Q:
    return Q(id__in=Participant.objects.filter(user_id=user.pk).values("conversation_id")) | Q(
        kind=Conversation.Kind.ROOM, group_id__in=member_group_ids(user)
    )


def filter_visible_conversations(
    user: User, qs: QuerySet[Conversation] | None = None
) -> QuerySet[Conversation]:
    """Conversations the person takes part in (rooms: groups they belong to). No query of its own."""
    qs = Conversation.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    return qs.filter(_visible_q(user))


def visible_conversation_ids(user: User) -> QuerySet:
    """Subquery of the ids of `filter_visible_conversations`, for filtering other models."""
    return filter_visible_conversations(user).values("id")


def filter_visible_messages(user: User, qs: QuerySet[Message] | None = None) -> QuerySet[Message]:
    """Messages in conversations the person is in, without held or hidden ones (except the
    person's own; moderators keep them). No query of its own."""
    qs = Message.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    return filter_not_hidden(user, qs.filter(conversation_id__in=visible_conversation_ids(user)))


def can_view_conversation(user: User, conversation: Conversation) -> bool:
    if not _active(user):
        return False
    if conversation.kind == Conversation.Kind.ROOM:
        return membership_of(user, conversation.group) is not None
    return Participant.objects.filter(conversation=conversation, user_id=user.pk).exists()


def can_view_message(user: User, message: Message) -> bool:
    """In the conversation, and not held or hidden from this person."""
    return can_view_conversation(user, message.conversation) and can_see_moderated(user, message)


def can_receive_conversation_events(user: User, conversation_id: int) -> bool:
    """Fresh from the database at delivery time: is this person, still active, in the conversation?

    Used by every socket before it forwards a chat event, so removal from a group (or
    deactivation) stops delivery even to sockets that have not yet left the channel group.
    """
    still_active = Exists(get_user_model().objects.filter(pk=user.pk, is_active=True))
    return Conversation.objects.filter(still_active, _visible_q(user), pk=conversation_id).exists()


def receiving_user_ids(conversation_id: int) -> frozenset[int]:
    """Fresh from the database, in one query: the ids of every active person who may receive the
    conversation's events now (participants; for a room, the group's members). The same rule as
    `can_receive_conversation_events`, answered for everyone at once, so that one broadcast costs
    one query per server process instead of one per socket."""
    # Two index lookups glued with UNION ALL (a conversation is a room or has participants, never
    # both). Not `User.filter(pk__in=... | pk__in=...)`: that scanned and sorted every person
    # (EXPLAIN at 10,000 people: 4.7 ms per message; this: 0.1 ms).
    participants = (
        Participant.objects.filter(conversation_id=conversation_id, user__is_active=True)
        .order_by()
        .values_list("user_id", flat=True)
    )
    room_members = (
        Membership.objects.filter(
            group__chat_room__id=conversation_id,
            group__chat_room__kind=Conversation.Kind.ROOM,
            user__is_active=True,
        )
        .order_by()
        .values_list("user_id", flat=True)
    )
    return frozenset(participants.union(room_members, all=True))


def can_send_in_conversation(user: User, conversation: Conversation) -> bool:
    """Members write; a room of an archived group is read-only."""
    if not can_view_conversation(user, conversation):
        return False
    if conversation.kind == Conversation.Kind.ROOM:
        return can_post_in_group(user, conversation.group)
    return True


def can_add_members(user: User, conversation: Conversation) -> bool:
    """Any participant of a group chat may add people (direct chats and rooms: never)."""
    return conversation.kind == Conversation.Kind.GROUP and can_view_conversation(user, conversation)


def can_edit_message(user: User, message: Message, *, now=None) -> bool:
    if message.sender_id != user.pk or message.is_deleted:
        return False
    return chat_message_editable(message.created_at, now=now)


def can_delete_message(user: User, message: Message, *, now=None) -> bool:
    if message.sender_id != user.pk or message.is_deleted:
        return False
    window = policy.delete_window()
    return window is None or (now or timezone.now()) - message.created_at <= window


def check_view_conversation_permission(
    user: User, conversation_id: int, qs: QuerySet[Conversation] | None = None
) -> Conversation:
    """Fetch a conversation the person is in; any other id (foreign or missing) raises Http404.

    `qs` (e.g. with annotations the caller needs in the same query) is narrowed by the same gate."""
    conversation = (
        filter_visible_conversations(user, qs)
        .select_related("group")
        .filter(pk=_as_id(conversation_id))
        .first()
    )
    if conversation is None:
        raise Http404
    return conversation


def check_send_message_permission(
    user: User, conversation_id: int, qs: QuerySet[Conversation] | None = None
) -> Conversation:
    """Http404 unless the person is in the conversation; ChatPermissionDenied for a read-only room.
    `qs` as in `check_view_conversation_permission`."""
    conversation = check_view_conversation_permission(user, conversation_id, qs)
    # Visible is proven by the fetch above; what `can_send_in_conversation` adds is the room rule
    # (not asked again, to spare a query on every message sent).
    if conversation.kind == Conversation.Kind.ROOM and not can_post_in_group(user, conversation.group):
        raise ChatPermissionDenied("read_only", _("This conversation is read-only."))
    return conversation


def check_add_members_permission(user: User, conversation_id: int) -> Conversation:
    conversation = check_view_conversation_permission(user, conversation_id)
    if not can_add_members(user, conversation):
        raise ChatPermissionDenied("forbidden", _("People can be added to group chats only."))
    return conversation


def _visible_message(user: User, message_id: int) -> Message:
    message = (
        filter_visible_messages(user)
        .select_related("conversation", "conversation__group", "sender")
        .filter(pk=_as_id(message_id))
        .first()
    )
    if message is None:
        raise Http404
    return message


def check_view_message_permission(user: User, conversation_id: int, message_id: int) -> Message:
    """A message of a conversation the person is in that they may see; Http404 otherwise."""
    message = _visible_message(user, message_id)
    if message.conversation_id != _as_id(conversation_id):
        raise Http404
    return message


def check_edit_message_permission(user: User, message_id: int) -> Message:
    """Http404 unless the message is in a conversation the person is in; then own and in time."""
    message = _visible_message(user, message_id)
    if message.sender_id != user.pk:
        raise ChatPermissionDenied("forbidden", _("You can only edit your own messages."))
    if message.is_deleted:
        raise ChatPermissionDenied("deleted", _("This message has been deleted."))
    if not can_edit_message(user, message):
        raise ChatPermissionDenied("edit_window_closed", _("Messages can only be edited for a short while."))
    return message


def check_delete_message_permission(user: User, message_id: int) -> Message:
    message = _visible_message(user, message_id)
    if message.sender_id != user.pk:
        raise ChatPermissionDenied("forbidden", _("You can only delete your own messages."))
    if message.is_deleted:
        raise ChatPermissionDenied("deleted", _("This message has been deleted."))
    if not can_delete_message(user, message):
        raise ChatPermissionDenied(
            "delete_window_closed", _("Messages can only be deleted for a short while.")
        )
    return message


def _as_id(value) -> int:
    """A positive integer id, or Http404 (a malformed id is answered like a missing one)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if number <= 0 or number >= 2**63:
        raise Http404
    return number
