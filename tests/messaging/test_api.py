"""/api/v1/conversations/: list, create, members, history, send; the same rules as the socket."""

import pytest
from rest_framework.test import APIClient

from messaging.models import Conversation, Message
from tests.factories import UserFactory, chat_message, direct_chat, group_chat, interest_group

pytestmark = pytest.mark.django_db

API = "/api/v1/conversations/"


@pytest.fixture
def api():
    def login(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return login


def test_conversations_list_shows_only_mine_with_unread_and_last_message(api):
    ana, ben, cid, eve = UserFactory.create_batch(4)
    direct = direct_chat(ana, ben)
    team = group_chat(ben, cid, name="Launch")
    direct_chat(eve, cid)
    chat_message(ben, direct, "hi ana")
    chat_message(cid, team, "ana is not here")
    response = api(ana).get(API)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [direct.pk]
    assert rows[0]["title"] == ben.display_name
    assert rows[0]["partner"] == {"id": ben.pk, "name": ben.display_name, "presence": "offline"}
    assert rows[0]["unread_count"] == 1
    assert rows[0]["last_message"]["body"] == "hi ana"
    ben_rows = api(ben).get(API).json()["results"]
    assert [row["id"] for row in ben_rows] == [team.pk, direct.pk]  # latest activity first
    assert ben_rows[0]["title"] == "Launch"
    assert ben_rows[0]["member_count"] == 2


def test_conversations_list_query_count_stays_flat(api, django_assert_max_num_queries):
    ana = UserFactory()
    for _ in range(12):
        other = UserFactory()
        chat = direct_chat(ana, other)
        chat_message(other, chat, "ping")
    for _ in range(6):
        team = group_chat(ana, *UserFactory.create_batch(3))
        chat_message(ana, team, "hello team")
    for _ in range(5):
        group = interest_group(ana, UserFactory())
        from messaging.services import room_for_group

        chat_message(ana, room_for_group(group=group), "room")
    client = api(ana)
    with django_assert_max_num_queries(4):  # + whether the viewer is a moderator (held/hidden messages)
        response = client.get(API + "?page_size=100")
    assert len(response.json()["results"]) == 23


def test_conversations_create_direct_is_idempotent_and_group_checks_members(api):
    ana, ben, cid = UserFactory.create_batch(3)
    client = api(ana)
    first = client.post(API, {"kind": "direct", "user": ben.pk}, format="json")
    again = client.post(API, {"kind": "direct", "user": ben.pk}, format="json")
    assert first.status_code == 201
    assert again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    unknown = client.post(API, {"kind": "direct", "user": 999_999}, format="json")
    assert unknown.status_code == 400
    assert "user" in unknown.json()
    group = client.post(API, {"kind": "group", "members": [ben.pk, cid.pk], "name": "Trio"}, format="json")
    assert group.status_code == 201
    assert group.json()["title"] == "Trio"
    assert group.json()["member_count"] == 3
    alone = client.post(API, {"kind": "group", "members": [ana.pk]}, format="json")
    assert alone.status_code == 400
    assert alone.json()["members"]
    room = client.post(API, {"kind": "room"}, format="json")
    assert room.status_code == 400


def test_conversation_members_list_and_add(api):
    ana, ben, cid, eve = UserFactory.create_batch(4)
    team = group_chat(ana, ben)
    url = f"{API}{team.pk}/members/"
    assert {p["id"] for p in api(ben).get(url).json()} == {ana.pk, ben.pk}
    added = api(ben).post(url, {"users": [cid.pk]}, format="json")
    assert added.status_code == 201
    assert [p["id"] for p in added.json()] == [cid.pk]
    assert api(eve).get(url).status_code == 404
    assert api(eve).post(url, {"users": [eve.pk]}, format="json").status_code == 404
    direct = direct_chat(ana, ben)
    assert api(ana).post(f"{API}{direct.pk}/members/", {"users": [cid.pk]}, format="json").status_code == 403
    assert api(cid).delete(f"{url}{ana.pk}/").status_code == 403
    assert api(cid).delete(f"{url}{cid.pk}/").status_code == 204
    assert api(cid).get(url).status_code == 404


def test_messages_history_is_cursor_paginated_newest_first(api, django_assert_max_num_queries):
    ana, ben = UserFactory.create_batch(2)
    chat = direct_chat(ana, ben)
    sent = [chat_message(ana if n % 2 else ben, chat, f"m{n}") for n in range(120)]
    client = api(ben)
    with django_assert_max_num_queries(3):  # + whether the viewer is a moderator (held/hidden messages)
        page = client.get(f"{API}{chat.pk}/messages/").json()
    assert [m["id"] for m in page["results"]] == [m.pk for m in reversed(sent[-50:])]
    older = client.get(page["next"]).json()
    assert [m["id"] for m in older["results"]] == [m.pk for m in reversed(sent[20:70])]
    oldest = client.get(older["next"]).json()
    assert [m["id"] for m in oldest["results"]] == [m.pk for m in reversed(sent[:20])]
    assert oldest["next"] is None


def test_messages_send_is_idempotent_like_the_socket(api):
    ana, ben = UserFactory.create_batch(2)
    chat = direct_chat(ana, ben)
    client = api(ana)
    url = f"{API}{chat.pk}/messages/"
    first = client.post(url, {"body": "hello *there*", "client_id": "api-1"}, format="json")
    again = client.post(url, {"body": "changed", "client_id": "api-1"}, format="json")
    assert first.status_code == 201
    assert again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["body_html"] == "<p>hello <em>there</em></p>"
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "x" * 4001, "client_id": "a"}, "body"),
        ({"body": "   ", "client_id": "a"}, "body"),
        ({"body": "hi", "client_id": "not ok"}, "client_id"),
        ({"body": "hi"}, "client_id"),
    ],
)
def test_messages_send_bad_input_is_a_400_with_field_errors(api, payload, field):
    ana, ben = UserFactory.create_batch(2)
    chat = direct_chat(ana, ben)
    response = api(ana).post(f"{API}{chat.pk}/messages/", payload, format="json")
    assert response.status_code == 400
    assert response.json()[field]
    assert not Message.objects.exists()


def test_messages_send_rate_limit_is_a_429(api, rate_limit_clock):
    ana, ben = UserFactory.create_batch(2)
    chat = direct_chat(ana, ben)
    client = api(ana)
    url = f"{API}{chat.pk}/messages/"
    for n in range(20):
        assert client.post(url, {"body": f"m{n}", "client_id": f"c{n}"}, format="json").status_code == 201
    response = client.post(url, {"body": "spam", "client_id": "c20"}, format="json")
    assert response.status_code == 429
    assert Message.objects.count() == 20


def test_message_edit_and_delete_through_the_api(api, set_site_policy):
    ana, ben = UserFactory.create_batch(2)
    chat = direct_chat(ana, ben)
    message = chat_message(ana, chat, "typo")
    url = f"{API}{chat.pk}/messages/{message.pk}/"
    assert api(ben).patch(url, {"body": "mine"}, format="json").status_code == 403
    edited = api(ana).patch(url, {"body": "fixed"}, format="json")
    assert edited.status_code == 200
    assert edited.json()["edited_at"]
    set_site_policy(chat_edit_window_minutes=0)
    assert api(ana).patch(url, {"body": "again"}, format="json").status_code == 403
    assert api(ana).delete(url).status_code == 204
    assert Message.objects.get(pk=message.pk).deleted_at is not None
    other = direct_chat(ana, UserFactory())
    assert api(ana).delete(f"{API}{other.pk}/messages/{message.pk}/").status_code == 404


def test_read_through_the_api(api):
    ana, ben = UserFactory.create_batch(2)
    chat = direct_chat(ana, ben)
    message = chat_message(ana, chat, "read me")
    response = api(ben).post(f"{API}{chat.pk}/read/", {"up_to": message.pk}, format="json")
    assert response.json() == {"up_to": message.pk}
    assert api(ben).get(API).json()["results"][0]["unread_count"] == 0


def test_a_conversation_you_are_not_in_answers_exactly_like_a_missing_one(api):
    ana, ben, eve = UserFactory.create_batch(3)
    chat = direct_chat(ana, ben)
    message = chat_message(ana, chat, "secret plans")
    group = interest_group(ana, ben, visibility="secret")
    from messaging.services import room_for_group

    room = room_for_group(group=group)
    chat_message(ana, room, "secret room")
    missing = max(chat.pk, room.pk) + 100
    client = api(eve)

    def doors(conversation_id, message_id):
        base = f"{API}{conversation_id}/"
        return [
            client.get(base),
            client.patch(base, {"name": "x"}, format="json"),
            client.get(base + "members/"),
            client.post(base + "members/", {"users": [eve.pk]}, format="json"),
            client.delete(base + f"members/{eve.pk}/"),
            client.get(base + "messages/"),
            client.post(base + "messages/", {"body": "hi", "client_id": "probe"}, format="json"),
            client.patch(base + f"messages/{message_id}/", {"body": "x"}, format="json"),
            client.delete(base + f"messages/{message_id}/"),
            client.post(base + "read/", {"up_to": 1}, format="json"),
        ]

    for target in (chat.pk, room.pk):
        for foreign, absent in zip(doors(target, message.pk), doors(missing, message.pk + 100), strict=True):
            assert foreign.status_code == absent.status_code == 404
            assert foreign.content == absent.content
    assert not Message.objects.filter(sender=eve).exists()
    assert Conversation.objects.count() == 2


def test_anonymous_gets_401(client):
    assert client.get(API).status_code == 401
