"""Every read chat pages, the API and the socket need. Each starts from the visibility gate."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils.translation import gettext as _

from groups.models import Membership
from messaging.models import Conversation, Message, Participant, ReadState
from messaging.permissions import filter_visible_conversations
from moderation.selectors import filter_not_hidden

if TYPE_CHECKING:
    from profiles.models import User

SYNC_MAX_CONVERSATIONS = 100
SYNC_MAX_MESSAGES = 100
PREVIEW_CHARS = 120


def _with_unread(qs: QuerySet[Conversation], user: User) -> QuerySet[Conversation]:
    """Annotate `unread_count`: others' messages after the person's read mark, deleted ones
    (and held or hidden ones the person may not see) aside.

    A room has no read mark until the person first reads it; until then everything sent
    since they joined the group counts.
    """
    read_upto = ReadState.objects.filter(conversation=OuterRef("pk"), user_id=user.pk).values(
        "last_read_message_id"
    )[:1]
    member_since = Membership.objects.filter(group_id=OuterRef("group_id"), user_id=user.pk).values(
        "created_at"
    )[:1]
    qs = qs.annotate(_read_upto=Subquery(read_upto)).annotate(
        _unread_since=Case(
            When(_read_upto__isnull=True, then=Subquery(member_since)),
            default=Value(None),
            output_field=DateTimeField(),
        )
    )
    counted = (
        filter_not_hidden(user, Message.objects.filter(conversation=OuterRef("pk"), deleted_at__isnull=True))
        .exclude(sender_id=user.pk)
        .filter(Q(id__gt=OuterRef("_read_upto")) | Q(created_at__gte=OuterRef("_unread_since")))
        .order_by()
        .values("conversation")
        .annotate(n=Count("id"))
        .values("n")
    )
    return qs.annotate(unread_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0))


def conversations_for_list(user: User) -> QuerySet[Conversation]:
    """The person's conversations, most recent activity first, with `unread_count`,
    `last_message_id`, the group (rooms) and participants with their users (direct and group
    chats). Pass the page through `attach_summaries` for titles and last messages."""
    last_message = (
        filter_not_hidden(user, Message.objects.filter(conversation=OuterRef("pk")))
        .order_by("-id")
        .values("id")[:1]
    )
    qs = (
        filter_visible_conversations(user)
        .select_related("group")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.select_related("user").order_by("joined_at", "id"),
            )
        )
        .annotate(last_message_id=Subquery(last_message))
        .order_by("-activity_at", "-id")
    )
    return _with_unread(qs, user)


def attach_summaries(conversations: Iterable[Conversation], viewer: User) -> list[Conversation]:
    """Set `title`, `partner` (direct chats), `member_count` and `last_message` on each, in one query.

    Expects the prefetches and annotations of `conversations_for_list` or `conversation_detail`.
    """
    conversations = list(conversations)
    last_ids = [c.last_message_id for c in conversations if getattr(c, "last_message_id", None)]
    last_messages = Message.objects.select_related("sender").in_bulk(last_ids) if last_ids else {}
    for conversation in conversations:
        _summarise(conversation, viewer)
        conversation.last_message = last_messages.get(getattr(conversation, "last_message_id", None))
    return conversations


def _summarise(conversation: Conversation, viewer: User) -> None:
    conversation.partner = None
    if conversation.kind == Conversation.Kind.ROOM:
        conversation.title = conversation.group.name
        conversation.member_count = None
        return
    people = [p.user for p in conversation.participants.all()]
    conversation.member_count = len(people)
    others = [person for person in people if person.pk != viewer.pk]
    if conversation.kind == Conversation.Kind.DIRECT:
        conversation.partner = others[0] if others else viewer
        conversation.title = conversation.partner.display_name or conversation.partner.email
    elif conversation.name:
        conversation.title = conversation.name
    else:
        names = [person.get_short_name() for person in others[:3]]
        extra = len(others) - len(names)
        title = ", ".join(names) or _("Group chat")
        conversation.title = (
            _("%(names)s and %(count)d more") % {"names": title, "count": extra} if extra else title
        )


def conversation_detail(user: User, conversation: Conversation) -> Conversation:
    """One conversation the caller already checked, summarised like a list entry."""
    qs = conversations_for_list(user).filter(pk=conversation.pk)
    return attach_summaries(qs, user)[0]


def conversation_members(conversation: Conversation) -> QuerySet:
    """The people in the conversation: participants, or the group's members for a room."""
    people = get_user_model().objects.filter(is_active=True)
    if conversation.kind == Conversation.Kind.ROOM:
        return people.filter(memberships__group_id=conversation.group_id).order_by("display_name", "id")
    return people.filter(chat_participations__conversation=conversation).order_by("display_name", "id")


def member_ids(conversation: Conversation) -> list[int]:
    return list(conversation_members(conversation).values_list("pk", flat=True))


def unread_total(user: User) -> int:
    """Unread messages over all the person's conversations (the nav badge)."""
    total = _with_unread(filter_visible_conversations(user), user).aggregate(total=Sum("unread_count"))[
        "total"
    ]
    return int(total or 0)


def unread_in(user: User, conversation_id: int) -> int:
    row = _with_unread(filter_visible_conversations(user).filter(pk=conversation_id), user).values(
        "unread_count"
    )
    return int(next(iter(row), {"unread_count": 0})["unread_count"])


def messages_for_history(user: User, conversation: Conversation) -> QuerySet[Message]:
    """Newest first, for cursor pagination, without what moderation keeps from the person.
    The caller checked the conversation."""
    return filter_not_hidden(user, conversation.messages.select_related("sender")).order_by("-id")


def messages_missed(
    user: User, last_seen: dict[int, int]
) -> tuple[dict[int, list[Message]], dict[int, bool], list[int]]:
    """For `sync`: the messages after each last seen id, oldest first, in two queries.

    Returns (messages by conversation, has_more by conversation, ids that are not found).
    At most SYNC_MAX_MESSAGES per conversation; `has_more` says the client should page
    through the history API for the rest. A conversation the person is not in is reported
    exactly like one that does not exist.
    """
    visible = set(
        filter_visible_conversations(user).filter(pk__in=list(last_seen)).values_list("pk", flat=True)
    )
    not_found = sorted(cid for cid in last_seen if cid not in visible)
    result: dict[int, list[Message]] = {cid: [] for cid in sorted(visible)}
    has_more = dict.fromkeys(result, False)
    if not visible:
        return result, has_more, not_found
    after = Q()
    for cid in visible:
        after |= Q(conversation_id=cid, id__gt=last_seen[cid])
    rows = (
        filter_not_hidden(user, Message.objects.filter(after))
        .select_related("sender")
        .annotate(_rank=Window(RowNumber(), partition_by=[F("conversation_id")], order_by=F("id").asc()))
        .filter(_rank__lte=SYNC_MAX_MESSAGES + 1)
        .order_by("conversation_id", "id")
    )
    for message in rows:
        bucket = result[message.conversation_id]
        if len(bucket) < SYNC_MAX_MESSAGES:
            bucket.append(message)
        else:
            has_more[message.conversation_id] = True
    return result, has_more, not_found


def direct_partner_ids(user_id: int) -> list[int]:
    """Everyone who shares a direct conversation with the person (who sees their presence live)."""
    mine = Participant.objects.filter(user_id=user_id, conversation__kind=Conversation.Kind.DIRECT).values(
        "conversation_id"
    )
    return list(
        Participant.objects.filter(conversation_id__in=mine)
        .exclude(user_id=user_id)
        .values_list("user_id", flat=True)
        .distinct()
    )


def conversation_ids_for_socket(user: User) -> list[int]:
    """Which conversation groups a newly connected socket joins."""
    return list(filter_visible_conversations(user).values_list("pk", flat=True))


def partner_read_up_to(conversation: Conversation, viewer: User) -> int | None:
    """In a direct chat: how far the other person has read (for "Seen")."""
    if conversation.kind != Conversation.Kind.DIRECT:
        return None
    row = (
        ReadState.objects.filter(conversation=conversation)
        .exclude(user_id=viewer.pk)
        .values_list("last_read_message_id", flat=True)
        .first()
    )
    return row or 0


def people_to_add(user: User, query: str, *, exclude_ids: Iterable[int] = (), limit: int = 8) -> QuerySet:
    """Active colleagues matching a name or e-mail fragment, for starting or growing a chat."""
    query = " ".join(query.split())[:100]
    people = (
        get_user_model().objects.filter(is_active=True).exclude(pk=user.pk).exclude(pk__in=list(exclude_ids))
    )
    if query:
        people = people.filter(Q(display_name__icontains=query) | Q(email__istartswith=query))
    return people.order_by("display_name", "id")[:limit]
