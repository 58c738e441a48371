"""The chat visibility gate, function by function (the doors are tested in api/views/consumers)."""

import pytest
from django.http import Http404

from groups.models import Membership
from messaging.exceptions import ChatPermissionDenied
from messaging.permissions import (
    can_add_members,
    can_receive_conversation_events,
    can_send_in_conversation,
    can_view_conversation,
    check_send_message_permission,
    check_view_conversation_permission,
    filter_visible_conversations,
    filter_visible_messages,
    receiving_user_ids,
)
from messaging.services import room_for_group
from tests.factories import UserFactory, chat_message, direct_chat, group_chat, interest_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    ana, ben, cid = UserFactory.create_batch(3)
    open_group = interest_group(ana, ben, visibility="open")
    secret_group = interest_group(ana, visibility="secret")
    return {
        "people": (ana, ben, cid),
        "direct": direct_chat(ana, ben),
        "team": group_chat(ana, cid),
        "room": room_for_group(group=open_group),
        "secret_room": room_for_group(group=secret_group),
    }


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("ana", {"direct", "team", "room", "secret_room"}),
        ("ben", {"direct", "room"}),
        ("cid", {"team"}),
    ],
)
def test_filter_visible_conversations_per_person(world, who, visible):
    person = dict(zip(("ana", "ben", "cid"), world["people"], strict=True))[who]
    expected = {world[name].pk for name in visible}
    assert set(filter_visible_conversations(person).values_list("pk", flat=True)) == expected
    for name in ("direct", "team", "room", "secret_room"):
        conversation = world[name]
        assert can_view_conversation(person, conversation) is (name in visible)
        assert can_receive_conversation_events(person, conversation.pk) is (name in visible)
        if name in visible:
            assert check_view_conversation_permission(person, conversation.pk) == conversation
        else:
            with pytest.raises(Http404):
                check_view_conversation_permission(person, conversation.pk)


def test_an_open_group_room_is_for_members_not_for_everyone_who_can_see_the_group(world):
    outsider = UserFactory()
    assert not can_view_conversation(outsider, world["room"])
    Membership.objects.create(group=world["room"].group, user=outsider)
    world["room"].refresh_from_db()  # a fresh object: the group caches memberships it looked up
    assert can_view_conversation(outsider, world["room"])


def test_staff_and_superusers_get_no_access_by_role(world):
    admin = UserFactory(is_staff=True, is_superuser=True)
    assert not filter_visible_conversations(admin).exists()
    chat_message(world["people"][0], world["direct"], "private")
    assert not filter_visible_messages(admin).exists()


def test_deactivated_people_see_nothing(world):
    ana = world["people"][0]
    ana.is_active = False
    ana.save()
    assert not filter_visible_conversations(ana).exists()
    assert not can_receive_conversation_events(ana, world["direct"].pk)


def test_sending_and_adding_people(world):
    ana, ben, cid = world["people"]
    assert can_send_in_conversation(ben, world["room"])
    assert can_add_members(cid, world["team"])
    assert not can_add_members(ana, world["direct"])
    assert not can_add_members(ana, world["room"])
    group = world["room"].group
    group.is_archived = True
    group.save()
    room = check_view_conversation_permission(ben, world["room"].pk)
    assert not can_send_in_conversation(ben, room)
    with pytest.raises(ChatPermissionDenied):
        check_send_message_permission(ben, room.pk)


def test_receiving_user_ids_matches_the_per_person_check_and_drops_the_deactivated(world):
    ana, ben, cid = world["people"]
    for name in ("direct", "team", "room", "secret_room"):
        conversation = world[name]
        expected = {p.pk for p in (ana, ben, cid) if can_receive_conversation_events(p, conversation.pk)}
        assert receiving_user_ids(conversation.pk) == expected
    ben.is_active = False
    ben.save()
    assert receiving_user_ids(world["direct"].pk) == {ana.pk}
    assert receiving_user_ids(world["room"].pk) == {ana.pk}
