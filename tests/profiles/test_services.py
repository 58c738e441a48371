import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from PIL import Image

from profiles.models import Endorsement, Follow, Skill, normalise_skill_name
from profiles.services import (
    avatar_remove,
    avatar_set,
    endorsement_create,
    follow_create,
    follow_delete,
    profile_update,
    skill_get_or_create,
    skills_get_or_create,
    user_manager_set,
)
from profiles.signals import person_followed
from tests.factories import UserFactory, image_bytes, image_upload, make_person

pytestmark = pytest.mark.django_db


# --- Skill normalisation --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Python", "Python"),
        ("  python ", "python"),
        ("Machine    learning", "Machine learning"),
        ("\tPublic\nSpeaking ", "Public Speaking"),
        ("#django", "django"),
        ("C#", "C#"),
        ("C++", "C++"),
    ],
)
def test_normalise_skill_name_trims_and_folds_spaces(raw, expected):
    assert normalise_skill_name(raw) == expected


def test_skill_get_or_create_treats_spellings_as_one_skill():
    first = skill_get_or_create(name="Python")
    assert skill_get_or_create(name="python ") == first
    assert skill_get_or_create(name="PYTHON") == first
    assert skill_get_or_create(name="  pyTHon\t") == first
    assert Skill.objects.count() == 1
    assert first.name == "Python"  # the first spelling is kept
    assert first.slug == "python"


def test_skills_get_or_create_deduplicates_within_one_list_and_keeps_order():
    skills = skills_get_or_create(names=["Django", "python", "DJANGO ", "", "  ", "Python"])
    assert [s.name for s in skills] == ["Django", "python"]


def test_skill_get_or_create_gives_distinct_slugs_to_names_that_slugify_alike():
    a = skill_get_or_create(name="C++")
    b = skill_get_or_create(name="C")
    assert a != b
    assert {a.slug, b.slug} == {"c", "c-2"}


def test_skill_get_or_create_refuses_empty_and_too_long_names():
    with pytest.raises(ValidationError):
        skill_get_or_create(name="   ")
    with pytest.raises(ValidationError) as exc:
        skill_get_or_create(name="x" * 61)
    assert "too long" in exc.value.messages[0]


def test_skills_get_or_create_refuses_too_many_entries():
    with pytest.raises(ValidationError) as exc:
        skills_get_or_create(names=[f"skill {i}" for i in range(31)])
    assert "At most 30" in exc.value.messages[0]


# --- Own profile ----------------------------------------------------------------------------
def test_profile_update_stores_sanitised_bio_html(user):
    profile_update(user=user, bio="**Hi** <script>alert(1)</script> [x](javascript:alert(1))")
    user.refresh_from_db()
    assert "<strong>Hi</strong>" in user.bio_html
    assert "<script>" not in user.bio_html
    assert 'href="javascript' not in user.bio_html


def test_profile_update_sets_skills_and_topics_normalised(user):
    profile_update(user=user, skills=["python", "Python ", "Go"], ask_me_about=["On-call", "on-call"])
    assert sorted(user.skills.values_list("name", flat=True)) == ["Go", "python"]
    assert list(user.ask_me_about.values_list("name", flat=True)) == ["On-call"]


def test_profile_update_reports_every_bad_field(user):
    with pytest.raises(ValidationError) as exc:
        profile_update(user=user, phone="call me maybe", time_zone="Mars/Olympus", skills=["x" * 70])
    assert set(exc.value.message_dict) == {"phone", "time_zone", "skills"}
    user.refresh_from_db()
    assert user.phone == ""


def test_profile_update_drops_endorsements_of_removed_skills(user, other_user):
    profile_update(user=user, skills=["Python", "Go"])
    python, go = Skill.objects.get(name="Python"), Skill.objects.get(name="Go")
    endorsement_create(endorser=other_user, person=user, skill=python)
    endorsement_create(endorser=other_user, person=user, skill=go)
    profile_update(user=user, skills=["Go"])
    assert list(Endorsement.objects.values_list("skill__name", flat=True)) == ["Go"]


def test_endorsement_refuses_self_and_unlisted_skills(user, other_user):
    profile_update(user=user, skills=["Python"])
    python = Skill.objects.get(name="Python")
    with pytest.raises(ValidationError):
        endorsement_create(endorser=user, person=user, skill=python)
    with pytest.raises(ValidationError):
        endorsement_create(endorser=user, person=other_user, skill=python)
    assert endorsement_create(endorser=other_user, person=user, skill=python) is True
    assert endorsement_create(endorser=other_user, person=user, skill=python) is False


# --- Org chart ------------------------------------------------------------------------------
def test_manager_loop_is_refused(user, other_user):
    third = UserFactory()
    user_manager_set(user=other_user, manager=user)
    user_manager_set(user=third, manager=other_user)
    with pytest.raises(ValidationError) as exc:
        user_manager_set(user=user, manager=third)
    assert "loop" in exc.value.message_dict["manager"][0]
    with pytest.raises(ValidationError):
        user_manager_set(user=user, manager=user)
    user.refresh_from_db()
    assert user.manager_id is None


# --- Follows --------------------------------------------------------------------------------
def test_follow_create_is_idempotent_and_signals_once_after_commit(
    user, other_user, django_capture_on_commit_callbacks
):
    received = []

    def listener(sender, follower, followed, **kwargs):
        received.append((follower.pk, followed.pk))

    person_followed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert follow_create(follower=user, followed=other_user) is True
        with django_capture_on_commit_callbacks(execute=True):
            assert follow_create(follower=user, followed=other_user) is False
    finally:
        person_followed.disconnect(listener)
    assert received == [(user.pk, other_user.pk)]
    assert Follow.objects.count() == 1
    assert follow_delete(follower=user, followed=other_user) is True
    assert follow_delete(follower=user, followed=other_user) is False


def test_follow_refuses_self_and_former_employees(user):
    former = UserFactory(is_active=False)
    with pytest.raises(ValidationError):
        follow_create(follower=user, followed=user)
    with pytest.raises(ValidationError):
        follow_create(follower=user, followed=former)
    assert not Follow.objects.exists()


# --- Avatar ---------------------------------------------------------------------------------
def test_avatar_set_stores_two_reencoded_sizes_and_removes_old_files(
    user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        avatar_set(user=user, upload=image_upload(image_bytes("PNG", size=(1200, 800))))
    user.refresh_from_db()
    first = (user.avatar_large, user.avatar_small)
    large = Image.open(default_storage.open(user.avatar_large))
    small = Image.open(default_storage.open(user.avatar_small))
    assert max(large.size) == 512
    assert max(small.size) == 96
    with django_capture_on_commit_callbacks(execute=True):
        avatar_set(user=user, upload=image_upload(image_bytes("JPEG"), name="me.jpg"))
    user.refresh_from_db()
    assert user.avatar_small != first[1]
    assert not default_storage.exists(first[0])
    assert not default_storage.exists(first[1])
    with django_capture_on_commit_callbacks(execute=True):
        avatar_remove(user=user)
    assert not default_storage.exists(user.avatar_small)
    user.refresh_from_db()
    assert user.avatar_small == ""


def test_avatar_set_strips_exif_and_gps(user):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}
    data = image_bytes("JPEG", size=(800, 600), exif=exif.tobytes())
    assert b"SpyCam" in data
    avatar_set(user=user, upload=image_upload(data, name="p.jpg", content_type="image/jpeg"))
    user.refresh_from_db()
    for name in (user.avatar_large, user.avatar_small):
        stored = default_storage.open(name).read()
        assert b"SpyCam" not in stored
        assert not Image.open(io.BytesIO(stored)).getexif()


def test_avatar_set_refuses_svg_before_storing_anything(user):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    with pytest.raises(ValidationError):
        avatar_set(user=user, upload=image_upload(svg, name="a.png"))
    user.refresh_from_db()
    assert user.avatar_small == ""
    assert not default_storage.exists("avatars")


def test_make_person_builds_skills_through_services():
    person = make_person(skills=["Go"], ask_me_about=["Hiring"], department="Ops")
    assert person.skills.get().name == "Go"
    assert person.department.name == "Ops"
