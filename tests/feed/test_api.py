"""The feed's REST API: feeds with cursors, create/edit/delete/history, comments, reactions,
acknowledgements, tags; nothing forgeable, nothing leaked."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from feed.models import Post, Reaction
from feed.services import comment_create, post_create, reaction_set
from tests.factories import PostFactory, UserFactory
from tests.feed.conftest import image_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _as(api, user):
    api.force_authenticate(user)
    return api


def test_anonymous_callers_get_401(api):
    assert api.get("/api/v1/posts/").status_code == 401
    assert api.post("/api/v1/posts/", {"body": "x"}, format="json").status_code == 401


def test_feeds_by_query_parameters(api, user, member, groups, staff_user):
    post_create(author=member, body="open news", group=groups["open"])
    post_create(author=member, body="secret news #x", group=groups["secret"])
    post_create(author=UserFactory(), body="company news #x")
    post_create(
        author=staff_user,
        body="pinned",
        is_announcement=True,
        pinned_until=timezone.now() + timedelta(days=1),
    )
    _as(api, user)
    company = api.get("/api/v1/posts/?feed=company").json()
    assert [p["body"] for p in company["pinned"]] == ["pinned"]
    assert [p["body"] for p in company["results"]] == ["company news #x", "open news"]
    assert [p["body"] for p in api.get("/api/v1/posts/?feed=tag&tag=x").json()["results"]] == [
        "company news #x"
    ]
    assert api.get("/api/v1/posts/?feed=group&group=open-group").json()["results"][0]["body"] == "open news"
    assert api.get("/api/v1/posts/?feed=group&group=secret-group").status_code == 404
    assert api.get("/api/v1/posts/?feed=group&group=private-group").status_code == 404
    person = api.get(f"/api/v1/posts/?feed=person&author={member.pk}").json()["results"]
    assert [p["body"] for p in person] == ["open news"]
    assert api.get("/api/v1/posts/?feed=nope").status_code == 400
    assert api.get("/api/v1/posts/?feed=company&cursor=!!").status_code == 400


def test_cursor_pagination_walks_every_post_once(api, user):
    for n in range(7):
        post_create(author=user, body=f"n{n}")
    _as(api, user)
    seen, url = [], "/api/v1/posts/?feed=company&page_size=5"
    while url:
        page = api.get(url).json()
        seen += [p["body"] for p in page["results"]]
        url = page["next"]
    assert seen == [f"n{n}" for n in range(6, -1, -1)]


def test_create_ignores_forged_fields_and_checks_the_audience(api, user, member, groups):
    other = UserFactory()
    _as(api, user)
    response = api.post(
        "/api/v1/posts/",
        {
            "body": "hello #api",
            "author": other.pk,
            "comment_count": 99,
            "reaction_counts": {"like": 1000},
            "body_html": "<script>alert(1)</script>",
            "deleted_at": None,
        },
        format="json",
    )
    assert response.status_code == 201
    data = response.json()
    assert data["author"]["id"] == user.pk
    assert data["comment_count"] == 0
    assert data["reaction_counts"] == {}
    assert (
        data["body_html"]
        == '<p>hello <a href="/feed/tags/api/" rel="nofollow noopener noreferrer">#api</a></p>\n'
    )
    assert data["tags"] == ["api"]
    not_member = api.post("/api/v1/posts/", {"body": "x", "group": "open-group"}, format="json")
    assert not_member.status_code == 403
    secret = api.post("/api/v1/posts/", {"body": "x", "group": "secret-group"}, format="json")
    missing = api.post("/api/v1/posts/", {"body": "x", "group": "no-such-group"}, format="json")
    assert secret.status_code == missing.status_code == 400
    assert secret.json() == missing.json()
    assert Post.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "x" * 10_001}, "body"),
        ({"body": "x", "kind": "article"}, "title"),
        ({"body": "x", "kind": "praise", "praise_badge": "mentor"}, "praised"),
        ({"body": "x", "kind": "praise", "praise_badge": "mentor", "praised": [999999]}, "praised"),
        ({"body": "x", "is_announcement": True}, "detail"),
    ],
)
def test_create_bad_input_gets_field_errors(api, user, payload, field):
    response = _as(api, user).post("/api/v1/posts/", payload, format="json")
    assert response.status_code in (400, 403)
    assert field in response.json()
    assert not Post.objects.exists()


def test_create_with_images_by_multipart_and_idempotency(api, user):
    _as(api, user)
    key = str(uuid.uuid4())
    first = api.post(
        "/api/v1/posts/",
        {"body": "pics", "images": [image_upload()], "idempotency_key": key},
        format="multipart",
    )
    assert first.status_code == 201
    assert first.json()["images"][0]["small_url"].startswith("/feed/images/")
    again = api.post(
        "/api/v1/posts/",
        {"body": "pics", "images": [image_upload()], "idempotency_key": key},
        format="multipart",
    )
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    five = api.post(
        "/api/v1/posts/",
        {"body": "x", "images": [image_upload(f"{n}.png") for n in range(5)]},
        format="multipart",
    )
    assert five.status_code == 400
    assert "images" in five.json()


def test_detail_edit_history_delete(api, user, other_user):
    post = post_create(author=user, body="v1")
    _as(api, other_user)
    assert api.patch(f"/api/v1/posts/{post.pk}/", {"body": "hijack"}, format="json").status_code == 403
    assert api.delete(f"/api/v1/posts/{post.pk}/").status_code == 403
    _as(api, user)
    assert api.patch(f"/api/v1/posts/{post.pk}/", {"body": ""}, format="json").status_code == 400
    edited = api.patch(f"/api/v1/posts/{post.pk}/", {"body": "v2"}, format="json").json()
    assert edited["body"] == "v2"
    assert edited["edited_at"]
    history = api.get(f"/api/v1/posts/{post.pk}/history/").json()
    assert [v["body_html"] for v in history] == ["<p>v2</p>\n", "<p>v1</p>\n"]
    assert api.delete(f"/api/v1/posts/{post.pk}/").status_code == 204
    assert api.get(f"/api/v1/posts/{post.pk}/").status_code == 404


def test_comments_and_replies(api, user, other_user):
    post = post_create(author=user, body="discuss")
    _as(api, other_user)
    top = api.post(f"/api/v1/posts/{post.pk}/comments/", {"body": "top"}, format="json").json()
    reply = api.post(
        f"/api/v1/posts/{post.pk}/comments/", {"body": "reply", "parent": top["id"]}, format="json"
    ).json()
    assert reply["parent"] == top["id"]
    listed = api.get(f"/api/v1/posts/{post.pk}/comments/").json()
    assert [c["body"] for c in listed] == ["top", "reply"]
    assert api.post(f"/api/v1/posts/{post.pk}/comments/", {"body": " "}, format="json").status_code == 400
    assert (
        api.post(
            f"/api/v1/posts/{post.pk}/comments/", {"body": "x", "parent": 999}, format="json"
        ).status_code
        == 400
    )
    assert api.patch(f"/api/v1/comments/{top['id']}/", {"body": "top, edited"}, format="json").json()[
        "edited_at"
    ]
    _as(api, UserFactory())
    assert api.patch(f"/api/v1/comments/{top['id']}/", {"body": "no"}, format="json").status_code == 403
    _as(api, user)  # the post's author may remove comments on their post
    assert api.delete(f"/api/v1/comments/{top['id']}/").status_code == 204
    assert api.get(f"/api/v1/posts/{post.pk}/comments/").json() == []  # the reply went with it


def test_reactions_on_posts_and_comments(api, user, other_user):
    post = post_create(author=other_user, body="react")
    comment = comment_create(post=post, author=other_user, body="c")
    _as(api, user)
    data = api.put(f"/api/v1/posts/{post.pk}/reactions/", {"kind": "insightful"}, format="json").json()
    assert data["counts"] == {"insightful": 1}
    assert data["my_reaction"] == "insightful"
    assert data["reactions"][0]["users"] == [{"id": user.pk, "display_name": user.display_name}]
    assert api.put(f"/api/v1/posts/{post.pk}/reactions/", {"kind": "angry"}, format="json").status_code == 400
    assert api.delete(f"/api/v1/posts/{post.pk}/reactions/").json()["counts"] == {}
    api.put(f"/api/v1/comments/{comment.pk}/reactions/", {"kind": "funny"}, format="json")
    assert Reaction.objects.get().comment == comment


def test_acknowledgements(api, user, staff_user):
    post = post_create(author=staff_user, body="read", is_announcement=True, must_read=True)
    _as(api, user)
    assert api.post(f"/api/v1/posts/{post.pk}/acknowledgements/").status_code == 200
    assert api.get(f"/api/v1/posts/{post.pk}/acknowledgements/").status_code == 403
    report = _as(api, staff_user).get(f"/api/v1/posts/{post.pk}/acknowledgements/").json()
    assert report["acknowledged_count"] == 1
    assert report["acknowledged"] == [{"id": user.pk, "display_name": user.display_name}]


def test_tags_list_detail_follow(api, user, member, groups):
    post_create(author=member, body="#visible")
    post_create(author=member, body="#hiddentag", group=groups["secret"])
    _as(api, user)
    tags = api.get("/api/v1/tags/").json()
    assert [t["key"] for t in tags["popular"]] == ["visible"]
    assert api.put("/api/v1/tags/visible/").json()["following"] is True
    assert [t["key"] for t in api.get("/api/v1/tags/").json()["following"]] == ["visible"]
    assert api.delete("/api/v1/tags/visible/").json()["following"] is False
    assert api.get("/api/v1/tags/nope/").status_code == 404


def test_post_list_query_count_is_flat(api, member, django_assert_max_num_queries):
    viewer = UserFactory()
    for n in range(30):
        post = PostFactory(author=member, body=f"#t{n % 3} post", images=[image_upload()])
        comment_create(post=post, author=viewer, body="c")
        reaction_set(user=viewer, kind="like", post=post)
    _as(api, viewer)
    for size in (5, 30):
        with django_assert_max_num_queries(10):
            response = api.get(f"/api/v1/posts/?feed=company&page_size={size}")
        assert len(response.json()["results"]) == size


def test_post_list_cached_per_post_state_keeps_each_callers_reaction_and_every_change(api, user, member):
    post = post_create(author=member, body="first words")
    reaction_set(user=user, post=post, kind="celebrate")

    def first(caller):
        _as(api, caller)
        return api.get("/api/v1/posts/?feed=company").json()["results"][0]

    assert first(user)["my_reaction"] == "celebrate"
    assert first(member)["my_reaction"] is None
    from feed.services import post_edit

    post_edit(post=Post.objects.get(pk=post.pk), editor=member, body="second words #fresh")
    reaction_set(user=member, post=Post.objects.get(pk=post.pk), kind="like")
    again = first(member)
    assert again["body"] == "second words #fresh"
    assert again["tags"] == ["fresh"]
    assert again["my_reaction"] == "like"
    assert again["reaction_counts"] == {"celebrate": 1, "like": 1}
    assert first(user)["my_reaction"] == "celebrate"
