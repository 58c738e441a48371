import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from profiles.models import MODERATORS_GROUP, Department, Skill, User

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        sorted(
            User.objects.values_list("email", "display_name", "title", "department__name", "manager__email")
        ),
        sorted(Skill.objects.values_list("name", flat=True)),
        sorted(EmailAddress.objects.values_list("email", "verified")),
        sorted(Department.objects.values_list("name", flat=True)),
    )


def test_seed_demo_builds_a_believable_company_and_is_idempotent(capsys):
    call_command("seed_demo")
    first = _snapshot()
    call_command("seed_demo")
    assert _snapshot() == first

    staff = User.objects.all()
    assert 55 <= staff.count() <= 70
    assert Department.objects.count() >= 6
    assert User.objects.filter(manager__isnull=True).count() == 1  # one CEO at the top
    assert User.objects.filter(is_superuser=True, is_staff=True).count() == 1
    assert User.objects.get(email="hr@example.com").groups.filter(name=MODERATORS_GROUP).exists()
    assert all(u.skills.exists() for u in staff)
    assert EmailAddress.objects.filter(verified=True).count() == staff.count()
    # Every chain of managers ends at the CEO (no loops).
    for person in staff:
        seen, current = set(), person
        while current.manager_id:
            assert current.pk not in seen
            seen.add(current.pk)
            current = current.manager
    out = capsys.readouterr().out
    assert "admin@example.com" in out
    assert "DEMO DATA ONLY" in out


@pytest.mark.django_db(transaction=True)  # real commits, so mail sent on commit would go out
def test_seed_demo_sends_no_mail_and_ends_with_the_logins(capsys, mailoutbox):
    call_command("seed_demo")
    assert mailoutbox == []  # mentions, must-reads and expert requests notify demo people only
    assert capsys.readouterr().out.rstrip().endswith("same password")


def test_demo_login_works(client):
    call_command("seed_demo", quiet_logins=True)
    from profiles.management.commands.seed_demo import DEMO_PASSWORD

    response = client.post("/accounts/login/", {"login": "admin@example.com", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_seed_demo_refuses_a_production_install(settings):
    from django.core.management.base import CommandError

    settings.HTTPS = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", quiet_logins=True)
    assert not User.objects.exists()


def test_seed_demo_fills_profiles_follows_and_a_former_employee_idempotently():
    from profiles.models import Endorsement, Follow

    def profiles_snapshot():
        return (
            sorted(
                User.objects.values_list("email", "location", "start_date", "bio_html", "pronouns", "phone")
            ),
            sorted(User.objects.values_list("email", "ask_me_about__name")),
            sorted(Follow.objects.values_list("follower__email", "followed__email")),
            sorted(Endorsement.objects.values_list("endorser__email", "person__email", "skill__name")),
        )

    call_command("seed_demo", quiet_logins=True)
    first = profiles_snapshot()
    call_command("seed_demo", quiet_logins=True)
    assert profiles_snapshot() == first

    active = User.objects.filter(is_active=True)
    assert all(u.location and u.bio_html and u.ask_me_about.exists() for u in active)
    assert Follow.objects.count() >= 3 * active.count()
    assert Endorsement.objects.exists()
    assert User.objects.filter(is_active=False).count() == 1
