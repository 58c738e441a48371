"""Question pages and API: lists, filters, suggestions, voting and accepting doors, query counts."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from feed.questions.models import Question
from feed.questions.services import answer_accept, answer_create, question_create
from tests.factories import UserFactory, make_person
from tests.feed.conftest import make_group

pytestmark = pytest.mark.django_db


def ask(author, title, **kwargs):
    return question_create(author=author, title=title, body=kwargs.pop("body", "Details."), **kwargs)


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_list_filters_and_badge(client):
    asker, helper = UserFactory(), UserFactory()
    unanswered = ask(asker, "Unanswered question about printers")
    answered = ask(asker, "Answered question about badges")
    open_one = ask(UserFactory(), "Open question with one answer")
    answer_accept(answer=answer_create(question_post=answered, author=helper, body="a"), actor=asker)
    answer_create(question_post=open_one, author=helper, body="b")
    client.force_login(asker)

    def titles(query):
        response = client.get(f"/questions/?{query}")
        assert response.status_code == 200
        text = response.content.decode()
        return {p.title for p in (unanswered, answered, open_one) if p.title in text}, text

    assert titles("filter=unanswered")[0] == {unanswered.title}
    assert titles("filter=open")[0] == {unanswered.title, open_one.title}
    found, text = titles("filter=answered")
    assert found == {answered.title}
    assert "Answered</span>" in text
    assert titles("filter=mine")[0] == {unanswered.title, answered.title}


def test_list_by_tag_and_sorts_in_api():
    asker, helper, voter = UserFactory(), UserFactory(), UserFactory()
    old = ask(asker, "Oldest unanswered about payroll", tags="payroll")
    voted = ask(asker, "Most voted question about payroll", tags="payroll")
    ask(asker, "Untagged newest question here")
    answer = answer_create(question_post=voted, author=helper, body="x")
    from feed.questions.services import answer_vote

    answer_vote(answer=answer, user=voter)
    api = api_for(asker)
    tagged = api.get("/api/v1/questions/?tag=Payroll").json()["results"]
    assert [q["id"] for q in tagged] == [voted.pk, old.pk]
    by_votes = api.get("/api/v1/questions/?sort=votes").json()["results"]
    assert by_votes[0]["id"] == voted.pk
    oldest = api.get("/api/v1/questions/?sort=oldest_unanswered").json()["results"]
    assert oldest[0]["id"] == old.pk
    assert oldest[-1]["id"] == voted.pk  # answered ones last


def test_similar_suggestions_partial_and_api(client):
    asker = UserFactory()
    match = ask(asker, "How to configure the VPN on Linux laptops")
    answer_accept(answer=answer_create(question_post=match, author=UserFactory(), body="a"), actor=asker)
    ask(asker, "Where is the canteen menu posted")
    client.force_login(UserFactory())
    response = client.get("/questions/similar/?title=vpn+linux", HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert match.title in text
    assert "canteen" not in text
    assert "1 answer" in text
    assert "Answered" in text
    data = api_for(UserFactory()).get("/api/v1/questions/similar/?q=configure VPN").json()
    assert [q["id"] for q in data["results"]] == [match.pk]
    assert data["results"][0]["is_answered"] is True


def test_similar_suggestions_never_show_a_secret_group_question():
    member, outsider = UserFactory(), UserFactory()
    group = make_group("secret", member)
    secret = ask(member, "Secret merger timeline for the VPN vendor", group=group)
    assert [
        q["id"] for q in api_for(member).get("/api/v1/questions/similar/?q=merger vpn").json()["results"]
    ] == [secret.pk]
    assert api_for(outsider).get("/api/v1/questions/similar/?q=merger vpn").json()["results"] == []


def test_ask_page_posts_and_keeps_text_on_error(client):
    user = UserFactory()
    client.force_login(user)
    form = client.get("/questions/ask/").context["form"]
    key = str(form.initial["idempotency_key"])
    bad = client.post(
        "/questions/ask/", {"title": "short", "body": "my long details", "idempotency_key": key}
    )
    assert bad.status_code == 400
    assert "my long details" in bad.content.decode()
    ok = client.post(
        "/questions/ask/",
        {"title": "What is the wifi password?", "body": "Guest wifi", "tags": "wifi", "idempotency_key": key},
    )
    assert ok.status_code == 302
    assert Question.objects.count() == 1


def test_question_page_shows_answers_sorted_and_people_who_may_know(client):
    asker, a, b, voter = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    expert = make_person(display_name="Xena Expert", skills=["Printers"])
    post = ask(asker, "Why does the printer jam on A3?", tags="printers")
    first = answer_create(question_post=post, author=a, body="first answer")
    second = answer_create(question_post=post, author=b, body="second answer")
    third = answer_create(question_post=post, author=b, body="third answer")
    from feed.questions.services import answer_vote

    answer_vote(answer=second, user=voter)
    answer_accept(answer=third, actor=asker)
    client.force_login(voter)
    text = client.get(f"/questions/{post.pk}/").content.decode()
    assert text.index("third answer") < text.index("second answer") < text.index("first answer")
    assert "People who may know" in text
    assert expert.display_name in text
    assert first.pk


def test_vote_and_accept_doors(client):
    asker, helper, other = UserFactory(), UserFactory(), UserFactory()
    post = ask(asker, "A question to vote on please")
    answer = answer_create(question_post=post, author=helper, body="answer")
    client.force_login(helper)
    assert client.post(f"/questions/answers/{answer.pk}/vote/").status_code == 403
    api = api_for(other)
    assert api.post(f"/api/v1/questions/answers/{answer.pk}/vote/").json()["vote_count"] == 1
    assert api.post(f"/api/v1/questions/answers/{answer.pk}/vote/").json()["vote_count"] == 1
    assert api.delete(f"/api/v1/questions/answers/{answer.pk}/vote/").json()["vote_count"] == 0
    assert api.post(f"/api/v1/questions/answers/{answer.pk}/accept/").status_code == 403
    client.force_login(other)
    response = client.post(f"/questions/answers/{answer.pk}/vote/", HTTP_HX_REQUEST="true")
    assert 'aria-pressed="true"' in response.content.decode()
    assert api_for(asker).post(f"/api/v1/questions/answers/{answer.pk}/accept/").json()["is_answered"] is True


def test_api_create_answer_and_detail():
    user, helper = UserFactory(), UserFactory()
    api = api_for(user)
    bad = api.post("/api/v1/questions/", {"title": "", "body": ""}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()) >= {"title", "body"}
    created = api.post(
        "/api/v1/questions/",
        {"title": "Which laptop for designers?", "body": "Budget 2k", "tags": ["hardware"]},
        format="json",
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    answered = api_for(helper).post(f"/api/v1/questions/{pk}/answers/", {"body": "A MacBook"}, format="json")
    assert answered.status_code == 201
    detail = api.get(f"/api/v1/questions/{pk}/").json()
    assert detail["tags"] == ["hardware"]
    assert [a["body"] for a in detail["answers"]] == ["A MacBook"]
    assert detail["can_accept"] is True
    assert detail["time_to_first_answer"] is not None


# Query counts --------------------------------------------------------------------------------
def test_questions_list_query_count_is_flat(client, django_assert_max_num_queries):
    askers = [UserFactory() for _ in range(5)]
    group = make_group("open", *askers)
    for i in range(42):
        post = ask(
            askers[i % 5],
            f"Question number {i} about things",
            tags=f"t{i % 3}, shared",
            group=group if i % 2 else None,
        )
        if i % 4 == 0:
            answer_create(question_post=post, author=askers[(i + 1) % 5], body="a")
    viewer = UserFactory()
    client.force_login(viewer)
    with django_assert_max_num_queries(7):
        response = client.get("/questions/?sort=votes")
    assert response.status_code == 200
    with django_assert_max_num_queries(5):
        assert api_for(viewer).get("/api/v1/questions/?page_size=50").status_code == 200


def test_question_page_with_30_answers_query_count_is_flat(client, django_assert_max_num_queries):
    asker = UserFactory()
    post = ask(asker, "A popular question with many answers", tags="popular")
    for i in range(30):
        answer_create(question_post=post, author=UserFactory(), body=f"answer {i}")
    for _ in range(6):
        make_person(skills=["Popular"])
    client.force_login(UserFactory())
    with django_assert_max_num_queries(15):  # + 1: the post is recorded as seen (feed/seen.py)
        response = client.get(f"/questions/{post.pk}/")
    assert response.content.decode().count('<article class="answer') == 30


def test_answer_form_offers_the_usage_guidelines_once_in_the_live_screening_slot(client):
    import re

    post = ask(UserFactory(), "Where is the usage guidelines link?")
    client.force_login(UserFactory())
    text = client.get(f"/questions/{post.pk}/").content.decode()
    form = text[text.index('id="answer-form"') : text.index("</form>", text.index('id="answer-form"'))]
    assert form.count("Usage guidelines") == 1
    # screen.js fills this slot instead of adding a second link under the textarea.
    assert re.search(
        r'<div class="screen-slot" data-screen-slot><p class="screen-hint[^>]*><a href="/guidelines/', form
    )
