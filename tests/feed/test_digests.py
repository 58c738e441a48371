"""The feed's digest section: the most-reacted posts in the reader's groups and followed tags
that they have not seen (feed/digests.py, feed/seen.py), and what send_digests mails with it."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feed.digests import most_reacted_unseen
from feed.models import Post, PostSeen, Tag
from feed.seen import SEEN_WINDOW, posts_mark_seen, prune_seen_posts
from feed.services import (
    acknowledgement_create,
    post_create,
    post_delete,
    reaction_set,
    tag_follow,
)
from groups.models import Group
from notifications.digests import send_digests
from notifications.kinds import DigestPeriod
from notifications.models import DigestRun
from notifications.services import preferences_update
from tests.factories import CommentFactory, UserFactory
from tests.feed.conftest import make_group

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def react(post: Post, n: int) -> Post:
    """`n` new colleagues react to the post."""
    for _ in range(n):
        reaction_set(user=UserFactory(), kind="like", post=post)
    return post


def titles(posts) -> list[str]:
    """What each post is called in the tests: its text up to the first hashtag or colon."""
    return [post.preview.split(" #")[0].split(":")[0] for post in posts]


def since() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=1)


def mails_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


@pytest.fixture
def reader(db):
    return UserFactory(display_name="Rae Reader", email="rae@example.com")


@pytest.fixture
def writer(db):
    return UserFactory(display_name="Wes Writer")


@pytest.fixture
def team(reader, writer):
    """A private group the reader and the writer belong to."""
    return make_group("private", writer, reader, slug="team")


def moderate(post: Post, state: str) -> None:
    """Hold or hide the post the way moderation writes it: `moderation_state` where posts carry
    one, else the older `hidden_at` (the feed gate decides either way)."""
    if "moderation_state" in {field.name for field in Post._meta.concrete_fields}:
        Post.objects.filter(pk=post.pk).update(moderation_state=state)
    else:
        Post.objects.filter(pk=post.pk).update(hidden_at=timezone.now())


def follow_tag(user, key: str) -> Tag:
    tag = Tag.objects.get(key=key)
    tag_follow(user=user, tag=tag)
    return tag


# Which posts -------------------------------------------------------------------------------
def test_most_reacted_unseen_ranks_group_and_followed_tag_posts_by_reactions(reader, writer, team):
    other_group = make_group("open", writer, slug="elsewhere")
    react(post_create(author=writer, group=team, body="Team two"), 2)
    react(post_create(author=writer, body="Tag three #launch"), 3)
    react(post_create(author=writer, group=team, body="Team one"), 1)
    react(post_create(author=writer, group=other_group, body="Open tag #launch"), 4)
    react(post_create(author=writer, body="Company five, in no group of mine"), 5)
    react(post_create(author=writer, group=other_group, body="Open group, no tag"), 6)
    post_create(author=writer, group=team, body="Team zero")
    follow_tag(reader, "launch")

    posts = most_reacted_unseen(reader, since=since())

    assert titles(posts) == ["Open tag", "Tag three", "Team two", "Team one"]
    assert [post.reaction_count for post in posts] == [4, 3, 2, 1]


def test_most_reacted_unseen_keeps_the_top_five(reader, writer, team):
    for n in range(1, 8):
        react(post_create(author=writer, group=team, body=f"P{n}"), n)
    assert titles(most_reacted_unseen(reader, since=since())) == ["P7", "P6", "P5", "P4", "P3"]


def test_most_reacted_unseen_leaves_out_posts_older_than_since(reader, writer, team):
    old = react(post_create(author=writer, group=team, body="Old"), 3)
    Post.objects.filter(pk=old.pk).update(created_at=timezone.now() - 2 * HOUR)
    react(post_create(author=writer, group=team, body="New"), 1)
    assert titles(most_reacted_unseen(reader, since=timezone.now() - HOUR)) == ["New"]


def test_most_reacted_unseen_leaves_out_own_seen_reacted_commented_and_acknowledged_posts(
    reader, writer, team, client, set_site_policy
):
    react(post_create(author=reader, group=team, body="Mine"), 5)
    opened = react(post_create(author=writer, group=team, body="Opened"), 4)
    reacted = react(post_create(author=writer, group=team, body="Reacted"), 4)
    commented = react(post_create(author=writer, group=team, body="Commented"), 4)
    react(post_create(author=writer, group=team, body="Unseen"), 1)
    reaction_set(user=reader, kind="like", post=reacted)
    CommentFactory(post=commented, author=reader, body="seen it")
    client.force_login(reader)
    assert client.get(f"/feed/posts/{opened.pk}/").status_code == 200

    assert titles(most_reacted_unseen(reader, since=since())) == ["Unseen"]


def test_acknowledged_must_read_counts_as_seen(reader, writer):
    writer.is_staff = True
    writer.save()
    post = post_create(author=writer, body="Must read #launch", is_announcement=True, must_read=True)
    react(post, 2)
    follow_tag(reader, "launch")
    assert titles(most_reacted_unseen(reader, since=since())) == ["Must read"]
    acknowledgement_create(post=post, user=reader)
    assert most_reacted_unseen(reader, since=since()) == []


def test_posts_on_a_rendered_feed_page_count_as_seen(reader, writer, team, client):
    shown = react(post_create(author=writer, group=team, body="Shown"), 2)
    client.force_login(reader)
    assert client.get("/feed/?page_size=5").status_code == 200
    assert PostSeen.objects.filter(user=reader, post=shown).exists()
    assert most_reacted_unseen(reader, since=since()) == []


def test_posts_in_the_api_feed_count_as_seen(reader, writer, team):
    from rest_framework.test import APIClient

    react(post_create(author=writer, group=team, body="Via API"), 2)
    api = APIClient()
    api.force_authenticate(reader)
    assert api.get("/api/v1/posts/?feed=group&group=team").status_code == 200
    assert most_reacted_unseen(reader, since=since()) == []


def test_group_feed_seen_by_one_member_is_still_unseen_for_another(reader, writer, team, client):
    colleague = UserFactory()
    from tests.factories import add_member

    add_member(team, colleague)
    react(post_create(author=writer, group=team, body="Shared"), 2)
    client.force_login(colleague)
    assert client.get("/feed/groups/team/").status_code == 200
    assert titles(most_reacted_unseen(reader, since=since())) == ["Shared"]
    assert most_reacted_unseen(colleague, since=since()) == []


def test_most_reacted_unseen_applies_the_feed_gate(reader, writer):
    """Followed-tag posts in secret and private groups the reader is not in, held, hidden and
    deleted posts never show; the reader's own secret group does."""
    secret = make_group("secret", writer, slug="secret")
    private = make_group("private", writer, slug="private")
    own_secret = make_group("secret", writer, reader, slug="own-secret")
    react(post_create(author=writer, group=secret, body="Secret #launch"), 5)
    react(post_create(author=writer, group=private, body="Private #launch"), 5)
    hidden = react(post_create(author=writer, body="Hidden #launch"), 5)
    held = react(post_create(author=writer, body="Held #launch"), 5)
    deleted = react(post_create(author=writer, body="Deleted #launch"), 5)
    react(post_create(author=writer, group=own_secret, body="Own secret"), 1)
    moderate(hidden, "hidden")
    moderate(held, "held")
    post_delete(post=deleted, actor=writer)
    follow_tag(reader, "launch")

    assert titles(most_reacted_unseen(reader, since=since())) == ["Own secret"]


def test_leaving_a_group_takes_its_posts_out(reader, writer, team):
    from groups.services import membership_leave

    react(post_create(author=writer, group=team, body="Team"), 2)
    membership_leave(actor=reader, group=team)
    assert most_reacted_unseen(reader, since=since()) == []


def test_inactive_reader_gets_nothing(reader, writer, team):
    react(post_create(author=writer, group=team, body="Team"), 2)
    reader.is_active = False
    reader.save()
    assert most_reacted_unseen(reader, since=since()) == []


# Recording what was seen -------------------------------------------------------------------
def test_posts_seen_records_recent_posts_of_others_once(reader, writer):
    recent = post_create(author=writer, body="recent")
    old = post_create(author=writer, body="old")
    mine = post_create(author=reader, body="mine")
    Post.objects.filter(pk=old.pk).update(created_at=timezone.now() - SEEN_WINDOW - HOUR)
    old.refresh_from_db()
    posts_mark_seen(user=reader, posts=[recent, old, mine])
    posts_mark_seen(user=reader, posts=[recent])
    assert list(PostSeen.objects.filter(user=reader).values_list("post_id", flat=True)) == [recent.pk]


def test_posts_seen_writes_a_page_once_an_hour_and_a_different_page_at_once(
    reader, writer, django_assert_num_queries
):
    first, second = post_create(author=writer, body="one"), post_create(author=writer, body="two")
    with django_assert_num_queries(1):
        assert posts_mark_seen(user=reader, posts=[first, second]) == 2
    with django_assert_num_queries(0):  # the same page again: nothing to write
        assert posts_mark_seen(user=reader, posts=[second, first]) == 0
    PostSeen.objects.all().delete()
    with django_assert_num_queries(1):  # another set of posts is recorded at once
        assert posts_mark_seen(user=reader, posts=[second]) == 1
    assert list(PostSeen.objects.values_list("post_id", flat=True)) == [second.pk]


def test_prune_seen_posts_forgets_records_older_than_the_window(reader, writer):
    post = post_create(author=writer, body="x")
    posts_mark_seen(user=reader, posts=[post])
    PostSeen.objects.create(
        user=UserFactory(), post=post, seen_at=timezone.now() - SEEN_WINDOW - datetime.timedelta(minutes=1)
    )
    call_command("prune_seen_posts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(PostSeen.objects.values_list("user_id", flat=True)) == [reader.pk]
    assert prune_seen_posts() == 0


# In the digest -----------------------------------------------------------------------------
def test_digest_shows_the_section_in_html_and_text(reader, writer, team):
    post = react(post_create(author=writer, group=team, body="Quarterly launch plan"), 3)
    report = send_digests(period=DigestPeriod.DAILY)
    assert report.sent >= 1
    (message,) = mails_to(reader)
    assert message.subject.endswith("Your daily digest")
    assert "Most-reacted posts in your groups and tags" in message.body
    assert "- Quarterly launch plan (Wes Writer in Private group · 3 reactions)" in message.body
    assert f"http://localhost/feed/posts/{post.pk}/" in message.body
    html, _mimetype = message.alternatives[0]
    assert "Most-reacted posts in your groups and tags" in html
    assert f'href="http://localhost/feed/posts/{post.pk}/"' in html
    assert "3 reactions" in html


def test_digest_section_never_shows_what_the_reader_may_not_see(reader, writer):
    secret = make_group("secret", writer, slug="secret")
    react(post_create(author=writer, group=secret, body="Secret plans #launch"), 5)
    react(post_create(author=writer, body="Public launch #launch"), 1)
    follow_tag(reader, "launch")
    send_digests(period=DigestPeriod.DAILY)
    (message,) = mails_to(reader)
    assert "Public launch" in message.body
    assert "Secret plans" not in message.body
    assert "Secret plans" not in message.alternatives[0][0]


def test_digest_with_no_notifications_and_only_seen_posts_is_not_sent(reader, writer, team, client):
    react(post_create(author=writer, group=team, body="Seen already"), 3)
    client.force_login(reader)
    client.get("/feed/")
    report = send_digests(period=DigestPeriod.DAILY)
    assert mails_to(reader) == []
    assert not DigestRun.objects.filter(user=reader).exists()
    assert report.empty >= 1


def test_digest_with_nothing_at_all_is_not_sent(reader, writer, team):
    post_create(author=writer, group=team, body="Nobody reacted")
    send_digests(period=DigestPeriod.DAILY)
    assert mails_to(reader) == []


def test_digest_never_subscribers_get_no_section_either(reader, writer, team):
    preferences_update(user=reader, deliveries={}, digest_period=DigestPeriod.NEVER)
    react(post_create(author=writer, group=team, body="Team"), 3)
    send_digests(period=DigestPeriod.DAILY)
    assert mails_to(reader) == []


def test_digest_section_is_sent_once_per_period_and_not_repeated_next_period(reader, writer, team):
    react(post_create(author=writer, group=team, body="First day"), 3)
    now = timezone.now()
    assert send_digests(period=DigestPeriod.DAILY, now=now).sent >= 1
    react(post_create(author=writer, group=team, body="Same day"), 3)
    again = send_digests(period=DigestPeriod.DAILY, now=now + datetime.timedelta(minutes=5))
    assert again.sent == 0
    assert len(mails_to(reader)) == 1

    tomorrow = now + datetime.timedelta(days=1)
    Post.objects.filter(body="Same day").update(created_at=now + HOUR)
    assert send_digests(period=DigestPeriod.DAILY, now=tomorrow).sent >= 1
    latest = mails_to(reader)[-1]
    assert "Same day" in latest.body
    assert "First day" not in latest.body


# Cost --------------------------------------------------------------------------------------
def _digest_world(readers: int, posts_per_group: int) -> None:
    """`readers` people, each in their own group and following a shared tag, with reacted posts."""
    author = UserFactory()
    reactors = [UserFactory() for _ in range(3)]
    for n in range(readers):
        reader = UserFactory()
        group = make_group("private", author, reader, slug=f"g{Group.objects.count()}")
        for i in range(posts_per_group):
            post = post_create(author=author, group=group, body=f"G{n} P{i} #shared")
            for reactor in reactors[: 1 + i % 3]:
                reaction_set(user=reactor, kind="like", post=post)
        follow_tag(reader, "shared")
    # Only the readers are subscribed: authors and reactors would have an empty digest anyway.
    for person in [author, *reactors]:
        preferences_update(user=person, deliveries={}, digest_period=DigestPeriod.NEVER)


def _run_queries() -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        report = send_digests(period=DigestPeriod.DAILY)
    return len(ctx.captured_queries), report.sent


PER_PERSON = 7  # prefs, the moderation target's gate, notifications, this section, the claim
# (savepoint, insert, release); the previous digest's time comes annotated on the person
RUN = 2  # the period's claims, the subscribers


def test_digest_run_costs_a_fixed_number_of_queries_per_person(django_assert_max_num_queries):
    _digest_world(readers=3, posts_per_group=2)
    small, sent_small = _run_queries()
    assert sent_small == 3
    assert small == RUN + 3 * PER_PERSON
    DigestRun.objects.all().delete()
    mail.outbox.clear()

    # Nine more readers with three times the posts each; every reader follows the shared tag, so
    # the first three now have 54 more candidate posts too.
    _digest_world(readers=9, posts_per_group=6)
    with django_assert_max_num_queries(RUN + 12 * PER_PERSON):
        large, sent_large = _run_queries()
    assert sent_large == 12
    assert large == RUN + 12 * PER_PERSON
    assert all("Most-reacted posts in your groups and tags" in m.body for m in mail.outbox)
