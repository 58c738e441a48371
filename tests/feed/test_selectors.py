"""Feed reads: cursors, feed membership, pinned announcements, profile selectors."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feed.models import Post
from feed.selectors import (
    BadCursor,
    FeedSpec,
    articles_by_author,
    decode_cursor,
    encode_cursor,
    feed_page,
    praise_received,
)
from feed.services import post_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_cursor_round_trip_and_refusals(user):
    post = post_create(author=user, body="x")
    assert decode_cursor(encode_cursor(post)) == (post.created_at, post.pk)
    for bad in ("", "!!!", "bm9wZQ", "MjAyNi0wMS0wMXwx", "x" * 500):
        with pytest.raises(BadCursor):
            decode_cursor(bad)


def test_posts_with_the_same_time_are_paged_without_loss(user):
    posts = [post_create(author=user, body=f"p{n}") for n in range(6)]
    same = timezone.now() - timedelta(hours=1)
    Post.objects.filter(pk__in=[p.pk for p in posts]).update(created_at=same)
    seen, cursor = [], None
    while True:
        page = feed_page(user, FeedSpec(FeedSpec.COMPANY), cursor=cursor, page_size=5)
        seen += [p.pk for p in page.posts]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == sorted((p.pk for p in posts), reverse=True)


def test_articles_and_praise_for_profiles_respect_visibility(member, outsider, groups):
    post_create(author=member, kind=Post.Kind.ARTICLE, title="Public", body="x")
    post_create(author=member, kind=Post.Kind.ARTICLE, title="Secret", body="x", group=groups["secret"])
    assert [p.title for p in articles_by_author(member, member)] == ["Secret", "Public"]
    assert [p.title for p in articles_by_author(outsider, member)] == ["Public"]
    praised = UserFactory()
    post_create(author=member, kind=Post.Kind.PRAISE, body="thanks", praised=[praised], praise_badge="mentor")
    post_create(
        author=member,
        kind=Post.Kind.PRAISE,
        body="secret thanks",
        praised=[praised],
        praise_badge="mentor",
        group=groups["secret"],
    )
    assert [p.body for p in praise_received(outsider, praised)] == ["thanks"]
    assert len(praise_received(member, praised)) == 2


def test_home_pages_with_a_bounded_tag_branch_list_the_same_posts_as_the_full_filter(user):
    from feed.models import Tag, TagFollow
    from feed.selectors import feed_posts

    author, followed = UserFactory(), UserFactory()
    from profiles.services import follow_create

    follow_create(follower=user, followed=followed)
    for n in range(14):
        post_create(author=author, body=f"tagged {n} #bounded")
        post_create(author=author, body=f"untagged {n}")
        if n % 3 == 0:
            post_create(author=followed, body=f"followed {n}")
    TagFollow.objects.create(user=user, tag=Tag.objects.get(key="bounded"))
    expected = [p.pk for p in feed_posts(user, FeedSpec(FeedSpec.HOME))]
    seen, cursor = [], None
    while True:
        page = feed_page(user, FeedSpec(FeedSpec.HOME), cursor=cursor, page_size=5)
        seen += [p.pk for p in page.posts]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected
    assert len(expected) == 14 + 5
