import io
import re

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from PIL import Image

from groups.models import Group, Membership
from profiles.models import Endorsement, Follow, Skill, User
from profiles.services import avatar_set, follow_create, profile_update
from tests.factories import UserFactory, image_bytes, image_upload, make_person

pytestmark = pytest.mark.django_db


def _no_inline_code(html: str) -> None:
    """The strict CSP holds: no inline scripts, style attributes or event handlers."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)
    assert "hx-on" not in html


# --- Directory ------------------------------------------------------------------------------
def test_directory_lists_active_people_with_search_box_and_filters(logged_in_client):
    make_person(display_name="Ana Silva", department="Engineering", location="Berlin", skills=["Go"])
    make_person(display_name="Gone Person", is_active=False)
    response = logged_in_client.get("/people/")
    assert response.status_code == 200
    html = response.text
    assert "Ana Silva" in html
    assert "Gone Person" not in html
    assert 'name="q"' in html
    assert '<option value="Berlin"' in html
    assert ">Engineering</option>" in html
    assert 'href="/people/?skill=go"' in html
    _no_inline_code(html)


def test_directory_search_ranks_and_htmx_gets_only_the_results(logged_in_client):
    make_person(display_name="Zed Partial", skills=["Python packaging"])
    make_person(display_name="Amy Exact", skills=["Python"])
    response = logged_in_client.get(
        "/people/?q=python", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="directory-results"
    )
    html = response.text
    assert html.lstrip().startswith('<section id="directory-results"')
    assert "<html" not in html
    assert html.index("Amy Exact") < html.index("Zed Partial")
    assert "2 people" in html


def test_directory_live_results_push_a_clean_address(logged_in_client):
    response = logged_in_client.get(
        "/people/?q=ana&department=&location=&skill=",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="directory-results",
    )
    assert response["HX-Push-Url"] == "/people/?q=ana"


def test_directory_paginates_and_keeps_the_query(logged_in_client):
    for i in range(30):
        make_person(display_name=f"Tester {i:02d}", title="QA")
    first = logged_in_client.get("/people/?q=tester").text
    assert "Page 1 of 2" in first
    assert 'href="?q=tester&amp;page=2"' in first
    second = logged_in_client.get("/people/?q=tester&page=2").text
    assert "Tester 29" in second
    assert "Tester 00" not in second


def test_directory_ignores_malformed_filters(logged_in_client):
    response = logged_in_client.get("/people/?department=abc&page=zzz&skill=x")
    assert response.status_code == 200
    # A NUL byte is refused for the whole site before any view (PostgreSQL cannot store it).
    assert logged_in_client.get("/people/?skill=%00").status_code == 400


def test_directory_query_count_is_flat_with_200_people(client, crowd, django_assert_max_num_queries):
    viewer = crowd["people"][10]
    client.force_login(viewer)
    # session + user, count, page rows, skills prefetch, 3 filter option lists
    # (+2 for the base layout on every page: the nav's moderator check and the notification bell)
    with django_assert_max_num_queries(10):
        response = client.get("/people/")
    assert response.text.count('class="person-card"') == 24
    with django_assert_max_num_queries(10):
        response = client.get("/people/?q=skill+1&location=Berlin&page=2")
    assert response.status_code == 200
    with django_assert_max_num_queries(6):
        client.get("/people/?q=crowd", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="directory-results")


# --- Profile --------------------------------------------------------------------------------
def test_profile_shows_fields_skills_chain_and_reports(logged_in_client, user):
    ceo = make_person(display_name="Big Boss", title="CEO")
    manager = make_person(display_name="Middle Manager", manager=ceo)
    person = make_person(
        display_name="Pat Person",
        title="Engineer",
        manager=manager,
        department="Engineering",
        location="Berlin",
        skills=["Python", "Go"],
        ask_me_about=["On-call"],
    )
    profile_update(
        user=person,
        bio="Hello **world**",
        pronouns="they/them",
        phone="+49 30 1234",
        time_zone="Europe/Berlin",
    )
    make_person(display_name="Report One", manager=person)
    make_person(display_name="Report Gone", manager=person, is_active=False)
    html = logged_in_client.get(f"/people/{person.pk}/").text
    for text in (
        "Pat Person",
        "they/them",
        "Engineer",
        "Berlin",
        "<strong>world</strong>",
        "+49 30 1234",
        person.email,
        "Europe/Berlin",
        "On-call",
        "Report One",
    ):
        assert text in html, text
    assert "Report Gone" not in html
    assert html.index("Big Boss") < html.index("Middle Manager")
    assert 'href="/people/?skill=python"' in html  # each skill links to the filtered directory
    assert "Follow" in html
    _no_inline_code(html)


def test_profile_of_a_former_employee_is_labelled_without_contact_or_follow(logged_in_client):
    former = make_person(display_name="Old Timer", is_active=False, email="old@example.com")
    profile_update(user=former, phone="+1 555 0100")
    response = logged_in_client.get(f"/people/{former.pk}/")
    assert response.status_code == 200
    html = response.text
    assert "Former employee" in html
    assert "old@example.com" not in html
    assert "+1 555 0100" not in html
    assert f"/people/{former.pk}/follow/" not in html


def test_profile_of_a_missing_person_is_404(logged_in_client):
    assert logged_in_client.get("/people/999999/").status_code == 404


def test_profile_shows_only_groups_whose_members_the_viewer_may_see(logged_in_client, user):
    person = make_person(display_name="Joiner")
    groups = {}
    for name, visibility in [
        ("Open Club", "open"),
        ("Private Club", "private"),
        ("Secret Club", "secret"),
        ("Shared Secret", "secret"),
    ]:
        groups[name] = Group.objects.create(
            name=name, slug=name.lower().replace(" ", "-"), visibility=visibility
        )
        Membership.objects.create(group=groups[name], user=person)
    Membership.objects.create(group=groups["Shared Secret"], user=user)
    html = logged_in_client.get(f"/people/{person.pk}/").text
    assert "Open Club" in html
    assert "Shared Secret" in html
    assert "Private Club" not in html
    assert "Secret Club" not in html


def test_profile_groups_link_to_the_group_page_and_the_full_list(logged_in_client):
    person = make_person(display_name="Joiner")
    groups = [Group.objects.create(name=f"Club {n:02}", slug=f"club-{n:02}") for n in range(22)]
    Membership.objects.bulk_create([Membership(group=group, user=person) for group in groups])
    html = logged_in_client.get(f"/people/{person.pk}/").text
    assert '<a href="/groups/club-00/">Club 00</a>' in html
    assert "/groups/club-19/" in html
    assert "/groups/club-20/" not in html  # the first 20, then a link to all of them
    assert f'href="/groups/people/{person.pk}/">See all groups</a>' in html
    assert "1 member" in html


def test_profile_of_someone_in_no_visible_group_says_so(logged_in_client):
    person = make_person(display_name="Loner Person")
    secret = Group.objects.create(name="Hush Club", slug="hush", visibility="secret")
    Membership.objects.create(group=secret, user=person)
    html = logged_in_client.get(f"/people/{person.pk}/").text
    assert "Loner is in no groups you can see." in html
    assert "Hush" not in html
    assert "See all groups" not in html


def test_profile_has_a_recent_posts_slot(logged_in_client, other_user):
    html = logged_in_client.get(f"/people/{other_user.pk}/").text
    assert 'id="profile-recent-posts"' in html


def test_profile_message_button_opens_the_direct_chat(logged_in_client, user, other_user):
    html = logged_in_client.get(f"/people/{other_user.pk}/").text
    assert f'href="/chat/with/{other_user.pk}/"' in html
    # Not on one's own profile.
    assert "/chat/with/" not in logged_in_client.get(f"/people/{user.pk}/").text


def test_profile_query_count_is_flat_with_200_people(client, crowd, django_assert_max_num_queries):
    viewer, boss = crowd["people"][5], crowd["people"][0]  # boss has 4 reports and followers
    for n in range(25):  # more groups than the page lists: the group list stays one query
        group = Group.objects.create(name=f"Open {n}", slug=f"open-{n}")
        Membership.objects.create(group=group, user=boss)
    client.force_login(viewer)
    with django_assert_max_num_queries(15):  # 14, +1: moderation state of the profile text
        response = client.get(f"/people/{boss.pk}/")
    assert response.status_code == 200
    deep = crowd["people"][199]  # five managers up
    with django_assert_max_num_queries(15):  # 14, +1: moderation state of the profile text
        client.get(f"/people/{deep.pk}/")


# --- Edit own profile -----------------------------------------------------------------------
def test_edit_page_shows_current_values_and_org_fields_read_only(logged_in_client, user):
    profile_update(user=user, pronouns="she/her", skills=["Go", "Python"])
    html = logged_in_client.get("/people/me/edit/").text
    assert 'value="she/her"' in html
    assert 'value="Go, Python"' in html
    assert "Set by HR" in html
    assert 'name="title"' not in html
    assert 'name="department"' not in html
    _no_inline_code(html)


def test_edit_keeps_a_valid_time_zone_that_is_not_in_the_usual_list(logged_in_client, user):
    profile_update(user=user, time_zone="Etc/GMT+1")
    html = logged_in_client.get("/people/me/edit/").text
    assert '<option value="Etc/GMT+1" selected>' in html
    logged_in_client.post("/people/me/edit/", {"time_zone": "Etc/GMT+1"})
    user.refresh_from_db()
    assert user.time_zone == "Etc/GMT+1"


def test_edit_saves_own_fields_and_ignores_org_fields(logged_in_client, user):
    boss = UserFactory()
    response = logged_in_client.post(
        "/people/me/edit/",
        {
            "pronouns": "they/them",
            "phone": "+44 20 7946 0000 ext 12",
            "time_zone": "Europe/London",
            "bio": "I **build** things",
            "skills": "python, Python , Go",
            "ask_me_about": "On-call",
            # org fields and flags smuggled into the form are ignored
            "title": "CEO",
            "display_name": "Somebody Else",
            "manager": boss.pk,
            "location": "Moon",
            "is_staff": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{user.pk}/"
    user.refresh_from_db()
    assert (user.pronouns, user.phone, user.time_zone) == (
        "they/them",
        "+44 20 7946 0000 ext 12",
        "Europe/London",
    )
    assert "<strong>build</strong>" in user.bio_html
    assert sorted(user.skills.values_list("name", flat=True)) == ["Go", "python"]
    assert (user.title, user.display_name, user.manager_id, user.location, user.is_staff) == (
        "Engineer",
        "Person " + user.display_name.split()[-1],
        None,
        "",
        False,
    )


def test_edit_errors_keep_everything_typed(logged_in_client, user):
    response = logged_in_client.post(
        "/people/me/edit/",
        {"pronouns": "she/her", "phone": "call me", "bio": "My unsaved bio", "skills": "Go, " + "x" * 70},
    )
    assert response.status_code == 200
    html = response.text
    assert "Your profile was not saved" in html
    assert "Use digits, spaces" in html
    assert "too long" in html
    assert "My unsaved bio" in html
    assert 'value="she/her"' in html
    user.refresh_from_db()
    assert user.pronouns == ""


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>'


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            lambda: image_upload(SVG, name="face.svg", content_type="image/svg+xml"),
            "not a JPEG, PNG, WebP or GIF",
        ),
        (lambda: image_upload(SVG, name="face.png"), "not a JPEG, PNG, WebP or GIF"),
        (lambda: image_upload(b"%PDF-1.7 fake", name="face.png"), "not a JPEG, PNG, WebP or GIF"),
        (lambda: image_upload(image_bytes("BMP"), name="face.png"), "not a JPEG, PNG, WebP or GIF"),
        (lambda: image_upload(image_bytes("PNG", size=(600, 600), compress_level=0)), "the limit is"),
        (lambda: image_upload(image_bytes("PNG", size=(20000, 20000), mode="1")), "megapixels"),
    ],
    ids=["svg", "svg-named-png", "pdf-named-png", "bmp", "oversized", "decompression-bomb"],
)
def test_edit_refuses_bad_avatars_with_a_clear_error_and_keeps_the_form(
    logged_in_client, user, set_site_policy, upload, message
):
    set_site_policy(upload_max_bytes=200_000, upload_max_megapixels=4)
    response = logged_in_client.post(
        "/people/me/edit/", {"bio": "Keep this text", "pronouns": "he/him", "avatar": upload()}
    )
    assert response.status_code == 200
    assert message in response.text
    assert "Keep this text" in response.text
    user.refresh_from_db()
    assert (user.avatar_small, user.bio, user.pronouns) == ("", "", "")
    assert not default_storage.exists(f"avatars/{user.pk}")


def test_edit_stores_avatar_without_exif_and_serves_it_to_colleagues_only(logged_in_client, user, other_user):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}
    data = image_bytes("JPEG", size=(900, 700), exif=exif.tobytes())
    response = logged_in_client.post(
        "/people/me/edit/", {"avatar": image_upload(data, name="me.jpg", content_type="image/jpeg")}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    served = logged_in_client.get(f"/people/{user.pk}/avatar/small/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    body = b"".join(served.streaming_content)
    assert b"SpyCam" not in body
    assert Image.open(io.BytesIO(body)).size[0] == 96
    assert f"/people/{user.pk}/avatar/" in logged_in_client.get(f"/people/{user.pk}/").text
    # anonymous visitors go to the login page; unknown sizes and missing avatars are 404
    assert Client().get(f"/people/{user.pk}/avatar/small/").status_code == 302
    assert logged_in_client.get(f"/people/{user.pk}/avatar/huge/").status_code == 404
    assert logged_in_client.get(f"/people/{other_user.pk}/avatar/small/").status_code == 404


def test_edit_can_remove_the_avatar(logged_in_client, user):
    avatar_set(user=user, upload=image_upload())
    logged_in_client.post("/people/me/edit/", {"remove_avatar": "on"})
    user.refresh_from_db()
    assert user.avatar_small == ""


def test_nobody_can_edit_another_persons_profile(logged_in_client, other_user):
    for url in (f"/people/{other_user.pk}/edit/", f"/people/{other_user.pk}/"):
        response = logged_in_client.post(url, {"bio": "hacked", "title": "CEO"})
        assert response.status_code in (404, 405), url
    other_user.refresh_from_db()
    assert (other_user.bio, other_user.title) == ("", "Engineer")


# --- Follows, endorsements, skills, org chart -----------------------------------------------
def test_follow_and_unfollow_through_htmx_and_plain_posts(logged_in_client, user, other_user):
    response = logged_in_client.post(f"/people/{other_user.pk}/follow/", HTTP_HX_REQUEST="true")
    assert 'id="follow-box"' in response.text
    assert "Following" in response.text
    assert 'id="follow-counts" class="profile-follow-counts small" hx-swap-oob="true"' in response.text
    assert "<strong>1</strong> follower" in response.text
    assert Follow.objects.filter(follower=user, followed=other_user).exists()
    response = logged_in_client.post(f"/people/{other_user.pk}/unfollow/")
    assert response.status_code == 302
    assert not Follow.objects.exists()
    assert logged_in_client.get(f"/people/{other_user.pk}/follow/").status_code == 405


def test_follow_refuses_self_and_former_employees_like_missing_people(logged_in_client, user):
    former = UserFactory(is_active=False)
    assert logged_in_client.post(f"/people/{user.pk}/follow/").status_code == 404
    assert logged_in_client.post(f"/people/{former.pk}/follow/").status_code == 404
    assert not Follow.objects.exists()


def test_follow_is_rate_limited(logged_in_client, user, settings):
    from profiles import ratelimits

    people = UserFactory.create_batch(3)
    original = ratelimits.LIMITS["follow"]
    ratelimits.LIMITS["follow"] = (2, 3600)
    try:
        codes = [logged_in_client.post(f"/people/{p.pk}/follow/").status_code for p in people]
    finally:
        ratelimits.LIMITS["follow"] = original
    assert codes == [302, 302, 429]
    assert Follow.objects.count() == 2


def test_follower_and_following_lists(logged_in_client, user, other_user):
    former = UserFactory(display_name="Former Fan")
    follow_create(follower=other_user, followed=user)
    follow_create(follower=former, followed=user)
    former.is_active = False
    former.save()
    follow_create(follower=user, followed=other_user)
    followers = logged_in_client.get(f"/people/{user.pk}/followers/").text
    assert other_user.display_name in followers
    assert "Former Fan" not in followers
    following = logged_in_client.get(f"/people/{user.pk}/following/").text
    assert other_user.display_name in following


def test_follower_list_query_count_is_flat(client, crowd, django_assert_max_num_queries):
    client.force_login(crowd["people"][0])
    with django_assert_max_num_queries(8):
        assert client.get(f"/people/{crowd['people'][3].pk}/followers/").status_code == 200


def test_endorse_toggles_with_htmx(logged_in_client, user, other_user):
    profile_update(user=other_user, skills=["Kafka"])
    url = f"/people/{other_user.pk}/skills/kafka/endorse/"
    response = logged_in_client.post(url, HTTP_HX_REQUEST="true")
    assert 'aria-pressed="true"' in response.text
    assert Endorsement.objects.filter(endorser=user, person=other_user).count() == 1
    response = logged_in_client.post(url, {"undo": "1"}, HTTP_HX_REQUEST="true")
    assert 'aria-pressed="false"' in response.text
    assert not Endorsement.objects.exists()
    assert logged_in_client.post(f"/people/{other_user.pk}/skills/unknown/endorse/").status_code == 404
    assert logged_in_client.post(f"/people/{user.pk}/skills/kafka/endorse/").status_code == 404


def test_skill_page_lists_who_knows_most_endorsed_first(logged_in_client, user):
    few = make_person(display_name="Aaron Few", skills=["Kafka"])
    many = make_person(display_name="Zoe Many", skills=["Kafka"])
    make_person(display_name="Topic Person", ask_me_about=["kafka"])
    kafka = Skill.objects.get(name="Kafka")
    for endorser in UserFactory.create_batch(2):
        Endorsement.objects.create(endorser=endorser, person=many, skill=kafka)
    Endorsement.objects.create(endorser=user, person=few, skill=kafka)
    html = logged_in_client.get("/people/skills/kafka/").text
    assert "Who knows about Kafka" in html
    assert html.index("Zoe Many") < html.index("Aaron Few")
    assert "Topic Person" in html
    assert logged_in_client.get("/people/skills/nope/").status_code == 404


def test_skill_page_query_count_is_flat(client, crowd, django_assert_max_num_queries):
    client.force_login(crowd["people"][0])
    with django_assert_max_num_queries(8):
        assert client.get(f"/people/skills/{crowd['skills'][1].slug}/").status_code == 200


def test_skill_autocomplete_suggests_existing_skills_for_the_last_entry(logged_in_client):
    make_person(skills=["Django", "Docker", "Go"])
    html = logged_in_client.get("/people/skills/autocomplete/?for=skills&skills=Django, do").text
    assert 'data-value="Docker"' in html
    assert 'data-value="Django"' not in html  # already listed
    html = logged_in_client.get("/people/skills/autocomplete/?for=ask_me_about&ask_me_about=zzz").text
    assert "will be a new entry" in html


def test_org_chart_shows_chain_person_and_reports(logged_in_client):
    ceo = make_person(display_name="Top Person", title="CEO")
    vp = make_person(display_name="Vice Person", manager=ceo)
    lead = make_person(display_name="Lead Person", manager=vp)
    make_person(display_name="Dev One", manager=lead)
    make_person(display_name="Dev Two", manager=lead)
    make_person(display_name="Dev Left", manager=lead, is_active=False)
    html = logged_in_client.get(f"/people/{lead.pk}/org/").text.split('id="main"')[1]
    assert (
        html.index("Top Person")
        < html.index("Vice Person")
        < html.index("Lead Person")
        < html.index("Dev One")
    )
    assert "Dev Two" in html
    assert "Dev Left" not in html
    assert "2 direct reports" in html
    top = logged_in_client.get("/people/org/").text
    assert "Top Person" in top
    assert "1 report" in top  # the VP's own count


def test_org_chart_query_count_is_flat(client, crowd, django_assert_max_num_queries):
    client.force_login(crowd["people"][0])
    with django_assert_max_num_queries(9):
        assert client.get(f"/people/{crowd['people'][199].pk}/org/").status_code == 200


def test_me_redirects_to_own_profile(logged_in_client, user):
    assert logged_in_client.get("/people/me/")["Location"] == f"/people/{user.pk}/"


# --- The "former employee" label other apps use ---------------------------------------------
def test_people_template_tags_label_former_employees_without_queries(django_assert_num_queries, user):
    from django.template import Context, Template

    former = UserFactory(display_name="Ex Colleague", is_active=False)
    template = Template(
        "{% load people %}{% person_link a %}|{% person_link b %}|{% former_employee_badge b %}|"
        "{{ b|is_former_employee }}|{% avatar b 'sm' %}|"
        '{% include "profiles/includes/former_employee_label.html" with person=b %}'
    )
    with django_assert_num_queries(0):
        html = template.render(Context({"a": user, "b": former}))
    first, second, badge, flag, avatar, include = html.split("|")
    assert "Former employee" not in first
    assert f'href="/people/{former.pk}/"' in second
    assert "Former employee" in second
    assert "Former employee" in badge
    assert flag == "True"
    assert ">EC<" in avatar
    assert "Former employee" in include


def test_unknown_user_model_is_the_custom_one():
    assert User._meta.label == "profiles.User"


# --- The top bar (templates/base.html) ------------------------------------------------------
def test_top_bar_shows_the_signed_in_persons_photo_without_an_extra_query(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ana = UserFactory(display_name="Ana Silva")
    client.force_login(ana)
    client.get("/guidelines/")  # warm up (session, site policy)
    with CaptureQueriesContext(connection) as without_photo:
        html = client.get("/guidelines/").text
    assert re.search(r'<summary>\s*<span class="avatar avatar-sm" aria-hidden="true">AS</span>', html)
    avatar_set(user=ana, upload=image_upload())
    with CaptureQueriesContext(connection) as with_photo:
        html = client.get("/guidelines/").text
    photo = rf'<summary>\s*<img class="avatar avatar-sm" src="/people/{ana.pk}/avatar/small/\?v=\w+"'
    assert re.search(photo, html)
    assert len(with_photo.captured_queries) == len(without_photo.captured_queries)
