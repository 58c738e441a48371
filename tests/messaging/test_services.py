"""Chat writes: conversations, messages, idempotency, limits, read state, rooms, retention."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone

from groups.models import Membership
from messaging.exceptions import ChatError, ChatPermissionDenied, ChatRateLimited
from messaging.models import Conversation, Message, Participant, ReadState
from messaging.selectors import unread_in, unread_total
from messaging.services import (
    conversation_add_members,
    conversation_create_group,
    conversation_get_or_create_direct,
    conversation_leave,
    conversation_mark_read,
    message_delete,
    message_edit,
    message_send,
    room_for_group,
    room_member_joined,
    typing_notify,
)
from tests.factories import UserFactory, chat_message, direct_chat, group_chat, interest_group

pytestmark = pytest.mark.django_db


def test_conversation_get_or_create_direct_makes_exactly_one_per_pair():
    ana, ben = UserFactory(), UserFactory()
    first, created = conversation_get_or_create_direct(user=ana, other_user_id=ben.pk)
    again, created_again = conversation_get_or_create_direct(user=ben, other_user_id=ana.pk)
    assert created
    assert not created_again
    assert first == again
    assert Conversation.objects.filter(kind="direct").count() == 1
    assert set(first.participants.values_list("user_id", flat=True)) == {ana.pk, ben.pk}


def test_conversation_direct_key_is_unique_in_the_database():
    from django.db import IntegrityError, transaction

    ana, ben = UserFactory(), UserFactory()
    conversation = direct_chat(ana, ben)
    with pytest.raises(IntegrityError), transaction.atomic():
        Conversation.objects.create(kind="direct", direct_key=conversation.direct_key)


def test_conversation_get_or_create_direct_refuses_self_unknown_and_deactivated():
    ana = UserFactory()
    gone = UserFactory(is_active=False)
    with pytest.raises(ChatError):
        conversation_get_or_create_direct(user=ana, other_user_id=ana.pk)
    with pytest.raises(Http404):
        conversation_get_or_create_direct(user=ana, other_user_id=gone.pk)
    with pytest.raises(Http404):
        conversation_get_or_create_direct(user=ana, other_user_id=999_999)
    assert not Conversation.objects.exists()


def test_conversation_create_group_needs_two_to_fifty_active_people():
    creator = UserFactory()
    with pytest.raises(ChatError) as too_few:
        conversation_create_group(creator=creator, member_ids=[])
    assert too_few.value.code == "too_few_members"
    others = UserFactory.create_batch(50)
    with pytest.raises(ChatError) as too_many:
        conversation_create_group(creator=creator, member_ids=[u.pk for u in others])
    assert too_many.value.code == "too_many_members"
    with pytest.raises(ChatError) as inactive:
        conversation_create_group(creator=creator, member_ids=[UserFactory(is_active=False).pk])
    assert inactive.value.code == "invalid_members"
    assert not Conversation.objects.exists()
    chat = conversation_create_group(
        creator=creator, member_ids=[u.pk for u in others[:49]], name="  Launch  crew "
    )
    assert chat.name == "Launch crew"
    assert chat.participants.count() == 50


def test_conversation_add_members_by_any_member_up_to_the_limit():
    ana, ben, cid = UserFactory(), UserFactory(), UserFactory()
    chat = group_chat(ana, ben)
    added = conversation_add_members(actor=ben, conversation_id=chat.pk, user_ids=[cid.pk, ana.pk])
    assert added == [cid]
    assert chat.participants.count() == 3
    outsider = UserFactory()
    with pytest.raises(Http404):
        conversation_add_members(actor=outsider, conversation_id=chat.pk, user_ids=[outsider.pk])
    crowd = UserFactory.create_batch(48)
    with pytest.raises(ChatError):
        conversation_add_members(actor=ana, conversation_id=chat.pk, user_ids=[u.pk for u in crowd])
    assert chat.participants.count() == 3


def test_conversation_add_members_refused_in_direct_chats():
    ana, ben = UserFactory(), UserFactory()
    with pytest.raises(ChatPermissionDenied):
        conversation_add_members(
            actor=ana, conversation_id=direct_chat(ana, ben).pk, user_ids=[UserFactory().pk]
        )


def test_conversation_leave_group_chat_only():
    ana, ben, cid = UserFactory(), UserFactory(), UserFactory()
    chat = group_chat(ana, ben, cid)
    conversation_leave(user=cid, conversation_id=chat.pk)
    assert not Participant.objects.filter(conversation=chat, user=cid).exists()
    with pytest.raises(Http404):
        message_send(sender=cid, conversation_id=chat.pk, body="still here?", client_id="c1")
    with pytest.raises(ChatPermissionDenied):
        conversation_leave(user=ana, conversation_id=direct_chat(ana, ben).pk)


def test_message_send_stores_sanitised_html_and_is_idempotent_per_client_id():
    ana, ben = UserFactory(), UserFactory()
    chat = direct_chat(ana, ben)
    message, created = message_send(
        sender=ana, conversation_id=chat.pk, body="**hi** <script>alert(1)</script>", client_id="abc-1"
    )
    assert created
    assert "<strong>hi</strong>" in message.body_html
    assert "<script>" not in message.body_html
    again, created_again = message_send(
        sender=ana, conversation_id=chat.pk, body="different", client_id="abc-1"
    )
    assert not created_again
    assert again.pk == message.pk
    assert again.body == message.body
    assert Message.objects.count() == 1
    # The same client id from someone else is their own message.
    other, created_other = message_send(sender=ben, conversation_id=chat.pk, body="yo", client_id="abc-1")
    assert created_other
    assert other.pk != message.pk


def test_message_send_query_count_is_pinned(django_assert_num_queries):
    """The gate and the retry check in one query, then the insert and two updates (conversation
    activity, the sender's read mark); savepoint and release around them in a test."""
    ana, ben, cid = UserFactory(), UserFactory(), UserFactory()
    chat = group_chat(ana, ben, cid)
    message_send(sender=ana, conversation_id=chat.pk, body="warm the caches", client_id="q0")
    with django_assert_num_queries(6):
        message_send(sender=ana, conversation_id=chat.pk, body="**hi**", client_id="q1")
    with django_assert_num_queries(2):  # a retry: the same query, then the original message
        _message, created = message_send(sender=ana, conversation_id=chat.pk, body="again", client_id="q1")
    assert not created


def test_message_send_retry_needs_the_conversation_still():
    """A retry of a message sent before leaving answers like a missing conversation."""
    ana, ben, cid = UserFactory(), UserFactory(), UserFactory()
    chat = group_chat(ana, ben, cid)
    message_send(sender=cid, conversation_id=chat.pk, body="hello", client_id="r1")
    conversation_leave(user=cid, conversation_id=chat.pk)
    with pytest.raises(Http404):
        message_send(sender=cid, conversation_id=chat.pk, body="hello", client_id="r1")


@pytest.mark.parametrize(
    ("body", "client_id", "code"),
    [
        ("x" * 4001, "ok-1", "body_too_long"),
        ("   \n ", "ok-2", "body_empty"),
        (None, "ok-3", "invalid"),
        (["list"], "ok-4", "invalid"),
        ("fine", "", "bad_client_id"),
        ("fine", "x" * 65, "bad_client_id"),
        ("fine", "has space", "bad_client_id"),
        ("fine", 12, "bad_client_id"),
    ],
)
def test_message_send_refuses_bad_input_and_stores_nothing(body, client_id, code):
    ana, ben = UserFactory(), UserFactory()
    chat = direct_chat(ana, ben)
    with pytest.raises(ChatError) as refused:
        message_send(sender=ana, conversation_id=chat.pk, body=body, client_id=client_id)
    assert refused.value.code == code
    assert refused.value.message
    assert not Message.objects.exists()


def test_message_send_accepts_exactly_the_limit():
    ana, ben = UserFactory(), UserFactory()
    message, _ = message_send(
        sender=ana, conversation_id=direct_chat(ana, ben).pk, body="y" * 4000, client_id="max"
    )
    assert len(message.body) == 4000


def test_message_send_to_a_foreign_or_missing_conversation_is_not_found():
    ana, ben, eve = UserFactory(), UserFactory(), UserFactory()
    chat = direct_chat(ana, ben)
    for conversation_id in (chat.pk, 999_999, "nope", -1, 2**70):
        with pytest.raises(Http404):
            message_send(sender=eve, conversation_id=conversation_id, body="hi", client_id="probe")
    assert not Message.objects.exists()


def test_message_send_rate_limit_twenty_per_ten_seconds(rate_limit_clock):
    ana, ben = UserFactory(), UserFactory()
    chat = direct_chat(ana, ben)
    for n in range(20):
        message_send(sender=ana, conversation_id=chat.pk, body=f"m{n}", client_id=f"r{n}")
    with pytest.raises(ChatRateLimited) as limited:
        message_send(sender=ana, conversation_id=chat.pk, body="one too many", client_id="r20")
    assert limited.value.code == "rate_limited"
    assert 0 < limited.value.retry_after <= 10
    assert Message.objects.count() == 20
    # A resend of an already stored message is still answered.
    _again, created = message_send(sender=ana, conversation_id=chat.pk, body="m3", client_id="r3")
    assert not created
    # Someone else is not slowed down.
    message_send(sender=ben, conversation_id=chat.pk, body="me too", client_id="b1")


def test_message_edit_within_the_window_only(set_site_policy):
    ana, ben = UserFactory(), UserFactory()
    chat = direct_chat(ana, ben)
    message = chat_message(ana, chat, "first")
    edited = message_edit(user=ana, message_id=message.pk, body="_second_")
    assert edited.edited_at is not None
    assert "<em>second</em>" in edited.body_html
    with pytest.raises(ChatPermissionDenied) as not_theirs:
        message_edit(user=ben, message_id=message.pk, body="hijack")
    assert not_theirs.value.code == "forbidden"
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    with pytest.raises(ChatPermissionDenied) as late:
        message_edit(user=ana, message_id=message.pk, body="too late")
    assert late.value.code == "edit_window_closed"
    set_site_policy(chat_edit_window_minutes=60)  # an admin's change applies at once
    message_edit(user=ana, message_id=message.pk, body="policy allows an hour")
    assert Message.objects.get(pk=message.pk).body == "policy allows an hour"


def test_message_delete_leaves_a_tombstone():
    ana, ben = UserFactory(), UserFactory()
    chat = direct_chat(ana, ben)
    message = chat_message(ana, chat, "oops")
    with pytest.raises(ChatPermissionDenied):
        message_delete(user=ben, message_id=message.pk)
    message_delete(user=ana, message_id=message.pk)
    tombstone = Message.objects.get(pk=message.pk)
    assert tombstone.deleted_at is not None
    assert tombstone.body == ""
    assert tombstone.body_html == ""
    with pytest.raises(ChatPermissionDenied) as again:
        message_edit(user=ana, message_id=message.pk, body="back")
    assert again.value.code == "deleted"
    with pytest.raises(Http404):
        message_delete(user=UserFactory(), message_id=message.pk)


def test_read_state_and_unread_counts():
    ana, ben, cid = UserFactory(), UserFactory(), UserFactory()
    direct = direct_chat(ana, ben)
    team = group_chat(ana, ben, cid)
    chat_message(ana, direct, "one")
    last_direct = chat_message(ana, direct, "two")
    chat_message(cid, team, "three")
    own = chat_message(ben, team, "mine")
    assert unread_in(ben, direct.pk) == 2
    assert unread_in(ben, team.pk) == 0  # own message marks the conversation read
    assert unread_total(ben) == 2
    assert unread_total(ana) == 2
    mark = conversation_mark_read(user=ben, conversation_id=direct.pk, up_to=last_direct.pk + 1000)
    assert mark == last_direct.pk  # clamped to the conversation's own messages
    assert unread_total(ben) == 0
    # The mark never moves back.
    assert conversation_mark_read(user=ben, conversation_id=direct.pk, up_to=1) == last_direct.pk
    # Deleted messages do not count.
    gone = chat_message(cid, team, "gone")
    message_delete(user=cid, message_id=gone.pk)
    assert unread_in(ben, team.pk) == 0
    assert ReadState.objects.get(user=ben, conversation=team).last_read_message_id == own.pk


def test_room_unread_counts_from_joining_until_first_read():
    owner, member = UserFactory(), UserFactory()
    group = interest_group(owner)
    room = room_for_group(group=group)
    chat_message(owner, room, "before you joined")
    Membership.objects.create(group=group, user=member)
    Membership.objects.filter(user=member).update(created_at=timezone.now() + timedelta(seconds=1))
    assert unread_in(member, room.pk) == 0
    later = chat_message(owner, room, "after")
    Message.objects.filter(pk=later.pk).update(created_at=timezone.now() + timedelta(seconds=2))
    assert unread_in(member, room.pk) == 1
    conversation_mark_read(user=member, conversation_id=room.pk, up_to=later.pk)
    assert unread_in(member, room.pk) == 0


def test_room_member_joined_sets_the_read_baseline():
    owner, member = UserFactory(), UserFactory()
    group = interest_group(owner)
    room = room_for_group(group=group)
    chat_message(owner, room, "history")
    Membership.objects.create(group=group, user=member)
    room_member_joined(group=group, user_id=member.pk)
    assert unread_in(member, room.pk) == 0
    chat_message(owner, room, "news")
    assert unread_in(member, room.pk) == 1


def test_room_follows_group_membership_and_archiving():
    owner, member = UserFactory(), UserFactory()
    group = interest_group(owner, member)
    room = room_for_group(group=group)
    assert room_for_group(group=group) == room
    chat_message(member, room, "hello room")
    Membership.objects.filter(group=group, user=member).delete()
    with pytest.raises(Http404):
        message_send(sender=member, conversation_id=room.pk, body="still here?", client_id="x1")
    group.is_archived = True
    group.save()
    with pytest.raises(ChatPermissionDenied) as read_only:
        message_send(sender=owner, conversation_id=room.pk, body="archived", client_id="x2")
    assert read_only.value.code == "read_only"


def test_typing_notify_stores_nothing_and_is_limited_to_one_per_three_seconds():
    ana, ben = UserFactory(), UserFactory()
    chat = direct_chat(ana, ben)
    assert typing_notify(user=ana, conversation_id=chat.pk) is True
    assert typing_notify(user=ana, conversation_id=chat.pk) is False
    assert typing_notify(user=ben, conversation_id=chat.pk) is True
    assert not Message.objects.exists()
    with pytest.raises(Http404):
        typing_notify(user=UserFactory(), conversation_id=chat.pk)


def test_purge_chat_history_is_off_by_default_and_deletes_old_messages_when_on(set_site_policy, capsys):
    ana, ben = UserFactory(), UserFactory()
    chat = direct_chat(ana, ben)
    old = chat_message(ana, chat, "old")
    recent = chat_message(ana, chat, "recent")
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    call_command("purge_chat_history")
    assert Message.objects.count() == 2
    assert "off" in capsys.readouterr().out.lower()
    set_site_policy(chat_retention_days=365)  # set in admin: the next run purges
    call_command("purge_chat_history", "--dry-run")
    assert Message.objects.count() == 2
    call_command("purge_chat_history")
    assert list(Message.objects.values_list("pk", flat=True)) == [recent.pk]


# --- The site policy, changed by an admin, applies to the next action -----------------------
def test_edit_window_zero_turns_editing_off_and_back_on_without_a_restart(set_site_policy):
    ana, ben = UserFactory(), UserFactory()
    message = chat_message(ana, direct_chat(ana, ben), "fresh")
    set_site_policy(chat_edit_window_minutes=0)
    with pytest.raises(ChatPermissionDenied) as off:
        message_edit(user=ana, message_id=message.pk, body="no edits today")
    assert off.value.code == "edit_window_closed"
    set_site_policy(chat_edit_window_minutes=5)
    assert message_edit(user=ana, message_id=message.pk, body="back on").body == "back on"


def test_chat_rate_limit_follows_the_site_policy_without_a_restart(set_site_policy, rate_limit_clock):
    ana, ben = UserFactory(), UserFactory()
    chat = direct_chat(ana, ben)
    set_site_policy(rate_limit_chat_messages="3/m")
    for n in range(3):
        message_send(sender=ana, conversation_id=chat.pk, body=f"m{n}", client_id=f"p{n}")
    with pytest.raises(ChatRateLimited) as limited:
        message_send(sender=ana, conversation_id=chat.pk, body="fourth", client_id="p3")
    assert "at most 3 chat messages per minute" in limited.value.message
    assert 60 < limited.value.retry_after <= 120  # the full minute, then until the weight falls
    set_site_policy(rate_limit_chat_messages="")  # no limit
    for n in range(3, 30):
        message_send(sender=ana, conversation_id=chat.pk, body=f"m{n}", client_id=f"p{n}")
    assert Message.objects.count() == 30
    set_site_policy(rate_limit_chat_messages="20/10s")
    rate_limit_clock.advance(60)  # a new minute: the earlier messages no longer count
    for n in range(30, 50):
        message_send(sender=ana, conversation_id=chat.pk, body=f"m{n}", client_id=f"p{n}")
    with pytest.raises(ChatRateLimited):
        message_send(sender=ana, conversation_id=chat.pk, body="too many", client_id="p50")
    rate_limit_clock.advance(20)
    message_send(sender=ana, conversation_id=chat.pk, body="later", client_id="p51")


def test_purge_uses_the_retention_the_admin_sets_now(set_site_policy):
    ana, ben = UserFactory(), UserFactory()
    chat = direct_chat(ana, ben)
    messages = {days: chat_message(ana, chat, f"{days} days old") for days in (10, 40, 400)}
    for days, message in messages.items():
        Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(days=days))
    set_site_policy(chat_retention_days=365)
    call_command("purge_chat_history", stdout=io.StringIO())
    assert Message.objects.count() == 2
    set_site_policy(chat_retention_days=30)
    call_command("purge_chat_history", stdout=io.StringIO())
    assert list(Message.objects.values_list("pk", flat=True)) == [messages[10].pk]
