"""Reporting feed posts, comments and questions (docs/moderation.md step 2 and 5): the report
link on every card, post page, comment and question page; the report page and API; reports
gathered on one item; the moderator sees the post and its neighbouring comments; what the
reporter may not see answers like a missing item. Also: the site policy stays out of HR
moderators' reach."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient

from feed.questions.services import question_create
from feed.services import comment_create, post_create
from moderation.models import ModerationItem, Report
from tests.factories import UserFactory
from tests.feed.conftest import make_group
from tests.moderation.conftest import make_moderator

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limits(set_site_policy):
    set_site_policy(rate_limit_posts="", rate_limit_comments="")


@pytest.fixture
def people(guidelines):
    return {
        "author": UserFactory(display_name="Ari Author"),
        "reader": UserFactory(display_name="Rea Reader"),
        "second": UserFactory(display_name="Sec Second"),
    }


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_report_links_on_cards_post_page_comments_and_questions(people):
    author, reader = people["author"], people["reader"]
    post = post_create(author=author, body="Something to report")
    comment = comment_create(post=post, author=author, body="A comment to report")
    question = question_create(author=author, title="Is this worth reporting?", body="Details here")
    post_url = f"/moderation/report/feed.post/{post.pk}/"
    comment_url = f"/moderation/report/feed.comment/{comment.pk}/"
    feed = _web(reader).get("/feed/company/").content.decode()
    assert post_url in feed
    assert comment_url in feed  # the card's preview comment
    page = _web(reader).get(f"/feed/posts/{post.pk}/").content.decode()
    assert post_url in page
    assert comment_url in page
    assert (
        f"/moderation/report/feed.post/{question.pk}/"
        in _web(reader).get(f"/questions/{question.pk}/").content.decode()
    )
    # Nobody is offered to report their own words.
    own = _web(author).get(f"/feed/posts/{post.pk}/").content.decode()
    assert post_url not in own
    assert comment_url not in own


@pytest.mark.parametrize("kind", ["post", "comment", "question"])
def test_report_page_and_api_gather_reports_on_one_item(people, kind):
    author, reader, second = people["author"], people["reader"], people["second"]
    post = post_create(author=author, body="Reportable words")
    target = {
        "post": lambda: post,
        "comment": lambda: comment_create(post=post, author=author, body="Reportable comment"),
        "question": lambda: question_create(author=author, title="A reportable question?", body="Details"),
    }[kind]()
    type_key = "feed.comment" if kind == "comment" else "feed.post"
    url = f"/moderation/report/{type_key}/{target.pk}/"
    form = _web(reader).get(url)
    assert form.status_code == 200
    response = _web(reader).post(url, {"section": "be-respectful", "note": "Rude."})
    assert response.status_code == 302
    api = _api(second).post(
        "/api/v1/moderation/reports/",
        {"type": type_key, "id": target.pk, "section": "be-respectful", "note": ""},
        format="json",
    )
    assert api.status_code == 201
    again = _api(second).post(
        "/api/v1/moderation/reports/",
        {"type": type_key, "id": target.pk, "section": "be-respectful"},
        format="json",
    )
    assert again.status_code == 400  # one open report per person per item
    item = ModerationItem.objects.get(object_id=target.pk, content_type__model=type_key.split(".")[1])
    assert item.open_report_count == 2
    assert item.is_open
    assert Report.objects.filter(item=item).count() == 2


def test_what_the_reporter_cannot_see_cannot_be_reported(people):
    author, reader = people["author"], people["reader"]
    secret = make_group("secret", author, slug="secret-reports")
    post = post_create(author=author, group=secret, body="Inside the secret group")
    comment = comment_create(post=post, author=author, body="Secret comment")
    for type_key, pk in (("feed.post", post.pk), ("feed.comment", comment.pk)):
        hidden = _web(reader).get(f"/moderation/report/{type_key}/{pk}/")
        missing = _web(reader).get(f"/moderation/report/{type_key}/987654/")
        assert hidden.status_code == missing.status_code == 404
        api = _api(reader).post(
            "/api/v1/moderation/reports/", {"type": type_key, "id": pk, "section": "other"}, format="json"
        )
        assert api.status_code == 404
    assert not Report.objects.exists()


def test_moderator_sees_the_post_and_neighbouring_comments_even_in_a_secret_group(people):
    author, reader = people["author"], people["reader"]
    moderator = make_moderator(display_name="Mod Erator")
    secret = make_group("secret", author, reader, slug="secret-context")
    post = post_create(author=author, group=secret, body="The original post text")
    before = comment_create(post=post, author=reader, body="A comment before")
    target = comment_create(post=post, author=author, body="The reported comment")
    after = comment_create(post=post, author=reader, body="A comment after")
    other_post = post_create(author=author, group=secret, body="Another post of the group")
    _web(reader).post(f"/moderation/report/feed.comment/{target.pk}/", {"section": "be-respectful"})
    item = ModerationItem.objects.get(object_id=target.pk, content_type__model="comment")
    page = _web(moderator).get(f"/moderation/items/{item.pk}/").content.decode()
    for text in (post.body, before.body, target.body, after.body, secret.name):
        assert text in page
    assert other_post.body not in page  # the thread only, nothing else of the group
    # The moderator's own gate is not widened: the group's pages stay closed to them.
    assert _web(moderator).get(f"/feed/posts/{post.pk}/").status_code == 404


def test_hr_moderator_cannot_change_the_site_policy(guidelines):
    from socialco.models import SitePolicy
    from socialco.policy import get_policy

    moderator = make_moderator(display_name="Hal Hr")
    moderator.is_staff = True  # may open the admin (the moderators' tools live there too)
    moderator.save()
    client = _web(moderator)
    url = reverse("admin:socialco_sitepolicy_change", args=[SitePolicy.SINGLETON_PK])
    before = get_policy().company_name
    assert client.get(url).status_code == 403
    response = client.post(url, {"company_name": "Taken over"})
    assert response.status_code == 403
    assert get_policy().company_name == before
    assert SitePolicy.load().company_name == before
    # The moderation pages and API offer no way to it either.
    assert "sitepolicy" not in client.get("/moderation/").content.decode().lower()
    for name in ("api:site-policy", "api:policy", "api:sitepolicy"):
        with pytest.raises(NoReverseMatch):
            reverse(name)


def test_queue_and_item_page_show_the_reported_text_without_markdown(people):
    author, reader = people["author"], people["reader"]
    post = post_create(author=author, body="I love **Python** and `code`")
    comment_create(post=post, author=author, body="A _shouted_ **reply**")
    assert (
        _web(reader).post(f"/moderation/report/feed.post/{post.pk}/", {"section": "other"}).status_code == 302
    )
    item = ModerationItem.objects.get(object_id=post.pk, content_type__model="post")
    assert item.excerpt == "I love Python and code"
    moderator = make_moderator(display_name="Mod Plain")
    queue = _web(moderator).get("/moderation/").content.decode()
    assert "I love Python and code" in queue
    assert "**" not in queue
    page = _web(moderator).get(f"/moderation/items/{item.pk}/").content.decode()
    assert "I love Python and code" in page
    assert "A shouted reply" in page
    assert "**" not in page
