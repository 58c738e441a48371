"""The feed's pages and htmx partials, as a person in a browser sees them."""

import re
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feed.models import Comment, Post, Reaction, TagFollow
from feed.services import acknowledgement_create, post_create, post_delete, post_edit, reaction_set
from groups.models import Membership
from tests.factories import CommentFactory, PostFactory, UserFactory
from tests.feed.conftest import image_upload, make_group, without_csrf

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _post_form(**extra):
    return {"idempotency_key": str(uuid.uuid4()), "body": "", "group": "", **extra}


# The site root and the feeds -----------------------------------------------------------------
def test_site_root_shows_the_home_feed(logged_in_client, user):
    post_create(author=user, body="my own update")
    response = logged_in_client.get("/")
    assert response.status_code == 200
    assert "my own update" in response.text
    assert 'data-feed="home"' in response.text


def test_home_shows_my_groups_followed_tags_announcements_and_mine_only(client, user, member, staff_user):
    group = make_group("private", member, user)
    stranger = UserFactory()
    post_create(author=member, body="in our group", group=group)
    tagged = post_create(author=stranger, body="about #kubernetes")
    post_create(author=stranger, body="unrelated company post")
    post_create(author=staff_user, body="company announcement", is_announcement=True)
    TagFollow.objects.create(user=user, tag=tagged.tags.get())
    client.force_login(user)
    home = client.get("/feed/").text
    assert "in our group" in home
    assert "kubernetes" in home
    assert "company announcement" in home
    assert "unrelated company post" not in home
    company = client.get("/feed/company/").text
    assert "unrelated company post" in company
    assert "in our group" in company


def test_pinned_announcement_sits_on_top_then_leaves_the_top(client, user, staff_user):
    pinned = post_create(
        author=staff_user,
        body="PINNED NOTICE",
        is_announcement=True,
        pinned_until=timezone.now() + timedelta(days=1),
    )
    post_create(author=user, body="newer post")
    client.force_login(user)
    text = client.get("/feed/company/").text
    assert text.index("PINNED NOTICE") < text.index("newer post")
    assert text.count("PINNED NOTICE") == 1
    Post.objects.filter(pk=pinned.pk).update(pinned_until=timezone.now() - timedelta(minutes=1))
    text = client.get("/feed/company/").text
    assert text.index("newer post") < text.index("PINNED NOTICE")


def test_load_more_uses_a_cursor_and_never_repeats(client, user):
    posts = [post_create(author=user, body=f"post number {n:02d}") for n in range(12)]
    client.force_login(user)
    first = client.get("/feed/company/?page_size=5").text
    shown = re.findall(r"post number (\d\d)", first)
    assert shown == ["11", "10", "09", "08", "07"]
    more = re.search(r'hx-get="([^"]+cursor=[^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(more, **HTMX)
    assert second.status_code == 200
    assert "<html" not in second.text  # a partial
    assert re.findall(r"post number (\d\d)", second.text) == ["06", "05", "04", "03", "02"]
    assert len(posts) == 12
    assert client.get("/feed/company/?cursor=garbage", **HTMX).status_code == 400


def test_group_feed_through_the_gate(client, member, outsider, groups):
    for visibility, group in groups.items():
        post_create(author=member, body=f"inside {visibility}", group=group)
    client.force_login(outsider)
    assert "inside open" in client.get("/feed/groups/open-group/").text
    private = client.get("/feed/groups/private-group/")
    assert private.status_code == 403
    assert "inside private" not in private.text
    secret = client.get("/feed/groups/secret-group/")
    missing = client.get("/feed/groups/no-such-group/")
    assert secret.status_code == missing.status_code == 404
    assert without_csrf(secret.content) == without_csrf(missing.content)
    client.force_login(member)
    assert "inside secret" in client.get("/feed/groups/secret-group/").text


def test_tag_page_lists_visible_posts_and_can_be_followed(client, user, member, groups):
    post_create(author=member, body="PUBLICLAUNCH #Launch")
    post_create(author=member, body="SECRETLAUNCH #launch", group=groups["secret"])
    client.force_login(user)
    page = client.get("/feed/tags/launch/")
    assert page.status_code == 200
    assert "PUBLICLAUNCH" in page.text
    assert "SECRETLAUNCH" not in page.text
    assert client.get("/feed/tags/Launch/").status_code == 302  # one spelling
    assert client.get("/feed/tags/nothing-here/").status_code == 404
    response = client.post("/feed/tags/launch/follow/", {"follow": "1"}, **HTMX)
    assert "Following" in response.text
    assert TagFollow.objects.filter(user=user, tag__key="launch").exists()
    client.post("/feed/tags/launch/follow/", {"follow": "0"})
    assert not TagFollow.objects.filter(user=user).exists()


def test_person_feed_tabs(client, user, other_user):
    post_create(author=other_user, body="a plain post")
    post_create(author=other_user, kind=Post.Kind.ARTICLE, title="Deep dive", body="long text")
    post_create(
        author=user, kind=Post.Kind.PRAISE, body="thanks!", praised=[other_user], praise_badge="mentor"
    )
    client.force_login(user)
    posts = client.get(f"/feed/people/{other_user.pk}/").text
    assert "a plain post" in posts
    assert "Deep dive" in posts
    articles = client.get(f"/feed/people/{other_user.pk}/?tab=articles").text
    assert "Deep dive" in articles
    assert "a plain post" not in articles
    praise = client.get(f"/feed/people/{other_user.pk}/?tab=praise").text
    assert "thanks!" in praise
    assert "Mentor" in praise
    assert client.get("/feed/people/999999/").status_code == 404


def test_mention_link_forwards_to_the_person(client, user, other_user):
    client.force_login(user)
    response = client.get(f"/feed/u/{other_user.pk}/")
    assert response.status_code == 302
    assert response["Location"] in (f"/feed/people/{other_user.pk}/", f"/people/{other_user.pk}/")


# Composing -----------------------------------------------------------------------------------
def test_composer_creates_a_post_and_returns_to_the_feed(logged_in_client, user):
    response = logged_in_client.post(
        "/feed/new/post/", _post_form(body="Hello **team**", next="/feed/company/")
    )
    assert response.status_code == 302
    assert response["Location"] == "/feed/company/"
    assert Post.objects.get().body_html == "<p>Hello <strong>team</strong></p>\n"


def test_composer_ignores_an_outside_next_url(logged_in_client):
    response = logged_in_client.post("/feed/new/post/", _post_form(body="hi", next="https://evil.test/"))
    assert response["Location"] == "/feed/"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"body": "   "}, "Write something first."),
        ({"body": "y" * 10_001}, "the limit is 10,000"),
        ({"body": "five pictures", "images": [image_upload(f"{n}.png") for n in range(5)]}, "up to 4 images"),
        ({"body": "a bad picture", "images": [SimpleUploadedFile("x.png", b"not an image")]}, "x.png: "),
    ],
)
def test_composer_errors_keep_the_text(logged_in_client, extra, message):
    data = _post_form(**extra)
    response = logged_in_client.post("/feed/new/post/", data)
    assert response.status_code == 400
    assert message in response.text
    assert "Your post was not published" in response.text
    if extra["body"].strip():
        assert extra["body"] in response.text  # what was typed is still there
    assert not Post.objects.exists()


def test_composer_refuses_a_group_you_cannot_post_in(logged_in_client, member, groups):
    response = logged_in_client.post(
        "/feed/new/post/", _post_form(body="sneaky", group=str(groups["open"].pk))
    )
    assert response.status_code == 400
    assert "sneaky" in response.text
    assert not Post.objects.exists()


def test_composer_in_a_group_for_members(client, member, groups):
    client.force_login(member)
    page = client.get("/feed/groups/private-group/")
    assert f'<option value="{groups["private"].pk}" selected>' in page.text
    client.post("/feed/new/post/", _post_form(body="team news", group=str(groups["private"].pk)))
    assert Post.objects.get().group == groups["private"]


def test_double_submission_creates_one_post(logged_in_client):
    data = _post_form(body="only once")
    first = logged_in_client.post("/feed/new/post/", data)
    second = logged_in_client.post("/feed/new/post/", data)
    assert first.status_code == second.status_code == 302
    assert Post.objects.filter(body="only once").count() == 1


def test_article_and_praise_composers(client, user, other_user):
    other_user.email = "ana.silva@example.com"
    other_user.save()
    client.force_login(user)
    assert "Write an article" in client.get("/feed/new/article/").text
    response = client.post(
        "/feed/new/article/",
        _post_form(title="Our roadmap", body="## Q4\n\nPlans.", cover=image_upload("cover.png", (300, 200))),
    )
    article = Post.objects.get(kind=Post.Kind.ARTICLE)
    assert response["Location"] == f"/feed/posts/{article.pk}/"
    assert article.images.get().role == "cover"
    page = client.get(f"/feed/posts/{article.pk}/").text
    assert '<h1 class="article-title">Our roadmap</h1>' in page
    assert "<h2>Q4</h2>" in page
    bad = client.post(
        "/feed/new/praise/", _post_form(body="Thanks", praised="@nobody", praise_badge="mentor")
    )
    assert bad.status_code == 400
    assert "@nobody" in bad.text
    assert "Thanks" in bad.text
    client.post("/feed/new/praise/", _post_form(body="Thanks", praised="@ana.silva", praise_badge="mentor"))
    assert list(Post.objects.get(kind=Post.Kind.PRAISE).praised.all()) == [other_user]


def test_only_staff_see_and_use_announcement_options(client, user, staff_user):
    client.force_login(user)
    assert "is_announcement" not in client.get("/feed/").text
    client.post("/feed/new/post/", _post_form(body="fake announcement", is_announcement="on"))
    assert not Post.objects.filter(is_announcement=True).exists()
    client.force_login(staff_user)
    assert "is_announcement" in client.get("/feed/").text
    client.post("/feed/new/post/", _post_form(body="real", is_announcement="on", must_read="on"))
    assert Post.objects.get(is_announcement=True).must_read


def test_mention_autocomplete_suggests_active_people(logged_in_client):
    UserFactory(display_name="Ana Silva", email="ana.silva@example.com")
    UserFactory(display_name="Anatole Gone", email="anatole@example.com", is_active=False)
    response = logged_in_client.get("/feed/mentions/?q=ana", **HTMX)
    assert 'data-handle="ana.silva"' in response.text
    assert "Anatole" not in response.text


# One post ------------------------------------------------------------------------------------
def test_edit_shows_edited_and_the_history(client, user, other_user):
    post = post_create(author=user, body="first words")
    client.force_login(other_user)
    assert client.get(f"/feed/posts/{post.pk}/edit/").status_code == 403
    client.force_login(user)
    bad = client.post(f"/feed/posts/{post.pk}/edit/", {"body": "z" * 10_001})
    assert bad.status_code == 400
    assert "the limit is 10,000" in bad.text
    client.post(f"/feed/posts/{post.pk}/edit/", {"body": "second words"})
    client.force_login(other_user)
    page = client.get(f"/feed/posts/{post.pk}/").text
    assert "second words" in page
    assert "edited" in page
    history = client.get(f"/feed/posts/{post.pk}/history/").text
    assert history.index("second words") < history.index("first words")


def test_deleted_post_is_gone_from_every_page(client, user, other_user):
    post = post_create(author=user, body="regrettable #oops", images=[image_upload()])
    image = post.images.get()
    client.force_login(other_user)
    assert client.post(f"/feed/posts/{post.pk}/delete/").status_code == 403
    client.force_login(user)
    client.post(f"/feed/posts/{post.pk}/delete/")
    for viewer in (user, other_user):
        client.force_login(viewer)
        for url in ("/feed/", "/feed/company/", "/feed/tags/oops/", f"/feed/people/{user.pk}/"):
            assert "regrettable" not in client.get(url).text
        assert client.get(f"/feed/posts/{post.pk}/").status_code == 404
        assert client.get(f"/feed/images/{image.pk}/large/").status_code == 404


def test_images_are_served_only_to_people_who_may_see_the_post(client, member, outsider, groups):
    post = post_create(author=member, body="team photo", group=groups["private"], images=[image_upload()])
    image = post.images.get()
    url = f"/feed/images/{image.pk}/small/"
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"  # re-encoded: an opaque PNG becomes a JPEG
    assert response["Cache-Control"].startswith("private")
    client.force_login(outsider)
    denied = client.get(url)
    missing = client.get("/feed/images/999999/small/")
    assert denied.status_code == missing.status_code == 404
    assert without_csrf(denied.content) == without_csrf(missing.content)
    # Access revoked: the old URL now answers like a missing file.
    new_member = UserFactory()
    Membership.objects.create(group=groups["private"], user=new_member)
    client.force_login(new_member)
    assert client.get(url).status_code == 200
    Membership.objects.filter(user=new_member).delete()
    assert client.get(url).status_code == 404


def test_reactions_toggle_and_list_who_reacted(client, user, other_user):
    post = post_create(author=other_user, body="react to me")
    client.force_login(user)
    response = client.post(f"/feed/posts/{post.pk}/react/", {"kind": "celebrate"}, **HTMX)
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.text
    assert Reaction.objects.get(user=user).kind == "celebrate"
    client.post(f"/feed/posts/{post.pk}/react/", {"kind": "celebrate"}, **HTMX)
    assert not Reaction.objects.exists()
    client.post(f"/feed/posts/{post.pk}/react/", {"kind": "insightful"})
    assert client.post(f"/feed/posts/{post.pk}/react/", {"kind": "angry"}).status_code == 400
    who = client.get(f"/feed/posts/{post.pk}/reactions/", **HTMX).text
    assert "Insightful" in who
    assert user.display_name in who


def test_must_read_announcement_acknowledgement_and_report(client, user, other_user, staff_user):
    post = post_create(author=staff_user, body="new policy", is_announcement=True, must_read=True)
    client.force_login(user)
    assert "I have read this" in client.get("/feed/").text
    response = client.post(f"/feed/posts/{post.pk}/acknowledge/", **HTMX)
    assert "You confirmed" in response.text
    assert "I have read this</button>" not in client.get("/feed/").text
    assert client.get(f"/feed/posts/{post.pk}/acknowledgements/").status_code == 403
    client.force_login(staff_user)
    report = client.get(f"/feed/posts/{post.pk}/acknowledgements/")
    assert report.status_code == 200
    text = report.text
    confirmed, pending = text.split("Not yet", 1)
    assert user.display_name in confirmed
    assert other_user.display_name in pending
    assert "<strong>1</strong> of 2 people confirmed" in text


# Comments ------------------------------------------------------------------------------------
def test_comment_with_htmx_returns_the_comment_and_a_fresh_form(client, user, other_user):
    post = post_create(author=other_user, body="discuss")
    client.force_login(user)
    response = client.post(f"/feed/posts/{post.pk}/comments/", {"body": "first!"}, **HTMX)
    assert response.status_code == 200
    assert 'hx-swap-oob="beforeend:#comments-' in response.text
    assert "first!" in response.text
    comment = Comment.objects.get()
    reply = client.post(f"/feed/posts/{post.pk}/comments/", {"body": "a reply", "parent": comment.pk}, **HTMX)
    assert f"#replies-{comment.pk}" in reply.text
    error = client.post(f"/feed/posts/{post.pk}/comments/", {"body": "q" * 5_001}, **HTMX)
    assert "the limit is 5,000" in error.text
    assert "q" * 100 in error.text
    plain = client.post(f"/feed/posts/{post.pk}/comments/", {"body": "no js"})
    assert plain.status_code == 302
    assert "#comment-" in plain["Location"]
    page = client.get(f"/feed/posts/{post.pk}/").text
    assert "first!" in page
    assert "a reply" in page
    assert "no js" in page


def test_comment_edit_delete_and_history(client, user, other_user):
    post = post_create(author=other_user, body="discuss")
    comment = CommentFactory(post=post, author=user, body="typo")
    client.force_login(other_user)
    assert client.get(f"/feed/comments/{comment.pk}/edit/").status_code == 403
    client.force_login(user)
    client.post(f"/feed/comments/{comment.pk}/edit/", {"body": "fixed"})
    history = client.get(f"/feed/comments/{comment.pk}/history/").text
    assert "typo" in history
    assert "fixed" in history
    client.post(f"/feed/comments/{comment.pk}/delete/", **HTMX)
    assert "fixed" not in client.get(f"/feed/posts/{post.pk}/").text
    assert client.get(f"/feed/comments/{comment.pk}/", **HTMX).status_code == 404


def test_non_members_cannot_comment_in_a_group(client, member, outsider, groups):
    post = post_create(author=member, body="open group post", group=groups["open"])
    client.force_login(outsider)
    page = client.get(f"/feed/posts/{post.pk}/").text
    assert "Only members of the group can comment" in page
    assert client.post(f"/feed/posts/{post.pk}/comments/", {"body": "hi"}).status_code == 403


# Query counts --------------------------------------------------------------------------------
@pytest.fixture
def busy_home(member):
    """52 group posts, each with an image, a mention, a tag, comments, a reply and reactions,
    plus a pinned must-read announcement: everything a feed card can show."""
    viewer = UserFactory(email="vic@example.com")
    group = make_group("private", member, viewer, slug="busy")
    post_create(
        author=UserFactory(is_staff=True),
        body="pinned",
        is_announcement=True,
        must_read=True,
        pinned_until=timezone.now() + timedelta(days=3),
    )
    for n in range(52):
        post = PostFactory(author=member, group=group, body=f"hi @vic #t{n % 3}", images=[image_upload()])
        comment = CommentFactory(post=post, author=viewer, body="@vic agreed")
        CommentFactory(post=post, author=member, body="reply", parent=comment)
        CommentFactory(post=post, author=member, body="second comment")
        reaction_set(user=viewer, kind="like", post=post)
        reaction_set(user=member, kind="funny", post=post)
        reaction_set(user=viewer, kind="like", comment=comment)
    acknowledgement_create(post=Post.objects.get(must_read=True), user=viewer)
    return viewer


def test_home_feed_query_count_is_flat(client, busy_home):
    counts = {}
    client.force_login(busy_home)
    client.get("/feed/")  # warm the process-wide ContentType cache, as in a running server
    for page_size in (5, 20, 50):
        cache.clear()  # the worst case: no cached fragment
        client.force_login(busy_home)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/feed/?page_size={page_size}")
        assert response.status_code == 200
        assert response.text.count('class="card post-card') == page_size + 1  # + the pinned one
        counts[page_size] = len(ctx.captured_queries)
    # (15: the bell reads which types are unread, then counts those, one query when none is;
    # + recording what was seen, feed/seen.py; + whether anything is pinned, then the pinned)
    assert counts[5] == counts[20] == counts[50] <= 15, counts


def test_home_feed_with_warm_fragments_needs_fewer_queries(client, busy_home, django_assert_max_num_queries):
    client.force_login(busy_home)
    client.get("/feed/")
    # (11: the bell reads which types are unread, then counts those, one query when none is;
    # + recording what was seen, feed/seen.py)
    with django_assert_max_num_queries(11):
        assert client.get("/feed/").status_code == 200


def test_post_page_query_count_is_flat(client, busy_home, django_assert_max_num_queries):
    post = Post.objects.filter(group__slug="busy").first()
    for n in range(20):
        comment = CommentFactory(post=post, author=post.author, body=f"more @vic {n}")
        CommentFactory(post=post, author=busy_home, parent=comment)
    client.force_login(busy_home)
    with django_assert_max_num_queries(12):
        assert client.get(f"/feed/posts/{post.pk}/").status_code == 200


def test_edited_post_never_serves_a_stale_fragment(client, user):
    post = post_create(author=user, body="version one")
    client.force_login(user)
    assert "version one" in client.get("/feed/company/").text
    post_edit(post=post, editor=user, body="version two")
    text = client.get("/feed/company/").text
    assert "version two" in text
    assert "version one" not in text
    post_delete(post=post, actor=user)
    assert "version two" not in client.get("/feed/company/").text


def test_composer_over_the_rate_limit_keeps_the_text(logged_in_client, set_site_policy):
    set_site_policy(rate_limit_posts="1/h")
    logged_in_client.post("/feed/new/post/", _post_form(body="first"))
    response = logged_in_client.post("/feed/new/post/", _post_form(body="second, too soon"))
    assert response.status_code == 400
    assert "You are doing that too often" in response.text
    assert "second, too soon" in response.text
    assert Post.objects.count() == 1


def test_announcements_follow_the_site_policy(client, user, set_site_policy):
    client.force_login(user)
    client.post("/feed/new/post/", _post_form(body="not allowed", is_announcement="on"))
    assert not Post.objects.filter(is_announcement=True).exists()
    set_site_policy(announcement_posting="everyone")
    assert "is_announcement" in client.get("/feed/").text
    client.post("/feed/new/post/", _post_form(body="allowed now", is_announcement="on"))
    assert Post.objects.get(is_announcement=True).body == "allowed now"


# Follows and profiles ------------------------------------------------------------------------
def test_home_shows_people_i_follow(client, user, other_user):
    from profiles.services import follow_create

    post_create(author=other_user, body="from someone I follow")
    client.force_login(user)
    assert "from someone I follow" not in client.get("/feed/").text
    follow_create(follower=user, followed=other_user)
    assert "from someone I follow" in client.get("/feed/").text
    person_page = client.get(f"/feed/people/{other_user.pk}/").text
    assert f'action="/people/{other_user.pk}/unfollow/"' in person_page


def test_profile_page_shows_posts_articles_and_praise_through_the_gate(client, member, outsider, groups):
    post_create(author=member, body="PUBLICPOST")
    post_create(author=member, body="SECRETPOST", group=groups["secret"])
    post_create(author=member, kind=Post.Kind.ARTICLE, title="PUBLICARTICLE", body="x")
    post_create(
        author=outsider, kind=Post.Kind.PRAISE, body="PRAISED", praised=[member], praise_badge="mentor"
    )
    client.force_login(outsider)
    page = client.get(f"/people/{member.pk}/").text
    assert "PUBLICPOST" in page
    assert "SECRETPOST" not in page
    assert "Articles" in page
    assert "PUBLICARTICLE" in page
    assert "Praise received" in page
    assert "PRAISED" in page
    client.force_login(member)
    assert "SECRETPOST" in client.get(f"/people/{member.pk}/").text


def test_group_page_slot_loads_the_group_feed_fragment(client, member, groups):
    post_create(author=member, body="SLOTPOST", group=groups["private"])
    client.force_login(member)
    page = client.get("/groups/private-group/").text
    assert 'hx-get="/feed/groups/private-group/?embed=1"' in page
    fragment = client.get("/feed/groups/private-group/?embed=1", **HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "SLOTPOST" in fragment.text
    assert 'data-feed="group"' in fragment.text  # the live bar, subscribed by the group's slug
    assert f'<option value="{groups["private"].pk}" selected>' in fragment.text  # composer
    assert 'name="next" value="/groups/private-group/"' in fragment.text


# Cached post cards (feed/cards.py) ------------------------------------------------------------
def test_feed_cards_are_cached_per_viewer_shape_and_follow_every_change(client, user, member):
    post = post_create(author=member, body="first words")
    comment = Comment.objects.get(pk=CommentFactory(post=post, author=member, body="a comment").pk)
    reaction_set(user=user, post=post, kind="celebrate")

    client.force_login(user)
    mine = client.get("/feed/company/").text
    client.force_login(member)
    theirs = client.get("/feed/company/").text
    # The viewer's own reaction and rights are theirs only, though the card is cached.
    assert re.search(r'class="reaction is-mine[^"]*"[^>]*data-kind="celebrate"', mine)
    assert "is-mine" not in theirs
    assert f"/feed/posts/{post.pk}/edit/" in theirs
    assert f"/feed/posts/{post.pk}/edit/" not in mine
    assert f"/feed/comments/{comment.pk}/edit/" in theirs
    assert f"/feed/comments/{comment.pk}/edit/" not in mine
    # Times and CSRF tokens are filled per request; no slot is left in the page.
    assert "\x00" not in mine
    assert "\x00" not in theirs
    assert re.search(r'<time datetime="[^"]+" title="[^"]+">[^<]+</time>', mine)
    assert re.search(r'name="csrfmiddlewaretoken" value="[A-Za-z0-9]{64}"', theirs)

    # An edit, a comment and a reaction each show at once.
    post_edit(post=post, editor=member, body="second words")
    CommentFactory(post=Post.objects.get(pk=post.pk), author=user, body="another comment")
    reaction_set(user=member, post=Post.objects.get(pk=post.pk), kind="like")
    again = client.get("/feed/company/").text
    assert "second words" in again
    assert "first words" not in again
    assert "another comment" in again
    assert re.search(r'class="reaction is-mine[^"]*"[^>]*data-kind="like"', again)


def test_feed_card_time_follows_the_viewer_time_zone(client, user):
    post = post_create(author=user, body="when")
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - timedelta(days=3))
    client.force_login(user)
    user.time_zone = "Asia/Tokyo"
    user.save(update_fields=["time_zone"])
    tokyo = re.search(r'<time datetime="([^"]+)"', client.get("/feed/company/").text).group(1)
    user.time_zone = "America/New_York"
    user.save(update_fields=["time_zone"])
    new_york = re.search(r'<time datetime="([^"]+)"', client.get("/feed/company/").text).group(1)
    assert tokyo.endswith("+09:00")
    assert new_york.endswith(("-05:00", "-04:00"))


def test_feed_card_report_links_are_offered_to_everyone_but_the_author(client, user, member):
    post = post_create(author=member, body="reportable words")
    comment = CommentFactory(post=post, author=user, body="a reply")
    post_url = reverse("moderation:report", kwargs={"type_key": "feed.post", "pk": post.pk})
    comment_url = reverse("moderation:report", kwargs={"type_key": "feed.comment", "pk": comment.pk})

    client.force_login(user)  # renders and caches the card first
    mine = client.get("/feed/company/").text
    client.force_login(member)
    theirs = client.get("/feed/company/").text
    # The cached card carries each viewer's own "Report" links, never the first viewer's.
    assert post_url in mine
    assert comment_url not in mine
    assert post_url not in theirs
    assert comment_url in theirs
