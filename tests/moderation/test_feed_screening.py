"""Screening wired into the feed (docs/moderation.md step 4): every rule action (block, hold,
warn) on posts, comments and questions, created and edited, through the page and the API.

- block: refused with the explanation and the guideline link; nothing written; the text kept;
- hold: saved as "held": the author sees it (with a badge), another member does not; queued;
- warn: refused until the author confirms ("Post anyway" / "confirm_warnings"); then published
  and flagged for review.
"""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from feed.models import Comment, Post
from feed.questions.services import question_create
from feed.services import comment_create, post_create
from moderation.models import ModerationItem, ModerationState
from tests.factories import UserFactory
from tests.moderation.conftest import make_rule

pytestmark = pytest.mark.django_db

TRIGGER = "frobnicate"
CLEAN = "A perfectly normal update about the quarterly plan."
EXPLANATION = "Frobnicating is against our rules."
QUESTION_TITLE = "How do we plan the quarter?"


@pytest.fixture(autouse=True)
def _no_rate_limits(set_site_policy):
    set_site_policy(rate_limit_posts="", rate_limit_comments="")


@pytest.fixture
def author(guidelines):
    return UserFactory(display_name="Ada Author")


@pytest.fixture
def other(guidelines):
    return UserFactory(display_name="Olaf Other")


def _rule(action: str, scope: str):
    return make_rule(terms=TRIGGER, action=action, scopes=[scope], explanation=EXPLANATION)


def _text(clean: bool = False) -> str:
    return CLEAN if clean else f"Let us {TRIGGER} the plan this quarter."


# One write = (scope, create the target row a write needs, page request, api request, the row).
def _page(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _existing_post(author):
    return post_create(author=author, body=CLEAN)


WRITES = {
    "post_create": {
        "scope": "posts",
        "setup": lambda author: None,
        "page": lambda c, _, text, extra: c.post(
            "/feed/new/post/", {"body": text, "idempotency_key": str(uuid.uuid4()), **extra}
        ),
        "api": lambda c, _, text, extra: c.post("/api/v1/posts/", {"body": text, **extra}, format="json"),
        "rows": lambda author, _: Post.objects.filter(author=author, kind="post").exclude(body=CLEAN),
    },
    "post_edit": {
        "scope": "posts",
        "setup": _existing_post,
        "page": lambda c, post, text, extra: c.post(f"/feed/posts/{post.pk}/edit/", {"body": text, **extra}),
        "api": lambda c, post, text, extra: c.patch(
            f"/api/v1/posts/{post.pk}/", {"body": text, **extra}, format="json"
        ),
        "rows": lambda author, post: Post.objects.filter(pk=post.pk).exclude(body=CLEAN),
    },
    "comment_create": {
        "scope": "comments",
        "setup": _existing_post,
        "page": lambda c, post, text, extra: c.post(
            f"/feed/posts/{post.pk}/comments/", {"body": text, **extra}
        ),
        "api": lambda c, post, text, extra: c.post(
            f"/api/v1/posts/{post.pk}/comments/", {"body": text, **extra}, format="json"
        ),
        "rows": lambda author, post: Comment.objects.filter(post=post),
    },
    "comment_edit": {
        "scope": "comments",
        "setup": lambda author: comment_create(post=_existing_post(author), author=author, body=CLEAN),
        "page": lambda c, comment, text, extra: c.post(
            f"/feed/comments/{comment.pk}/edit/", {"body": text, **extra}
        ),
        "api": lambda c, comment, text, extra: c.patch(
            f"/api/v1/comments/{comment.pk}/", {"body": text, **extra}, format="json"
        ),
        "rows": lambda author, comment: Comment.objects.filter(pk=comment.pk).exclude(body=CLEAN),
    },
    "question_create": {
        "scope": "answers",
        "setup": lambda author: None,
        "page": lambda c, _, text, extra: c.post(
            "/questions/ask/",
            {
                "title": "How do we plan the quarter?",
                "body": text,
                "idempotency_key": str(uuid.uuid4()),
                **extra,
            },
        ),
        "api": lambda c, _, text, extra: c.post(
            "/api/v1/questions/", {"title": QUESTION_TITLE, "body": text, **extra}, format="json"
        ),
        "rows": lambda author, _: Post.objects.filter(author=author, kind="question"),
    },
    "question_edit": {
        "scope": "answers",
        "setup": lambda author: question_create(author=author, title=QUESTION_TITLE, body=CLEAN),
        "page": lambda c, post, text, extra: c.post(f"/feed/posts/{post.pk}/edit/", {"body": text, **extra}),
        "api": lambda c, post, text, extra: c.patch(
            f"/api/v1/posts/{post.pk}/", {"body": text, **extra}, format="json"
        ),
        "rows": lambda author, post: Post.objects.filter(pk=post.pk).exclude(body=CLEAN),
    },
}

CONFIRM = {"page": {"moderation_confirmed": "1"}, "api": {"confirm_warnings": True}}


def _write(name, door, author, target, text, *, confirm=False):
    write = WRITES[name]
    client = _page(author) if door == "page" else _api(author)
    return write[door](client, target, text, CONFIRM[door] if confirm else {})


def _target(name, author):
    return WRITES[name]["setup"](author)


def _row(name, author, target):
    return WRITES[name]["rows"](author, target).first()


@pytest.mark.parametrize("door", ["page", "api"])
@pytest.mark.parametrize("name", list(WRITES))
def test_block_refuses_with_explanation_and_keeps_the_text(author, name, door):
    _rule("block", WRITES[name]["scope"])
    target = _target(name, author)
    response = _write(name, door, author, target, _text())
    assert response.status_code == 400
    assert _row(name, author, target) is None
    if door == "api":
        body = response.json()
        assert body["code"] == "content_blocked"
        assert body["detail"] == EXPLANATION
        assert body["screening"]["action"] == "block"
        assert body["screening"]["matches"][0]["section_url"] == "/guidelines/#be-respectful"
    else:
        html = response.content.decode()
        assert EXPLANATION in html
        assert TRIGGER in html  # the author's text is kept in the form
        assert "/guidelines/#be-respectful" in html
        assert "Post anyway" not in html
    # Confirming does not get a blocked text through.
    assert _write(name, door, author, target, _text(), confirm=True).status_code == 400
    assert _row(name, author, target) is None


@pytest.mark.parametrize("door", ["page", "api"])
@pytest.mark.parametrize("name", list(WRITES))
def test_warn_needs_confirmation_then_publishes_and_flags(author, other, name, door):
    _rule("warn", WRITES[name]["scope"])
    target = _target(name, author)
    first = _write(name, door, author, target, _text())
    assert first.status_code == 400
    assert _row(name, author, target) is None
    if door == "api":
        assert first.json()["code"] == "confirmation_required"
        assert first.json()["screening"]["needs_confirmation"] is True
    else:
        html = first.content.decode()
        assert EXPLANATION in html
        assert TRIGGER in html
        assert 'name="moderation_confirmed"' in html  # "Post anyway"
    second = _write(name, door, author, target, _text(), confirm=True)
    assert second.status_code in (200, 201, 302)
    row = _row(name, author, target)
    assert row is not None
    assert row.moderation_state == ModerationState.VISIBLE
    item = ModerationItem.objects.get(object_id=row.pk, content_type__model=row._meta.model_name)
    assert item.is_open
    assert item.flags[0]["action"] == "warn"


@pytest.mark.parametrize("door", ["page", "api"])
@pytest.mark.parametrize("name", list(WRITES))
def test_hold_saves_for_the_author_and_moderators_only(author, other, moderator, name, door):
    _rule("hold", WRITES[name]["scope"])
    target = _target(name, author)
    response = _write(name, door, author, target, _text())
    assert response.status_code in (200, 201, 302)
    row = _row(name, author, target)
    assert row is not None
    assert row.moderation_state == ModerationState.HELD
    item = ModerationItem.objects.get(object_id=row.pk, content_type__model=row._meta.model_name)
    assert item.is_open
    assert item.state == ModerationState.HELD
    post = row.post if isinstance(row, Comment) else row
    url = f"/api/v1/comments/{row.pk}/" if isinstance(row, Comment) else f"/api/v1/posts/{row.pk}/"
    assert _api(author).get(url).status_code == 200
    assert _api(moderator).get(url).status_code == 200
    assert _api(other).get(url).status_code == 404
    if isinstance(row, Comment):
        page = _page(other).get(f"/feed/posts/{post.pk}/")
        assert page.status_code == 200
        assert TRIGGER not in page.content.decode()
        own = _page(author).get(f"/feed/posts/{post.pk}/").content.decode()
        assert TRIGGER in own
        assert "Held for review" in own
    else:
        assert _page(other).get(row.get_absolute_url()).status_code == 404
        own = _page(author).get(row.get_absolute_url()).content.decode()
        assert TRIGGER in own
        assert "Held for review" in own


def test_clean_text_is_published_without_queue(author):
    _rule("block", "posts")
    response = _write("post_create", "api", author, None, CLEAN + " more")
    assert response.status_code == 201
    assert response.json()["moderation_state"] == "visible"
    assert not ModerationItem.objects.exists()


def test_composers_check_as_people_type_and_link_the_guidelines(author):
    post = post_create(author=author, body=CLEAN)
    client = _page(author)
    home = client.get("/feed/").content.decode()
    assert 'data-screen-scope="posts"' in home
    assert 'data-screen-scope="comments"' in home
    assert "/guidelines/" in home
    for url, scope in (
        ("/feed/new/post/", "posts"),
        ("/feed/new/article/", "posts"),
        (f"/feed/posts/{post.pk}/edit/", "posts"),
        ("/questions/ask/", "answers"),
        (f"/feed/posts/{post.pk}/", "comments"),
    ):
        html = client.get(url).content.decode()
        assert f'data-screen-scope="{scope}"' in html, url
        assert 'href="/guidelines/"' in html, url


def test_held_post_sends_no_mention_and_no_live_event(author, other, django_capture_on_commit_callbacks):
    from feed.parsing import mention_handle
    from notifications.models import Notification

    _rule("hold", "posts")
    with django_capture_on_commit_callbacks() as callbacks:
        post = post_create(author=author, body=f"{_text()} @{mention_handle(other.email)}")
    assert post.moderation_state == ModerationState.HELD
    assert not Notification.objects.filter(recipient=other).exists()
    # Only the audit/queue work runs on commit: no feed broadcast was scheduled.
    assert not any("send_to_handler" in repr(cb) for cb in callbacks)
