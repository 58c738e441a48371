"""Chat pages: /chat/, a conversation, starting chats, the group room link, partials."""

import re

import pytest

from groups.models import Membership
from messaging.models import Conversation, Message
from tests.factories import UserFactory, chat_message, direct_chat, group_chat, interest_group

pytestmark = pytest.mark.django_db


def _page(response) -> str:
    """The body with the per-response CSRF mask taken out, to compare two answers."""
    return re.sub(r"[A-Za-z0-9]{64}", "<csrf>", response.content.decode())


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def test_chat_index_lists_my_conversations_with_unread_badges(login):
    ana, ben, eve = UserFactory.create_batch(3)
    chat = direct_chat(ana, ben)
    chat_message(ben, chat, "first")
    chat_message(ben, chat, "second <b>bold</b>")
    direct_chat(eve, UserFactory())
    response = login(ana).get("/chat/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-conversation="{chat.pk}"' in html
    assert ben.display_name in html
    assert "<span data-unread-count>2</span>" in html
    assert "second &lt;b&gt;bold&lt;/b&gt;" in html  # the preview is the text, escaped
    assert eve.display_name not in html
    assert "messaging/chat.js" in html
    assert "<script>" not in html
    assert " style=" not in html


def test_chat_list_page_query_count_stays_flat(login, django_assert_max_num_queries):
    ana = UserFactory()
    for _ in range(15):
        other = UserFactory()
        chat_message(other, direct_chat(ana, other), "hi")
    for _ in range(5):
        chat_message(ana, group_chat(ana, *UserFactory.create_batch(4)), "team")
    client = login(ana)
    # (budget includes the base layout: nav moderator check and the notification bell)
    with django_assert_max_num_queries(7):
        response = client.get("/chat/")
    assert response.content.decode().count('class="chat-item"') == 20


def test_conversation_page_opens_the_pane_for_members_only(login):
    ana, ben, eve = UserFactory.create_batch(3)
    chat = direct_chat(ana, ben)
    page = login(ana).get(f"/chat/{chat.pk}/")
    assert page.status_code == 200
    assert f'data-open="{chat.pk}"' in page.content.decode()
    assert "data-composer" in page.content.decode()
    foreign = login(eve).get(f"/chat/{chat.pk}/")
    missing = login(eve).get(f"/chat/{chat.pk + 100}/")
    assert foreign.status_code == missing.status_code == 404
    assert _page(foreign) == _page(missing)
    for suffix in ("pane/", "item/"):
        assert login(eve).get(f"/chat/{chat.pk}/{suffix}").status_code == 404
        assert login(ana).get(f"/chat/{chat.pk}/{suffix}").status_code == 200


def test_start_direct_offers_a_draft_then_creates_on_post_and_reuses(login):
    ana, ben = UserFactory.create_batch(2)
    client = login(ana)
    draft = client.get(f"/chat/with/{ben.pk}/")
    assert draft.status_code == 200
    assert "data-draft" in draft.content.decode()
    assert not Conversation.objects.exists()  # a GET creates nothing
    created = client.post(f"/chat/with/{ben.pk}/", {"body": "hello"})
    chat = Conversation.objects.get(kind="direct")
    assert created.status_code == 302
    assert created["Location"] == f"/chat/{chat.pk}/"
    assert client.get(f"/chat/with/{ben.pk}/")["Location"] == f"/chat/{chat.pk}/"
    assert client.get("/chat/with/999999/").status_code == 404
    assert client.get(f"/chat/with/{ana.pk}/")["Location"] == "/chat/"


def test_start_direct_post_needs_csrf(client):
    from django.test import Client

    ana, ben = UserFactory.create_batch(2)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(ana)
    assert strict.post(f"/chat/with/{ben.pk}/").status_code == 403
    assert not Conversation.objects.exists()


def test_new_group_chat_form_keeps_input_on_error_and_creates(login):
    ana, ben, cid = UserFactory.create_batch(3)
    client = login(ana)
    page = client.get("/chat/new/")
    assert page.status_code == 200
    refused = client.post("/chat/new/", {"name": "Lunch club"})
    assert refused.status_code == 200
    assert 'value="Lunch club"' in refused.content.decode()
    assert "Pick at least one colleague." in refused.content.decode()
    created = client.post("/chat/new/", {"name": "Lunch club", "members": [ben.pk, cid.pk]})
    chat = Conversation.objects.get(kind="group")
    assert created["Location"] == f"/chat/{chat.pk}/"
    assert chat.participants.count() == 3


def test_people_search_finds_active_colleagues_and_keeps_the_chosen(login):
    ana = UserFactory()
    zed = UserFactory(display_name="Zed Quarry")
    UserFactory(display_name="Zed Gone", is_active=False)
    chosen = UserFactory(display_name="Yolanda Chosen")
    response = login(ana).get("/chat/new/people/", {"q": "zed", "members": [chosen.pk]})
    html = response.content.decode()
    assert "Zed Quarry" in html
    assert "Zed Gone" not in html
    assert f'value="{chosen.pk}" checked' in html
    assert f'value="{zed.pk}"' in html


def test_group_room_link_is_for_members_only(login):
    owner, outsider = UserFactory.create_batch(2)
    group = interest_group(owner, slug="platform")
    secret = interest_group(owner, slug="hush", visibility="secret")
    response = login(owner).get("/chat/group/platform/")
    room = Conversation.objects.get(group=group)
    assert response["Location"] == f"/chat/{room.pk}/"
    assert login(outsider).get("/chat/group/platform/").status_code == 404
    hidden = login(outsider).get("/chat/group/hush/")
    missing = login(outsider).get("/chat/group/no-such-group/")
    assert hidden.status_code == missing.status_code == 404
    assert _page(hidden) == _page(missing)
    assert not Conversation.objects.filter(group=secret).exists()
    Membership.objects.create(group=group, user=outsider)
    assert login(outsider).get(f"/chat/{room.pk}/").status_code == 200


def test_room_of_an_archived_group_is_read_only(login):
    owner = UserFactory()
    group = interest_group(owner, is_archived=True)
    from messaging.services import room_for_group

    room = room_for_group(group=group)
    html = login(owner).get(f"/chat/{room.pk}/").content.decode()
    assert "This conversation is read-only." in html
    assert "data-composer" not in html
    assert not Message.objects.exists()


def test_start_direct_with_a_bad_message_keeps_the_text_and_stores_nothing(login):
    ana, ben = UserFactory.create_batch(2)
    response = login(ana).post(f"/chat/with/{ben.pk}/", {"body": "x" * 4001})
    assert response.status_code == 400
    html = response.content.decode()
    assert "at most 4000 characters" in html
    assert "x" * 4001 in html
    assert not Conversation.objects.exists()
    assert not Message.objects.exists()


def test_chat_page_tells_the_client_the_site_policy_as_it_is_now(client, set_site_policy):
    ana = UserFactory()
    client.force_login(ana)
    set_site_policy(chat_edit_window_minutes=5, chat_read_receipts=False)
    html = client.get("/chat/").text
    assert 'data-edit-window="300"' in html
    assert 'data-read-receipts="false"' in html
    set_site_policy(chat_edit_window_minutes=0, chat_read_receipts=True)
    html = client.get("/chat/").text
    assert 'data-edit-window="0"' in html
    assert 'data-read-receipts="true"' in html


def test_chat_list_preview_shows_text_not_markdown(login):
    ana, ben = UserFactory.create_batch(2)
    chat_message(ben, direct_chat(ana, ben), "It's pinned in the *People* group")
    html = login(ana).get("/chat/").content.decode()
    assert "It&#x27;s pinned in the People group" in html or "It's pinned in the People group" in html
    assert "*People*" not in html
