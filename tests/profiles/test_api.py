import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image
from rest_framework.test import APIClient

from profiles.models import Follow, User
from profiles.services import avatar_set, follow_create, profile_update
from tests.factories import UserFactory, image_bytes, image_upload, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- People list and search -----------------------------------------------------------------
def test_people_list_searches_ranks_and_hides_former_employees(api):
    make_person(display_name="Zed Partial", skills=["Python packaging"])
    make_person(display_name="Amy Exact", skills=["Python"], department="Engineering", location="Berlin")
    make_person(display_name="Gone Python", skills=["Python"], is_active=False)
    body = api.get("/api/v1/people/", {"q": "python"}).json()
    assert [p["display_name"] for p in body["results"]] == ["Amy Exact", "Zed Partial"]
    amy = body["results"][0]
    assert amy["skills"] == ["Python"]
    assert amy["department"]["name"] == "Engineering"
    assert amy["location"] == "Berlin"
    assert amy["avatar"] is None
    assert amy["is_former_employee"] is False
    assert amy["profile_url"].endswith(f"/people/{amy['id']}/")
    assert "email" not in amy


def test_people_list_filters(api):
    a = make_person(display_name="A", department="Ops", location="Berlin", skills=["Go"])
    make_person(display_name="B", department="Ops", location="London", skills=["Go"])
    make_person(display_name="C", department="Sales", location="Berlin")
    body = api.get(
        "/api/v1/people/", {"department": a.department_id, "location": "Berlin", "skill": "go"}
    ).json()
    assert [p["display_name"] for p in body["results"]] == ["A"]


def test_people_list_cursor_walks_every_match_once_in_rank_order(api):
    for i in range(7):
        make_person(display_name=f"Kafka Fan {i}", ask_me_about=["Kafka"])
    for i in range(4):
        make_person(display_name=f"Other {i}", skills=["Kafka"])
    seen, url = [], "/api/v1/people/?q=kafka&page_size=3"
    while url:
        body = api.get(url).json()
        seen += [p["display_name"] for p in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 11
    assert seen[:4] == [f"Other {i}" for i in range(4)]  # exact skill ranks above topic


def test_people_list_query_count_is_flat_with_200_people(crowd, django_assert_max_num_queries):
    client = APIClient()
    client.force_authenticate(crowd["people"][0])
    with django_assert_max_num_queries(3):
        body = client.get("/api/v1/people/").json()
    assert len(body["results"]) == 25
    with django_assert_max_num_queries(3):
        client.get(body["next"])
    with django_assert_max_num_queries(3):
        client.get("/api/v1/people/", {"q": "skill 1", "location": "Berlin"})


def test_anonymous_and_inactive_callers_get_401(user):
    assert APIClient().get("/api/v1/people/").status_code == 401
    assert APIClient().get(f"/api/v1/people/{user.pk}/").status_code == 401
    assert APIClient().patch("/api/v1/me/", {"bio": "x"}, format="json").status_code == 401


# --- One person -----------------------------------------------------------------------------
def test_person_detail_with_contact_skills_and_manager(api, user):
    boss = make_person(display_name="Boss Person", department="Leadership")
    person = make_person(display_name="Pat", manager=boss, skills=["Go"], ask_me_about=["Hiring"])
    profile_update(user=person, phone="+1 555 0100", time_zone="Europe/Berlin", bio="**Hi**")
    follow_create(follower=user, followed=person)
    body = api.get(f"/api/v1/people/{person.pk}/").json()
    assert body["contact"] == {"email": person.email, "phone": "+1 555 0100", "time_zone": "Europe/Berlin"}
    assert body["manager"]["display_name"] == "Boss Person"
    assert body["manager"]["department"]["name"] == "Leadership"
    assert body["skills"] == [{"name": "Go", "slug": "go", "endorsements": 0, "endorsed_by_me": False}]
    assert body["ask_me_about"] == ["Hiring"]
    assert "<strong>Hi</strong>" in body["bio_html"]
    assert (body["followers_count"], body["is_followed_by_me"]) == (1, True)


def test_person_detail_of_a_former_employee_has_no_contact(api):
    former = make_person(is_active=False)
    body = api.get(f"/api/v1/people/{former.pk}/").json()
    assert body["is_former_employee"] is True
    assert body["contact"] is None
    assert api.get("/api/v1/people/999999/").status_code == 404


def test_person_detail_query_count(api, crowd, django_assert_max_num_queries):
    # 6, +1: whether moderation holds or hides the profile text (constant, not per row).
    with django_assert_max_num_queries(7):
        assert api.get(f"/api/v1/people/{crowd['people'][199].pk}/").status_code == 200


# --- /me --------------------------------------------------------------------------------------
def test_me_reads_own_profile_including_read_only_org_fields(api, user):
    body = api.get("/api/v1/me/").json()
    assert body["email"] == user.email
    assert body["is_staff"] is False
    assert body["title"] == "Engineer"
    assert body["skills"] == []


def test_me_patch_updates_editable_fields(api, user):
    response = api.patch(
        "/api/v1/me/",
        {
            "bio": "I *like* Go",
            "pronouns": "she/her",
            "phone": "ext 42",
            "time_zone": "Asia/Tokyo",
            "skills": ["go", "Go ", "Rust"],
            "ask_me_about": ["Hiring"],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["skills"] == ["go", "Rust"]
    assert body["ask_me_about"] == ["Hiring"]
    assert "<em>like</em>" in body["bio_html"]
    user.refresh_from_db()
    assert (user.pronouns, user.phone, user.time_zone) == ("she/her", "ext 42", "Asia/Tokyo")


@pytest.mark.parametrize(
    "payload",
    [
        {"title": "CEO"},
        {"is_staff": True},
        {"is_superuser": True},
        {"department": 1},
        {"manager": 1},
        {"location": "Moon"},
        {"start_date": "2000-01-01"},
        {"email": "boss@example.com"},
        {"display_name": "Somebody Else"},
        {"bio": "ok", "is_staff": True},
    ],
)
def test_me_patch_refuses_org_fields_and_flags(api, user, payload):
    response = api.patch("/api/v1/me/", payload, format="json")
    assert response.status_code == 400
    refused = next(iter(set(payload) - {"bio"}))
    assert response.json()[refused] == ["This field cannot be changed here."]
    user.refresh_from_db()
    assert (user.title, user.is_staff, user.is_superuser, user.location, user.bio) == (
        "Engineer",
        False,
        False,
        "",
        "",
    )


def test_me_patch_reports_field_errors(api, user):
    response = api.patch(
        "/api/v1/me/", {"phone": "call me", "time_zone": "Mars/Base", "skills": ["x" * 70]}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) >= {"skills"} or set(errors) >= {"phone", "time_zone"}
    response = api.patch("/api/v1/me/", {"phone": "call me", "time_zone": "Mars/Base"}, format="json")
    assert set(response.json()) == {"phone", "time_zone"}
    user.refresh_from_db()
    assert user.phone == ""


def test_nobody_changes_another_persons_profile_through_the_api(api, other_user):
    for method in ("patch", "put", "post", "delete"):
        response = getattr(api, method)(f"/api/v1/people/{other_user.pk}/", {"bio": "hacked"}, format="json")
        assert response.status_code == 405, method
    other_user.refresh_from_db()
    assert other_user.bio == ""


# --- Avatar through the API -------------------------------------------------------------------
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


@pytest.mark.parametrize(
    ("upload", "code_word"),
    [
        (lambda: image_upload(SVG, name="a.svg", content_type="image/svg+xml"), "not a JPEG"),
        (lambda: image_upload(SVG, name="a.png"), "not a JPEG"),
        (lambda: image_upload(b"GIF89a but not really", name="a.gif"), "not a JPEG"),
        (lambda: image_upload(image_bytes("PNG", size=(600, 600), compress_level=0)), "limit is"),
        (lambda: image_upload(image_bytes("PNG", size=(20000, 20000), mode="1")), "megapixels"),
    ],
    ids=["svg", "svg-named-png", "fake-gif", "oversized", "decompression-bomb"],
)
def test_avatar_upload_refusals(api, user, set_site_policy, upload, code_word):
    set_site_policy(upload_max_bytes=200_000, upload_max_megapixels=4)
    response = api.put("/api/v1/me/avatar/", {"avatar": upload()}, format="multipart")
    assert response.status_code == 400
    assert code_word in response.json()["avatar"][0]
    user.refresh_from_db()
    assert user.avatar_small == ""


def test_avatar_upload_strips_exif_and_returns_urls(api, user):
    exif = Image.Exif()
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}
    exif[0x010F] = "SpyCam"
    data = image_bytes("JPEG", size=(640, 480), exif=exif.tobytes())
    response = api.put(
        "/api/v1/me/avatar/", {"avatar": image_upload(data, "me.jpg", "image/jpeg")}, format="multipart"
    )
    assert response.status_code == 200
    urls = response.json()["avatar"]
    assert f"/people/{user.pk}/avatar/small/?v=" in urls["small"]
    user.refresh_from_db()
    stored = default_storage.open(user.avatar_large).read()
    assert b"SpyCam" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert api.delete("/api/v1/me/avatar/").status_code == 204
    user.refresh_from_db()
    assert user.avatar_small == ""


def test_avatar_upload_without_a_file_is_400(api):
    response = api.put("/api/v1/me/avatar/", {}, format="multipart")
    assert response.status_code == 400
    assert "avatar" in response.json()


def test_avatar_upload_is_rate_limited(api, user):
    from profiles import ratelimits

    original = ratelimits.LIMITS["avatar"]
    ratelimits.LIMITS["avatar"] = (1, 3600)
    try:
        first = api.put("/api/v1/me/avatar/", {"avatar": image_upload()}, format="multipart")
        second = api.put("/api/v1/me/avatar/", {"avatar": image_upload()}, format="multipart")
    finally:
        ratelimits.LIMITS["avatar"] = original
    assert (first.status_code, second.status_code) == (200, 429)


# --- Follows ----------------------------------------------------------------------------------
def test_follow_and_unfollow(api, user, other_user):
    url = f"/api/v1/people/{other_user.pk}/follow/"
    assert api.post(url).status_code == 201
    assert api.post(url).status_code == 200
    assert Follow.objects.filter(follower=user, followed=other_user).count() == 1
    assert api.delete(url).status_code == 204
    assert api.delete(url).status_code == 204
    assert not Follow.objects.exists()


def test_follow_refuses_self_former_and_missing_people_alike(api, user):
    former = UserFactory(is_active=False)
    answers = {
        api.post(f"/api/v1/people/{pk}/follow/").json()["detail"] for pk in (user.pk, former.pk, 999_999)
    }
    assert len(answers) == 1
    assert not Follow.objects.exists()


def test_followers_and_following_lists(api, user, other_user, crowd, django_assert_max_num_queries):
    follow_create(follower=other_user, followed=user)
    body = api.get(f"/api/v1/people/{user.pk}/followers/").json()
    assert [p["id"] for p in body["results"]] == [other_user.pk]
    body = api.get(f"/api/v1/people/{other_user.pk}/following/").json()
    assert [p["id"] for p in body["results"]] == [user.pk]
    busy = crowd["people"][0]
    for follower in crowd["people"][100:160]:
        follow_create(follower=follower, followed=busy)
    seen, url = [], f"/api/v1/people/{busy.pk}/followers/?page_size=20"
    while url:
        with django_assert_max_num_queries(3):
            body = api.get(url).json()
        seen += [p["id"] for p in body["results"]]
        url = body["next"]
    assert (
        len(seen)
        == len(set(seen))
        == User.objects.filter(following_links__followed=busy, is_active=True).count()
    )


def test_skill_suggestions(api):
    make_person(skills=["Django", "Docker"])
    body = api.get("/api/v1/skills/", {"q": "doc"}).json()
    assert body == [{"name": "Docker", "slug": "docker"}]


def test_api_root_lists_people_endpoints(api):
    body = api.get("/api/v1/", HTTP_ACCEPT="application/json").json()
    assert body["people"].endswith("/api/v1/people/")
    assert body["me"].endswith("/api/v1/me/")


def test_avatar_stored_for_others_is_reachable_through_api_urls(api, other_user):
    avatar_set(user=other_user, upload=image_upload())
    body = api.get(f"/api/v1/people/{other_user.pk}/").json()
    assert body["avatar"]["large"].startswith("http://testserver/people/")
