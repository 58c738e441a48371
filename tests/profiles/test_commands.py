"""`manage.py import_staff FILE.csv`: HR exports in, bad rows reported by line, idempotent."""

import datetime
import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError

from profiles.models import User
from profiles.services import profile_update
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD = """email,display_name,title,department,location,manager_email,start_date,active
ana@example.com,Ana Silva,Staff Engineer,Engineering,Berlin,cto@example.com,2021-04-01,yes
cto@example.com,Cy Tom,CTO,Engineering,London,ceo@example.com,2017-01-09,
ceo@example.com,Bea Boss,Chief Executive,Leadership,London,,2015-01-05,
"""


def _run(tmp_path, text, name="staff.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_staff", str(path), stdout=out, stderr=err)
        error = None
    except CommandError as exc:
        error = str(exc)
    return out.getvalue(), err.getvalue(), error


def _snapshot():
    return sorted(
        User.objects.values_list(
            "email",
            "display_name",
            "title",
            "department__name",
            "location",
            "manager__email",
            "start_date",
            "is_active",
        )
    )


def test_import_staff_creates_people_with_org_fields_and_managers_defined_later(tmp_path):
    out, err, error = _run(tmp_path, GOOD)
    assert error is None, err
    assert "3 created, 0 updated, 0 unchanged" in out
    ana = User.objects.get(email="ana@example.com")
    assert ana.display_name == "Ana Silva"
    assert ana.title == "Staff Engineer"
    assert ana.department.name == "Engineering"
    assert ana.location == "Berlin"
    assert ana.start_date == datetime.date(2021, 4, 1)
    assert ana.manager.email == "cto@example.com"  # defined on a later line
    assert ana.manager.manager.email == "ceo@example.com"
    assert not ana.has_usable_password()  # they choose one with "forgot password"
    assert EmailAddress.objects.get(email="ana@example.com").verified


def test_import_staff_is_idempotent(tmp_path):
    _run(tmp_path, GOOD)
    first = _snapshot()
    out, _err, error = _run(tmp_path, GOOD)
    assert error is None
    assert "0 created, 0 updated, 3 unchanged" in out
    assert _snapshot() == first


def test_import_staff_updates_org_fields_and_keeps_what_people_edit(tmp_path):
    _run(tmp_path, GOOD)
    ana = User.objects.get(email="ana@example.com")
    profile_update(user=ana, bio="Hello", phone="ext 123", skills=["Go"])
    changed = GOOD.replace(
        "Staff Engineer,Engineering,Berlin,cto@example.com", "Principal,Platform,Remote,ceo@example.com"
    )
    out, _err, error = _run(tmp_path, changed)
    assert error is None
    assert "0 created, 1 updated, 2 unchanged" in out
    ana.refresh_from_db()
    assert (ana.title, ana.department.name, ana.location, ana.manager.email) == (
        "Principal",
        "Platform",
        "Remote",
        "ceo@example.com",
    )
    assert (ana.bio, ana.phone, list(ana.skills.values_list("name", flat=True))) == (
        "Hello",
        "ext 123",
        ["Go"],
    )


def test_import_staff_leaves_columns_absent_from_the_file_unchanged(tmp_path):
    _run(tmp_path, GOOD)
    _out, _err, error = _run(tmp_path, "email,display_name\nana@example.com,Ana Silva-Berg\n")
    assert error is None
    ana = User.objects.get(email="ana@example.com")
    assert ana.display_name == "Ana Silva-Berg"
    assert (ana.title, ana.location, ana.manager.email) == ("Staff Engineer", "Berlin", "cto@example.com")


def test_import_staff_reports_bad_rows_by_line_and_imports_the_rest(tmp_path):
    text = (
        "email,display_name,title,manager_email,start_date,active\n"  # line 1
        "good@example.com,Good Person,Engineer,,2020-01-01,\n"  # 2
        "not-an-email,Bad Email,,,,\n"  # 3
        "noname@example.com,,,,,\n"  # 4
        "date@example.com,Bad Date,,,2020-31-12,\n"  # 5
        "ghost@example.com,Has Ghost Manager,,nobody@example.com,,\n"  # 6
        "good@example.com,Duplicate,,,,\n"  # 7
        "flag@example.com,Bad Flag,,,,perhaps\n"  # 8
        "\n"  # 9: blank lines are skipped
        "also.good@example.com,Also Good,,good@example.com,,\n"  # 10
    )
    out, err, error = _run(tmp_path, text)
    assert "2 created" in out
    assert error is not None
    assert "6 row(s) refused" in error
    for line, words in [
        (3, "email"),
        (4, "display_name"),
        (5, "start_date"),
        (6, "nobody@example.com"),
        (7, "already appears on line 2"),
        (8, "active"),
    ]:
        assert f"line {line}: " in err
        assert words in err.split(f"line {line}: ")[1].splitlines()[0]
    assert sorted(User.objects.values_list("email", flat=True)) == [
        "also.good@example.com",
        "good@example.com",
    ]
    assert User.objects.get(email="also.good@example.com").manager.email == "good@example.com"


def test_import_staff_refuses_a_manager_loop_within_the_file(tmp_path):
    text = (
        "email,display_name,manager_email\n"
        "a@example.com,A,b@example.com\n"
        "b@example.com,B,c@example.com\n"
        "c@example.com,C,a@example.com\n"  # closes the loop: refused
        "d@example.com,D,\n"
    )
    _out, err, error = _run(tmp_path, text)
    assert error is not None
    assert "line 4: manager_email: refused, this would make a management loop" in err
    assert "c@example.com → a@example.com → b@example.com → c@example.com" in err
    # C is refused, so B's manager does not exist either: refused with its own line, A then too.
    assert "line 3: manager_email: nobody with the address c@example.com" in err
    assert "line 2: manager_email: nobody with the address b@example.com" in err
    assert list(User.objects.values_list("email", flat=True)) == ["d@example.com"]


def test_import_staff_refuses_a_loop_with_people_already_in_the_directory(tmp_path):
    boss = UserFactory(email="boss@example.com")
    report = UserFactory(email="report@example.com", manager=boss)
    text = "email,display_name,manager_email\nboss@example.com,Boss,report@example.com\n"
    _out, err, error = _run(tmp_path, text)
    assert error is not None
    assert "line 2: manager_email: refused, this would make a management loop" in err
    boss.refresh_from_db()
    report.refresh_from_db()
    assert boss.manager_id is None
    assert report.manager_id == boss.pk


def test_import_staff_allows_swapping_manager_and_report_in_one_file(tmp_path):
    """The final chart has no loop, so the order of rows must not matter."""
    boss = UserFactory(email="boss@example.com")
    UserFactory(email="report@example.com", manager=boss)
    text = (
        "email,display_name,manager_email\n"
        "boss@example.com,Boss,report@example.com\n"
        "report@example.com,Report,\n"
    )
    _out, err, error = _run(tmp_path, text)
    assert error is None, err
    assert User.objects.get(email="boss@example.com").manager.email == "report@example.com"
    assert User.objects.get(email="report@example.com").manager is None


def test_import_staff_deactivates_leavers(tmp_path, client):
    leaver = UserFactory(email="leaver@example.com", display_name="Lee Ver")
    _out, err, error = _run(tmp_path, "email,display_name,active\nleaver@example.com,Lee Ver,no\n")
    assert error is None, err
    leaver.refresh_from_db()
    assert not leaver.is_active


def test_import_staff_accepts_an_excel_bom_and_ignores_unknown_columns(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffemail,display_name,employee_id\nbom@example.com,Bo M,123\n".encode())
    err = io.StringIO()
    call_command("import_staff", str(path), stdout=io.StringIO(), stderr=err)
    assert User.objects.filter(email="bom@example.com").exists()
    assert "Ignored unknown column(s): employee_id" in err.getvalue()


def test_import_staff_refuses_a_file_without_the_required_columns(tmp_path):
    _out, _err, error = _run(tmp_path, "mail,name\na@example.com,A\n")
    assert error is not None
    assert "Missing required column(s): email, display_name" in error
    assert not User.objects.exists()


def test_import_staff_explains_a_missing_or_non_utf8_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_staff", str(tmp_path / "missing.csv"))
    path = tmp_path / "latin1.csv"
    path.write_bytes("email,display_name\nzoe@example.com,Zo\xeb\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_staff", str(path))
