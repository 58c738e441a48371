"""Chat through moderation (issue 9): screening on every write door (API, the first-message page),
reports with the surrounding thread, and held or hidden messages absent from every chat door for
the other members while their sender and a moderator who is a member still see them.

The socket doors are in test_moderation_consumers.py.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from messaging.models import Conversation, Message
from messaging.permissions import can_view_message, filter_visible_messages
from messaging.selectors import conversations_for_list, unread_total
from moderation import services
from moderation.models import GuidelineAcceptance, GuidelineVersion, ModerationItem, ModerationState, Rule
from moderation.reportables import reportable_for
from tests.factories import UserFactory, chat_message, direct_chat, group_chat
from tests.moderation.conftest import make_moderator, make_rule, publish

pytestmark = pytest.mark.django_db

API = "/api/v1/conversations/"
SECRET = "the hidden words"


@pytest.fixture
def guidelines(db):
    """Exactly one published version, 1.0, and no rules (users made after it have accepted it)."""
    GuidelineAcceptance.objects.all().delete()
    GuidelineVersion.objects.all().delete()
    Rule.objects.all().delete()
    return publish(summary="First version.")


@pytest.fixture
def api():
    def login(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return login


@pytest.fixture
def team(guidelines):
    """A group chat of Ana (the sender), Ben (another member) and Mona (a moderator member);
    Eve is a moderator outside it."""
    ana, ben = UserFactory(display_name="Ana Silva"), UserFactory(display_name="Ben Ode")
    mona = make_moderator(display_name="Mona Moderator")
    eve = make_moderator(display_name="Eve Outside")
    chat = group_chat(ana, ben, mona, name="Launch")
    return chat, ana, ben, mona, eve


def _hide(message: Message, moderator) -> None:
    services.report_create(reporter=UserFactory(), target=message, section="be-respectful")
    item = ModerationItem.objects.get(object_id=message.pk, content_type__model="message")
    services.item_hide(item=item, moderator=moderator, reason="Offensive", section="be-respectful")


def _history_ids(client, chat) -> list[int]:
    return [m["id"] for m in client.get(f"{API}{chat.pk}/messages/").json()["results"]]


# --- Screening through the API ----------------------------------------------------------------


def test_api_send_blocked_answers_400_with_the_explanation_and_stores_nothing(api, guidelines):
    make_rule(terms="badword", action="block", explanation="No insults, please.")
    ana, ben = UserFactory.create_batch(2)
    chat = direct_chat(ana, ben)
    response = api(ana).post(
        f"{API}{chat.pk}/messages/", {"body": "you badword", "client_id": "b-1"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "content_blocked"
    assert body["detail"] == "No insults, please."
    assert body["screening"]["action"] == "block"
    assert body["screening"]["matches"][0]["section_url"].endswith("#be-respectful")
    assert not Message.objects.exists()


def test_api_send_warn_needs_confirm_warnings_then_is_stored_and_flagged(api, guidelines):
    make_rule(terms="darn", action="warn", explanation="Mind your language.")
    ana, ben = UserFactory.create_batch(2)
    chat = direct_chat(ana, ben)
    url = f"{API}{chat.pk}/messages/"
    first = api(ana).post(url, {"body": "darn it", "client_id": "w-1"}, format="json")
    assert first.status_code == 400
    assert first.json()["code"] == "confirmation_required"
    assert first.json()["screening"]["needs_confirmation"] is True
    assert not Message.objects.exists()
    confirmed = {"body": "darn it", "client_id": "w-1", "confirm_warnings": True}
    sent = api(ana).post(url, confirmed, format="json")
    assert sent.status_code == 201
    assert sent.json()["moderation_state"] == "visible"
    item = ModerationItem.objects.get(object_id=sent.json()["id"])
    assert item.is_open
    assert item.state == ModerationState.VISIBLE
    assert item.scope == "chat"
    assert [m["id"] for m in api(ben).get(url).json()["results"]] == [sent.json()["id"]]


def test_api_send_held_is_seen_by_the_sender_and_moderators_only(api, team):
    chat, ana, ben, mona, _eve = team
    make_rule(terms="confidential", action="hold", explanation="A moderator checks this first.")
    sent = api(ana).post(
        f"{API}{chat.pk}/messages/", {"body": "confidential numbers", "client_id": "h-1"}, format="json"
    )
    assert sent.status_code == 201
    assert sent.json()["moderation_state"] == "held"
    held = sent.json()["id"]
    assert ModerationItem.objects.get(object_id=held).state == ModerationState.HELD
    assert held in _history_ids(api(ana), chat)
    assert held in _history_ids(api(mona), chat)
    assert held not in _history_ids(api(ben), chat)
    assert api(ben).get(f"{API}{chat.pk}/messages/{held}/").status_code == 404
    # Approved: everyone sees it.
    item = ModerationItem.objects.get(object_id=held)
    services.item_approve(item=item, moderator=mona, reason="Fine")
    assert held in _history_ids(api(ben), chat)


def test_api_edit_is_screened_and_a_hold_takes_the_message_away_from_the_others(api, guidelines):
    ana, ben = UserFactory.create_batch(2)
    chat = direct_chat(ana, ben)
    message = chat_message(ana, chat, "all good")
    make_rule(terms="badword", action="block", explanation="No insults.")
    url = f"{API}{chat.pk}/messages/{message.pk}/"
    refused = api(ana).patch(url, {"body": "badword"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "content_blocked"
    message.refresh_from_db()
    assert message.body == "all good"
    make_rule(terms="secretproject", action="hold", explanation="Checked first.")
    held = api(ana).patch(url, {"body": "about secretproject"}, format="json")
    assert held.status_code == 200
    assert held.json()["moderation_state"] == "held"
    assert message.pk not in _history_ids(api(ben), chat)


# --- Screening on the first-message page (no JavaScript) ----------------------------------------


def test_first_message_page_blocked_keeps_the_text_and_explains(client, guidelines):
    make_rule(terms="badword", action="block", explanation="No insults, please.")
    ana, ben = UserFactory.create_batch(2)
    client.force_login(ana)
    url = reverse("messaging:start_direct", kwargs={"user_id": ben.pk})
    response = client.post(url, {"body": "hello badword"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "No insults, please." in html
    assert ">hello badword</textarea>" in html
    assert 'href="/guidelines/#be-respectful"' in html
    assert not Conversation.objects.exists()
    assert not Message.objects.exists()


def test_first_message_page_warn_offers_send_anyway_which_sends(client, guidelines):
    make_rule(terms="darn", action="warn", explanation="Mind your language.")
    ana, ben = UserFactory.create_batch(2)
    client.force_login(ana)
    url = reverse("messaging:start_direct", kwargs={"user_id": ben.pk})
    response = client.post(url, {"body": "darn it"})
    assert response.status_code == 400
    assert 'name="moderation_confirmed"' in response.content.decode()
    assert not Message.objects.exists()
    sent = client.post(url, {"body": "darn it", "moderation_confirmed": "1"})
    assert sent.status_code == 302
    message = Message.objects.get()
    assert message.body == "darn it"
    assert ModerationItem.objects.get(object_id=message.pk).is_open


def test_chat_composer_is_screened_live_and_links_the_guidelines(client, guidelines):
    ana, ben = UserFactory.create_batch(2)
    chat = direct_chat(ana, ben)
    client.force_login(ana)
    html = client.get(reverse("messaging:conversation", kwargs={"conversation_id": chat.pk})).content.decode()
    assert 'data-screen-scope="chat"' in html
    assert 'href="/guidelines/"' in html
    assert 'data-report-url="/moderation/report/messaging.message/0/"' in html
    assert "data-report" in html  # the report link in every drawn message
    draft = client.get(reverse("messaging:start_direct", kwargs={"user_id": UserFactory().pk}))
    assert 'data-screen-scope="chat"' in draft.content.decode()


# --- Reports ----------------------------------------------------------------------------------


def test_report_a_message_gathers_the_ten_messages_around_it(client, team):
    chat, ana, ben, mona, _eve = team
    sent = [chat_message(ana if n % 2 else ben, chat, f"message {n}") for n in range(25)]
    target = sent[12]
    client.force_login(ben)
    url = reverse("moderation:report", kwargs={"type_key": "messaging.message", "pk": target.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, {"section": "be-respectful", "note": "rude"})
    assert response.status_code == 302
    assert response["Location"] == f"/chat/{chat.pk}/#message-{target.pk}"
    item = ModerationItem.objects.get(object_id=target.pk, content_type__model="message")
    assert item.open_report_count == 1
    assert item.scope == "chat"
    assert item.author == ben
    context = reportable_for(Message).context_for(target)
    assert [entry.text for entry in context.thread] == [f"message {n}" for n in range(2, 23)]
    assert [entry.is_target for entry in context.thread].index(True) == 10
    assert context.place == "Group chat Launch"
    client.force_login(mona)
    page = client.get(reverse("moderation:item", kwargs={"pk": item.pk})).content.decode()
    assert "Group chat Launch" in page
    assert "message 2" in page
    assert "message 22" in page


def test_report_a_message_is_404_for_someone_outside_the_conversation(client, team):
    chat, ana, _ben, _mona, _eve = team
    message = chat_message(ana, chat, "inside")
    client.force_login(UserFactory())
    url = reverse("moderation:report", kwargs={"type_key": "messaging.message", "pk": message.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"section": "be-respectful"}).status_code == 404
    api_client = APIClient()
    api_client.force_authenticate(UserFactory())
    answer = api_client.post(
        "/api/v1/moderation/reports/",
        {"type": "messaging.message", "id": message.pk, "section": "be-respectful"},
        format="json",
    )
    assert answer.status_code == 404
    assert not ModerationItem.objects.exists()


def test_report_a_direct_message_names_both_people(team):
    _chat, ana, ben, _mona, _eve = team
    message = chat_message(ana, direct_chat(ana, ben), "hi")
    assert reportable_for(Message).place_for(message) == "Direct chat between Ana Silva and Ben Ode"


# --- A hidden message, through every chat door --------------------------------------------------


@pytest.fixture
def hidden(team):
    chat, ana, ben, mona, eve = team
    chat_message(ben, chat, "before")
    message = chat_message(ana, chat, SECRET)
    ben_read_before = unread_total(ben)
    _hide(message, eve)
    message.refresh_from_db()
    assert message.moderation_state == ModerationState.HIDDEN
    assert ben_read_before == 1  # it counted as unread while visible
    return chat, message, ana, ben, mona


def test_hidden_message_is_absent_from_the_api_for_another_member(api, hidden):
    chat, message, _ana, ben, _mona = hidden
    client = api(ben)
    assert message.pk not in _history_ids(client, chat)
    detail = client.get(f"{API}{chat.pk}/messages/{message.pk}/")
    missing = client.get(f"{API}{chat.pk}/messages/{message.pk + 1000}/")
    assert detail.status_code == missing.status_code == 404
    assert detail.json() == missing.json()
    url = f"{API}{chat.pk}/messages/{message.pk}/"
    assert client.patch(url, {"body": "x"}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    row = next(r for r in client.get(API).json()["results"] if r["id"] == chat.pk)
    assert row["last_message"]["body"] == "before"  # the preview
    assert row["unread_count"] == 0  # "before" is Ben's own; the hidden one no longer counts
    assert SECRET not in client.get(f"{API}{chat.pk}/").content.decode()


def test_hidden_message_is_absent_from_the_pages_for_another_member(client, hidden):
    chat, message, _ana, ben, _mona = hidden
    client.force_login(ben)
    for url in (
        reverse("messaging:index"),
        reverse("messaging:conversation", kwargs={"conversation_id": chat.pk}),
        reverse("messaging:conversation_list"),
        reverse("messaging:conversation_item", kwargs={"conversation_id": chat.pk}),
        reverse("messaging:conversation_pane", kwargs={"conversation_id": chat.pk}),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert SECRET not in response.content.decode(), url
    report = reverse("moderation:report", kwargs={"type_key": "messaging.message", "pk": message.pk})
    assert client.get(report).status_code == 404


def test_hidden_message_is_absent_from_selectors_search_and_unread_for_another_member(hidden):
    chat, message, _ana, ben, _mona = hidden
    assert not filter_visible_messages(ben).filter(pk=message.pk).exists()  # what search builds on
    assert not filter_visible_messages(ben).filter(body__icontains="hidden words").exists()
    assert not can_view_message(ben, message)
    assert unread_total(ben) == 0
    row = conversations_for_list(ben).get(pk=chat.pk)
    assert row.last_message_id != message.pk


def test_hidden_message_stays_visible_to_its_sender_and_a_moderator_member(api, hidden):
    chat, message, ana, _ben, mona = hidden
    for person in (ana, mona):
        client = api(person)
        assert message.pk in _history_ids(client, chat)
        detail = client.get(f"{API}{chat.pk}/messages/{message.pk}/").json()
        assert detail["body"] == SECRET
        assert detail["moderation_state"] == "hidden"
        assert filter_visible_messages(person).filter(pk=message.pk).exists()
    row = next(r for r in api(ana).get(API).json()["results"] if r["id"] == chat.pk)
    assert row["last_message"]["id"] == message.pk
    assert unread_total(mona) == 2  # a moderator member still counts it


def test_a_moderator_outside_the_conversation_still_gets_nothing_from_chat(api, hidden):
    chat, message, _ana, _ben, _mona = hidden
    eve = UserFactory()
    assert not filter_visible_messages(eve).exists()
    outsider_mod = make_moderator()
    client = api(outsider_mod)
    assert client.get(f"{API}{chat.pk}/messages/").status_code == 404
    assert client.get(f"{API}{chat.pk}/messages/{message.pk}/").status_code == 404


def test_restored_message_comes_back_for_everyone(api, hidden):
    chat, message, _ana, ben, mona = hidden
    item = ModerationItem.objects.get(object_id=message.pk, content_type__model="message")
    services.item_restore(item=item, moderator=mona, reason="On second thought")
    assert message.pk in _history_ids(api(ben), chat)


def test_history_query_count_stays_flat_with_hidden_messages(api, team, django_assert_max_num_queries):
    chat, ana, ben, _mona, eve = team
    sent = [chat_message(ana, chat, f"m{n}") for n in range(60)]
    for message in sent[::10]:
        _hide(message, eve)
    client = api(ben)
    with django_assert_max_num_queries(3):
        page = client.get(f"{API}{chat.pk}/messages/").json()
    assert len(page["results"]) == 50
    assert not {m.pk for m in sent[::10]} & {m["id"] for m in page["results"]}
