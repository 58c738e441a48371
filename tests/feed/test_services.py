"""Feed writes: posts of every kind, bad input, edits with history, deletes, comments,
reactions, announcements and acknowledgements, tags, rate limits."""

from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from feed.models import Acknowledgement, Comment, Post, PostImage, Reaction, Tag
from feed.permissions import filter_visible_posts
from feed.selectors import praise_received
from feed.services import (
    acknowledgement_create,
    comment_create,
    comment_delete,
    comment_edit,
    post_create,
    post_delete,
    post_edit,
    reaction_remove,
    reaction_set,
    tag_follow,
)
from socialco.ratelimits import RateLimitExceeded
from tests.factories import CommentFactory, PostFactory, UserFactory
from tests.feed.conftest import image_upload, make_group
from tests.socialco.test_markdown import XSS_CORPUS

pytestmark = pytest.mark.django_db


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def _assert_safe(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag not in {"script", "img", "svg", "iframe", "style", "object"}, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert name in {"href", "title", "rel", "align"}, (tag, name)
            if name == "href":
                assert urlparse(value or "").scheme.lower() in {"", "http", "https", "mailto"}, value


# XSS ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("payload", [*XSS_CORPUS, "@<script>x</script> #<img src=x onerror=1>"])
def test_post_comment_and_edit_bodies_are_sanitised(payload, user):
    UserFactory(email="ana@example.com", display_name="<img src=x onerror=alert(1)>")
    post = post_create(author=user, body=f"{payload} @ana #tag")
    _assert_safe(post.body_html)
    comment = comment_create(post=post, author=user, body=f"{payload} @ana #tag")
    _assert_safe(comment.body_html)
    edited = post_edit(post=post, editor=user, body=f"edit {payload} @ana")
    _assert_safe(edited.body_html)
    _assert_safe(comment_edit(comment=comment, editor=user, body=f"edit {payload}").body_html)
    article = post_create(author=user, kind=Post.Kind.ARTICLE, title=payload, body=payload)
    _assert_safe(article.body_html)


# Posts ---------------------------------------------------------------------------------------
def test_post_create_links_mentions_and_tags(user):
    ana = UserFactory(email="ana.silva@example.com", display_name="Ana Silva")
    post = post_create(author=user, body="Thanks @ana.silva for #Python tips, and @nobody.")
    assert f'href="/feed/u/{ana.pk}/"' in post.body_html
    assert "@Ana Silva</a>" in post.body_html
    assert 'href="/feed/tags/python/"' in post.body_html
    assert "@nobody" in post.body_html
    assert list(post.mentioned.all()) == [ana]
    assert [t.key for t in post.tags.all()] == ["python"]
    post2 = post_create(author=user, body="More #PYTHON")
    assert post2.tags.get() == Tag.objects.get(key="python")
    assert Tag.objects.get(key="python").name == "Python"  # first spelling kept


def test_mentions_of_inactive_people_stay_plain_text(user):
    UserFactory(email="gone@example.com", is_active=False)
    post = post_create(author=user, body="cc @gone")
    assert "<a" not in post.body_html
    assert not post.mentioned.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   \n  "}, "body"),
        ({"body": "x" * 10_001}, "body"),
        ({"body": "ok", "images": [image_upload(f"{n}.png") for n in range(5)]}, "images"),
        ({"body": "ok", "images": [SimpleUploadedFile("evil.png", b"<svg onload=alert(1)>")]}, "images"),
        ({"body": "ok", "kind": Post.Kind.ARTICLE}, "title"),
        ({"body": "x" * 50_001, "kind": Post.Kind.ARTICLE, "title": "T"}, "body"),
        ({"body": "thanks", "kind": Post.Kind.PRAISE, "praise_badge": "mentor"}, "praised"),
    ],
)
def test_post_create_refuses_bad_input_and_saves_nothing(user, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        post_create(author=user, **kwargs)
    assert field in exc.value.message_dict
    assert exc.value.message_dict[field][0]  # a readable message
    assert not Post.objects.exists()
    assert not PostImage.objects.exists()


def test_bad_image_error_names_the_file(user):
    with pytest.raises(ValidationError) as exc:
        post_create(author=user, body="ok", images=[SimpleUploadedFile("notes.txt", b"hello")])
    assert exc.value.message_dict["images"][0].startswith("notes.txt: ")


def test_article_may_be_long_and_has_a_summary(user):
    post = post_create(author=user, kind=Post.Kind.ARTICLE, title="  A   title ", body="word " * 9_000)
    assert post.title == "A title"
    assert len(post.body) > 10_000
    assert post.summary.startswith("word word")
    assert len(post.summary) <= 320


def test_post_images_are_reencoded_and_stored(user):
    post = post_create(
        author=user, body="pics", images=[image_upload(), image_upload(fmt="JPEG", name="a.jpg")]
    )
    images = list(post.images.all())
    assert [i.position for i in images] == [0, 1]
    for image in images:
        assert default_storage.exists(image.large)
        assert default_storage.exists(image.small)
        assert image.large.startswith("feed/")


def test_posting_into_a_group_needs_membership(user, member):
    group = make_group("open", member)
    with pytest.raises(PermissionDenied):
        post_create(author=user, body="hi", group=group)
    archived = make_group("private", user, slug="old", archived=True)
    with pytest.raises(PermissionDenied):
        post_create(author=user, body="hi", group=archived)
    assert not Post.objects.exists()
    assert post_create(author=member, body="hi", group=group).group == group


def test_same_idempotency_key_creates_one_post(user):
    import uuid

    key = uuid.uuid4()
    first = post_create(author=user, body="once", idempotency_key=key)
    second = post_create(author=user, body="once", idempotency_key=key)
    assert first.pk == second.pk
    assert Post.objects.count() == 1
    # The key is per author: someone else's key never returns another person's post.
    other = post_create(author=UserFactory(), body="mine", idempotency_key=key)
    assert other.pk != first.pk


def test_praise_names_colleagues_and_shows_under_their_praise(user, other_user):
    post = post_create(
        author=user, kind=Post.Kind.PRAISE, body="Thanks!", praised=[other_user], praise_badge="team_player"
    )
    assert list(post.praised.all()) == [other_user]
    assert praise_received(UserFactory(), other_user) == [post]
    with pytest.raises(ValidationError) as exc:
        post_create(author=user, kind=Post.Kind.PRAISE, body="Me!", praised=[user], praise_badge="mentor")
    assert "praised" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        post_create(author=user, kind=Post.Kind.PRAISE, body="x", praised=[other_user], praise_badge="gold")
    assert "praise_badge" in exc.value.message_dict


# Edits and deletes ---------------------------------------------------------------------------
def test_post_edit_keeps_every_earlier_version(user):
    post = post_create(author=user, body="first #one")
    post_edit(post=post, editor=user, body="second #two")
    post = post_edit(post=post, editor=user, body="third")
    assert post.body == "third"
    assert post.edited_at is not None
    assert list(post.revisions.values_list("body", flat=True)) == ["second #two", "first #one"]
    assert not post.tags.exists()
    assert post.revision == 3
    # Saving the same text again keeps no extra version.
    post_edit(post=post, editor=user, body="third")
    assert post.revisions.count() == 2


def test_only_the_author_edits_and_bad_edits_change_nothing(user, other_user):
    post = post_create(author=user, body="mine")
    with pytest.raises(PermissionDenied):
        post_edit(post=post, editor=other_user, body="hijacked")
    with pytest.raises(ValidationError):
        post_edit(post=post, editor=user, body="x" * 10_001)
    post.refresh_from_db()
    assert post.body == "mine"
    assert not post.revisions.exists()


def test_deleted_post_is_gone_for_everyone(user, other_user):
    post = post_create(author=user, body="soon gone")
    with pytest.raises(PermissionDenied):
        post_delete(post=post, actor=other_user)
    post_delete(post=post, actor=user)
    assert not filter_visible_posts(user).exists()
    assert not filter_visible_posts(other_user).exists()
    assert Post.objects.filter(pk=post.pk, deleted_at__isnull=False).exists()  # kept for moderation


def test_moderator_may_delete_a_post(user):
    from django.contrib.auth.models import Group as AuthGroup

    moderator = UserFactory()
    moderator.groups.add(AuthGroup.objects.get_or_create(name="HR moderators")[0])
    post = post_create(author=user, body="off-topic")
    post_delete(post=post, actor=moderator)
    assert not filter_visible_posts(user).exists()


# Comments ------------------------------------------------------------------------------------
def test_replies_are_one_level_and_counts_follow_deletes(user, other_user):
    post = post_create(author=user, body="post")
    top = comment_create(post=post, author=other_user, body="top")
    reply = comment_create(post=post, author=user, body="reply", parent=top)
    deeper = comment_create(post=post, author=other_user, body="reply to reply", parent=reply)
    assert deeper.parent_id == top.pk
    post.refresh_from_db()
    assert post.comment_count == 3
    comment_delete(comment=top, actor=other_user)
    post.refresh_from_db()
    assert post.comment_count == 0  # the replies went with it


def test_comment_rules(user, other_user, member):
    group = make_group("open", member)
    post = post_create(author=member, body="group post", group=group)
    with pytest.raises(PermissionDenied):
        comment_create(post=post, author=user, body="not a member")
    with pytest.raises(ValidationError):
        comment_create(post=post, author=member, body=" ")
    with pytest.raises(ValidationError):
        comment_create(post=post, author=member, body="x" * 5_001)
    comment = comment_create(post=post, author=member, body="ok")
    with pytest.raises(PermissionDenied):
        comment_edit(comment=comment, editor=user, body="hijack")
    with pytest.raises(PermissionDenied):
        comment_delete(comment=comment, actor=user)
    comment_edit(comment=comment, editor=member, body="ok, edited")
    assert list(comment.revisions.values_list("body", flat=True)) == ["ok"]


def test_post_author_may_delete_comments_on_their_post(user, other_user):
    post = post_create(author=user, body="mine")
    comment = comment_create(post=post, author=other_user, body="spam")
    comment_delete(comment=comment, actor=user)
    assert Comment.objects.get(pk=comment.pk).deleted_at is not None


# Reactions -----------------------------------------------------------------------------------
def test_one_reaction_per_person_per_item(user, other_user):
    post = PostFactory()
    reaction_set(user=user, kind="like", post=post)
    reaction_set(user=user, kind="celebrate", post=post)
    reaction_set(user=other_user, kind="celebrate", post=post)
    post.refresh_from_db()
    assert post.reaction_counts == {"celebrate": 2}
    assert Reaction.objects.filter(post=post).count() == 2
    reaction_remove(user=user, post=post)
    post.refresh_from_db()
    assert post.reaction_counts == {"celebrate": 1}
    comment = CommentFactory(post=post)
    reaction_set(user=user, kind="funny", comment=comment)
    reaction_set(user=user, kind="funny", comment=comment)
    comment.refresh_from_db()
    assert comment.reaction_counts == {"funny": 1}
    with pytest.raises(ValidationError):
        reaction_set(user=user, kind="angry", post=post)


# Announcements -------------------------------------------------------------------------------
def test_only_staff_announce_and_announcements_are_company_wide(user, staff_user):
    with pytest.raises(PermissionDenied):
        post_create(author=user, body="hear ye", is_announcement=True)
    group = make_group("open", staff_user)
    with pytest.raises(ValidationError) as exc:
        post_create(author=staff_user, body="hear ye", is_announcement=True, group=group)
    assert "group" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        post_create(
            author=staff_user, body="x", is_announcement=True, pinned_until=timezone.now() - timedelta(days=1)
        )
    assert "pinned_until" in exc.value.message_dict
    # Pinning and must-read without "announcement" are ignored, never stored.
    plain = post_create(
        author=staff_user, body="x", pinned_until=timezone.now() + timedelta(days=1), must_read=True
    )
    assert plain.pinned_until is None
    assert not plain.must_read


def test_acknowledgements_are_once_per_person_and_only_for_must_read(user, staff_user):
    post = post_create(author=staff_user, body="read me", is_announcement=True, must_read=True)
    acknowledgement_create(post=post, user=user)
    acknowledgement_create(post=post, user=user)
    assert Acknowledgement.objects.filter(post=post).count() == 1
    plain = post_create(author=staff_user, body="fyi", is_announcement=True)
    with pytest.raises(PermissionDenied):
        acknowledgement_create(post=plain, user=user)


# Tags and limits -----------------------------------------------------------------------------
def test_tag_follow_is_idempotent(user):
    post = post_create(author=UserFactory(), body="#news")
    tag = post.tags.get()
    tag_follow(user=user, tag=tag)
    tag_follow(user=user, tag=tag)
    assert tag.followers.count() == 1


def test_posting_too_fast_is_refused(user, set_site_policy):
    set_site_policy(rate_limit_posts="2/h", rate_limit_comments="1/h")
    post_create(author=user, body="1")
    post = post_create(author=user, body="2")
    with pytest.raises(RateLimitExceeded):
        post_create(author=user, body="3")
    comment_create(post=post, author=user, body="a")
    with pytest.raises(RateLimitExceeded):
        comment_create(post=post, author=user, body="b")
    assert Post.objects.count() == 2
    assert Comment.objects.count() == 1


# Notifications -------------------------------------------------------------------------------
def _notes(person, kind=None):
    from notifications.models import Notification

    rows = Notification.objects.filter(recipient=person)
    return list(rows.filter(kind=kind) if kind else rows)


def test_mentions_notify_only_people_who_may_see_the_post(member, outsider, groups):
    member.email, outsider.email = "mia@example.com", "otto@example.com"
    member.save()
    outsider.save()
    author = UserFactory()
    from groups.models import Membership

    Membership.objects.create(group=groups["secret"], user=author)
    post_create(author=author, body="hi @mia and @otto", group=groups["secret"])
    assert len(_notes(member, "mention")) == 1
    assert _notes(outsider) == []
    post_create(author=author, body="company-wide @otto")
    assert len(_notes(outsider, "mention")) == 1


def test_comments_and_replies_notify_the_right_people(user, other_user):
    post = post_create(author=user, body="my post")
    comment = comment_create(post=post, author=other_user, body="a comment")
    assert len(_notes(user, "reply")) == 1
    comment_create(post=post, author=user, body="thanks", parent=comment)
    assert len(_notes(other_user, "reply")) == 1
    # Mentioned and replied-to at once: told once.
    user.email = "me@example.com"
    user.save()
    comment_create(post=post, author=other_user, body="@me look", parent=comment)
    assert len(_notes(user)) == 2  # the first reply, then one mention


def test_reactions_are_aggregated_and_withdrawn(user):
    post = post_create(author=user, body="react")
    fans = [UserFactory() for _ in range(3)]
    for fan in fans:
        reaction_set(user=fan, kind="like", post=post)
    [row] = _notes(user, "reaction")
    assert row.actor_count == 3
    reaction_remove(user=fans[0], post=post)
    [row] = _notes(user, "reaction")
    assert row.actor_count == 2


def test_praise_and_must_read_notify(user, other_user, staff_user):
    post_create(
        author=user, kind=Post.Kind.PRAISE, body="thanks", praised=[other_user], praise_badge="mentor"
    )
    assert len(_notes(other_user, "mention")) == 1
    post_create(author=staff_user, body="read this", is_announcement=True, must_read=True)
    assert len(_notes(user, "must_read_announcement")) == 1
    assert len(_notes(other_user, "must_read_announcement")) == 1
    assert _notes(staff_user) == []


def test_notification_targets_use_the_post_gate(member, outsider, groups):
    from feed.permissions import (
        can_view_comment,
        can_view_post,
        filter_visible_comments,
        filter_visible_posts,
    )
    from notifications.targets import target_type_for

    post = post_create(author=member, body="private", group=groups["private"])
    comment = comment_create(post=post, author=member, body="c")
    post_type, comment_type = target_type_for(Post), target_type_for(Comment)
    assert post_type.can_view is can_view_post
    assert post_type.filter_visible is filter_visible_posts
    assert comment_type.can_view is can_view_comment
    assert comment_type.filter_visible is filter_visible_comments
    for viewer, allowed in ((member, True), (outsider, False)):
        assert can_view_post(viewer, post) is allowed
        assert filter_visible_posts(viewer).filter(pk=post.pk).exists() is allowed
        assert can_view_comment(viewer, comment) is allowed
        assert filter_visible_comments(viewer).filter(pk=comment.pk).exists() is allowed
    assert post_type.describe(post) == "“private”"
    assert comment_type.describe(comment) == "a comment on “private”"
    post_delete(post=post, actor=member)
    post.refresh_from_db()
    assert not can_view_post(member, post)
    assert not filter_visible_comments(member).exists()


def test_notification_quotes_show_the_post_as_readers_see_it(user, staff_user):
    harper = UserFactory(email="hr@example.com", display_name="Harper Moderator")
    post = post_create(author=user, body="**Python** help, thanks @hr")
    [mention] = _notes(harper, "mention")
    assert mention.excerpt == "Python help, thanks @Harper Moderator"
    assert post.preview == mention.excerpt  # the post's own preview names the person the same way
    post_create(author=staff_user, body="Read the **new** _policy_", is_announcement=True, must_read=True)
    [must_read] = _notes(user, "must_read_announcement")
    assert must_read.excerpt == "Read the new policy"
