"""The post gate at the function level: filter_visible_posts, can_view_post and
check_view_post_permission agree, for every audience and state."""

import pytest
from django.http import Http404
from django.utils import timezone

from feed.models import Post
from feed.permissions import (
    can_comment_on_post,
    can_delete_post,
    can_edit_post,
    can_post_in_audience,
    can_view_post,
    check_view_post_permission,
    filter_visible_posts,
)
from feed.services import post_create
from tests.factories import UserFactory
from tests.feed.conftest import make_group

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("audience", "outsider_sees"),
    [("company", True), ("open", True), ("private", False), ("secret", False)],
)
def test_gate_for_outsider_and_member(member, outsider, groups, audience, outsider_sees):
    group = None if audience == "company" else groups[audience]
    post = post_create(author=member, body="x", group=group)
    for viewer, expected in ((member, True), (outsider, outsider_sees)):
        assert can_view_post(viewer, post) is expected
        assert filter_visible_posts(viewer).filter(pk=post.pk).exists() is expected
        if expected:
            assert check_view_post_permission(viewer, post.pk) == post
        else:
            with pytest.raises(Http404):
                check_view_post_permission(viewer, post.pk)


def test_deleted_posts_are_visible_to_nobody(member):
    post = post_create(author=member, body="x")
    Post.objects.filter(pk=post.pk).update(deleted_at=timezone.now())
    post.refresh_from_db()
    assert not can_view_post(member, post)
    assert not filter_visible_posts(member).exists()


@pytest.mark.parametrize("state", ["held", "hidden"])
def test_held_and_hidden_posts_are_visible_to_their_author_only(member, outsider, state):
    post = post_create(author=member, body="x")
    Post.objects.filter(pk=post.pk).update(moderation_state=state)
    post.refresh_from_db()
    assert can_view_post(member, post)
    assert filter_visible_posts(member).filter(pk=post.pk).exists()
    assert not can_view_post(outsider, post)
    assert not filter_visible_posts(outsider).exists()


def test_inactive_and_anonymous_see_nothing(member):
    from django.contrib.auth.models import AnonymousUser

    post = post_create(author=member, body="x")
    member.is_active = False
    assert not filter_visible_posts(member).exists()
    assert not can_view_post(member, post)
    assert not filter_visible_posts(AnonymousUser()).exists()


def test_leaving_a_group_hides_its_posts_at_once(member, groups):
    from groups.models import Membership

    newcomer = UserFactory()
    Membership.objects.create(group=groups["secret"], user=newcomer)
    post = post_create(author=member, body="x", group=groups["secret"])
    assert filter_visible_posts(newcomer).filter(pk=post.pk).exists()
    Membership.objects.filter(user=newcomer).delete()
    assert not filter_visible_posts(newcomer).filter(pk=post.pk).exists()


def test_write_rules(member, outsider, groups):
    archived = make_group("open", member, slug="archived", archived=True)
    assert can_post_in_audience(outsider, None)
    assert can_post_in_audience(member, groups["open"])
    assert not can_post_in_audience(outsider, groups["open"])
    assert not can_post_in_audience(member, archived)
    post = post_create(author=member, body="x", group=groups["open"])
    assert can_edit_post(member, post)
    assert not can_edit_post(outsider, post)
    assert can_delete_post(member, post)
    assert not can_delete_post(outsider, post)
    assert can_comment_on_post(member, post)
    assert not can_comment_on_post(outsider, post)  # sees it (open group), but only members write
    company = post_create(author=member, body="y")
    assert can_comment_on_post(outsider, company)
