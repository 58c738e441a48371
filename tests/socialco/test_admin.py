"""Django admin: staff only, the site policy form, its read-only history, invitations, CSV
export, and a fixed query budget for every registered changelist."""

import csv
import io
import itertools
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.models import Group as AuthGroup
from django.core import mail
from django.db import models
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from rest_framework.authtoken.models import Token, TokenProxy

from groups.models import Group, Membership
from profiles.models import Department, Skill, User
from socialco.models import Invitation, SitePolicy, SitePolicyChange
from socialco.policy import get_policy, read_receipts_enabled
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

POLICY_URL = reverse("admin:socialco_sitepolicy_change", args=[1])


@pytest.fixture
def admin_user(db):
    return UserFactory(is_staff=True, is_superuser=True, email="root@example.com", display_name="Root Admin")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


# --- Who reaches /admin/ ---------------------------------------------------------------------


def test_only_staff_reach_the_admin(client, user, staff_user):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")

    client.force_login(user)
    for path in ("/admin/", POLICY_URL, reverse("admin:profiles_user_changelist")):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/"), path

    client.force_login(staff_user)
    assert client.get("/admin/").status_code == 200
    # Staff without the model permission see nothing of the policy.
    assert client.get(POLICY_URL).status_code == 403


# --- The site policy form --------------------------------------------------------------------


def _policy_form_data(**overrides):
    policy = SitePolicy.objects.get()
    data = {
        "company_name": policy.company_name,
        "signup_mode": policy.signup_mode,
        "signup_email_domains": "\n".join(policy.signup_email_domains),
        "group_creation": policy.group_creation,
        "announcement_posting": policy.announcement_posting,
        "upload_max_bytes": policy.upload_max_bytes,
        "upload_max_megapixels": policy.upload_max_megapixels,
        "chat_edit_window_minutes": policy.chat_edit_window_minutes,
        "chat_retention_days": policy.chat_retention_days or "",
        "rate_limit_posts": policy.rate_limit_posts,
        "rate_limit_comments": policy.rate_limit_comments,
        "rate_limit_chat_messages": policy.rate_limit_chat_messages,
        "question_escalation_hours": policy.question_escalation_hours or "",
        **{f"notify_{kind}": value for kind, value in get_policy().notification_defaults.items()},
        "_save": "Save",
    }
    if policy.chat_read_receipts:
        data["chat_read_receipts"] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_policy_changelist_is_the_one_form_and_there_is_no_add_or_delete(admin_client):
    response = admin_client.get(reverse("admin:socialco_sitepolicy_changelist"))
    assert response.status_code == 302
    assert response["Location"] == POLICY_URL
    assert admin_client.get(reverse("admin:socialco_sitepolicy_add")).status_code == 403
    assert admin_client.get(reverse("admin:socialco_sitepolicy_delete", args=[1])).status_code == 403
    response = admin_client.get(POLICY_URL)
    assert response.status_code == 200
    assert "Default notification preferences" in response.text
    assert 'name="notify_mention"' in response.text
    assert "deletelink" not in response.text
    assert SitePolicy.objects.count() == 1


def test_saving_the_form_applies_at_once_and_is_recorded(admin_client, admin_user):
    data = _policy_form_data(
        company_name="Globex",
        signup_email_domains="globex.test, @Example.com\nexample.com",
        chat_read_receipts=None,
        notify_reaction="off",
        chat_retention_days="30",
    )
    data.pop("chat_read_receipts", None)
    response = admin_client.post(POLICY_URL, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert response["Location"] == POLICY_URL
    policy = get_policy()
    assert policy.company_name == "Globex"
    assert policy.signup_email_domains == ("globex.test", "example.com")
    assert policy.chat_retention_days == 30
    assert policy.notification_defaults["reaction"] == "off"
    assert read_receipts_enabled() is False
    changes = {c.field: c for c in SitePolicyChange.objects.all()}
    assert set(changes) == {
        "company_name",
        "signup_email_domains",
        "chat_read_receipts",
        "chat_retention_days",
        "notification_defaults.reaction",
    }
    assert changes["signup_email_domains"].old_value == ["example.com"]
    assert changes["signup_email_domains"].new_value == ["globex.test", "example.com"]
    assert all(c.actor == admin_user for c in changes.values())
    page = admin_client.get(POLICY_URL).text
    assert "Recent changes" in page
    assert "Globex" in page  # the history table and the header show it


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"signup_email_domains": "example.com, not_a_domain"}, "not_a_domain is not an e-mail domain"),
        ({"signup_email_domains": ""}, "Open sign-up needs at least one domain"),
        ({"rate_limit_posts": "lots"}, "Write a limit as count/period"),
        ({"upload_max_bytes": "12"}, "greater than or equal to 1024"),
        ({"notify_mention": "pigeon"}, "Select a valid choice"),
    ],
)
def test_bad_values_are_refused_with_the_typed_values_kept(admin_client, overrides, message):
    before = get_policy()
    response = admin_client.post(POLICY_URL, _policy_form_data(company_name="Typed Corp", **overrides))
    assert response.status_code == 200
    assert message in response.text
    assert 'value="Typed Corp"' in response.text
    assert get_policy() == before
    assert not SitePolicyChange.objects.exists()


def _png(size=(600, 200)) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 90, 200)).save(out, format="PNG")
    out.seek(0)
    out.name = "logo.png"
    return out


def test_the_logo_is_reencoded_and_shown_to_signed_in_people_only(admin_client, client, user):
    response = admin_client.post(POLICY_URL, {**_policy_form_data(), "logo": _png()})
    assert response.status_code == 302
    policy = get_policy()
    assert policy.logo.startswith("policy/logo")
    home = admin_client.get("/").text
    assert "/site-logo?v=" in home
    logo = admin_client.get("/site-logo")
    assert logo.status_code == 200
    image = Image.open(io.BytesIO(b"".join(logo.streaming_content)))
    assert max(image.size) == 256  # resized on the way in
    client.logout()
    assert client.get("/site-logo").status_code == 302  # the login wall
    assert "/site-logo" not in client.get("/accounts/login/").text


def test_an_svg_logo_is_refused(admin_client):
    svg = io.BytesIO(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    svg.name = "logo.png"
    response = admin_client.post(POLICY_URL, {**_policy_form_data(), "logo": svg})
    assert response.status_code == 200
    assert "not a JPEG, PNG, WebP or GIF image" in response.text
    assert get_policy().logo == ""


def test_the_history_is_read_only_even_for_superusers(admin_client, admin_user):
    from socialco.policy_services import record_policy_change

    change = record_policy_change(actor=admin_user, field="company_name", old_value="A", new_value="B")
    changelist = reverse("admin:socialco_sitepolicychange_changelist")
    response = admin_client.get(changelist)
    assert response.status_code == 200
    assert "Company name" in response.text
    assert admin_client.get(reverse("admin:socialco_sitepolicychange_add")).status_code == 403
    detail = reverse("admin:socialco_sitepolicychange_change", args=[change.pk])
    assert admin_client.get(detail).status_code == 200  # view only
    assert admin_client.post(detail, {"field": "x", "new_value": '"C"'}).status_code == 403
    assert (
        admin_client.get(reverse("admin:socialco_sitepolicychange_delete", args=[change.pk])).status_code
        == 403
    )
    response = admin_client.post(changelist, {"action": "delete_selected", "_selected_action": [change.pk]})
    change.refresh_from_db()
    assert (change.field, change.new_value) == ("company_name", "B")
    assert SitePolicyChange.objects.count() == 1


# --- Invitations -----------------------------------------------------------------------------


def test_an_admin_invites_someone_and_the_mail_goes_out(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:socialco_invitation_add"), {"email": "New.Hire@Example.com", "send_now": "on"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "new.hire@example.com"
    assert invitation.sent_at is not None
    assert len(mail.outbox) == 1
    assert "/invitations/" in mail.outbox[0].body
    assert mail.outbox[0].to == ["new.hire@example.com"]


def test_the_send_action_resends_selected_invitations(admin_client, django_capture_on_commit_callbacks):
    a = Invitation.objects.create(email="a@example.com")
    b = Invitation.objects.create(email="b@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:socialco_invitation_changelist"),
            {"action": "send_invitations", "_selected_action": [a.pk, b.pk]},
        )
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.com", "b@example.com"]
    assert Invitation.objects.filter(sent_at__isnull=False).count() == 2


def test_inviting_an_existing_account_is_refused(admin_client, user):
    response = admin_client.post(
        reverse("admin:socialco_invitation_add"), {"email": user.email, "send_now": "on"}
    )
    assert response.status_code == 200
    assert "This address already has an account." in response.text
    assert not Invitation.objects.exists()


# --- CSV export (every ModelAdmin) -----------------------------------------------------------


def test_every_model_admin_offers_csv_export(rf, admin_user):
    request = rf.get("/admin/")
    request.user = admin_user
    for model, model_admin in admin.site._registry.items():
        if model_admin.actions is None:  # an admin that opts out of every action (DRF's tokens)
            continue
        assert "export_selected_as_csv" in model_admin.get_actions(request), model._meta.label


def test_csv_export_writes_the_changelist_columns_and_defuses_formulas(admin_client):
    department = Department.objects.create(name="Finance")
    a = UserFactory(display_name='=HYPERLINK("http://evil")', department=department)
    b = UserFactory(display_name="Plain Person", is_active=False)
    response = admin_client.post(
        reverse("admin:profiles_user_changelist"),
        {"action": "export_selected_as_csv", "_selected_action": [a.pk, b.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="users-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["E-mail address", "Display name", "Job title"]
    header = rows[0]
    by_email = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_email[a.email]["Display name"] == '\'=HYPERLINK("http://evil")'
    assert by_email[a.email]["Department"] == "Finance"
    assert by_email[b.email]["Active"] == "no"


def test_csv_export_needs_only_view_permission_and_not_less(client, staff_user):
    from django.contrib.auth.models import Permission

    target = UserFactory()
    client.force_login(staff_user)
    url = reverse("admin:profiles_user_changelist")
    payload = {"action": "export_selected_as_csv", "_selected_action": [target.pk]}
    assert client.post(url, payload).status_code == 403
    staff_user.user_permissions.add(Permission.objects.get(codename="view_user"))
    response = client.post(url, payload)
    assert response.status_code == 200
    assert target.email in b"".join(response.streaming_content).decode()


# --- Query budget for every registered changelist ----------------------------------------------

ROWS = 500
# One pinned budget for every changelist: session, user, counts, rows, filters, date drill-down.
CHANGELIST_QUERY_BUDGET = 14


def _bulk_users(n: int) -> list[User]:
    department = Department.objects.create(name="Budget Dept")
    boss = User.objects.create(email="boss@example.com", display_name="Boss", department=department)
    User.objects.bulk_create(
        User(email=f"bulk{i}@example.com", display_name=f"Bulk {i}", department=department, manager=boss)
        for i in range(n)
    )
    return list(User.objects.filter(email__startswith="bulk"))


def _rows_users():
    users = _bulk_users(ROWS)
    moderators, _ = AuthGroup.objects.get_or_create(name="HR moderators")
    moderators.user_set.add(*users[:50])
    skill = Skill.objects.create(name="Budgeting", slug="budgeting")
    skill.people.add(*users)


def _rows_departments():
    Department.objects.bulk_create(Department(name=f"Dept {i}") for i in range(ROWS))
    departments = list(Department.objects.all())
    User.objects.bulk_create(
        User(email=f"d{i}@example.com", display_name=f"D {i}", department=departments[i]) for i in range(ROWS)
    )


def _rows_skills():
    Skill.objects.bulk_create(Skill(name=f"Skill {i}", slug=f"skill-{i}") for i in range(ROWS))
    users = _bulk_users(10)
    for user in users:
        user.skills.add(*Skill.objects.all()[:50])


def _rows_auth_groups():
    AuthGroup.objects.bulk_create(AuthGroup(name=f"Team {i}") for i in range(ROWS))


def _rows_tokens():
    Token.objects.bulk_create(Token(key=f"{i:040d}", user=u) for i, u in enumerate(_bulk_users(ROWS)))


def _rows_email_addresses():
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in _bulk_users(ROWS)
    )


def _rows_authenticators():
    Authenticator.objects.bulk_create(
        Authenticator(user=u, type=Authenticator.Type.TOTP, data={"secret": "x"}) for u in _bulk_users(ROWS)
    )


def _rows_policy_changes():
    actor = UserFactory()
    SitePolicyChange.objects.bulk_create(
        SitePolicyChange(
            actor=actor, actor_label=actor.email, field="company_name", old_value=i, new_value=i + 1
        )
        for i in range(ROWS)
    )


def _rows_invitations():
    inviter = UserFactory()
    now = timezone.now()
    Invitation.objects.bulk_create(
        Invitation(email=f"inv{i}@example.com", invited_by=inviter, sent_at=now, expires_at=now)
        for i in range(ROWS)
    )


def _rows_groups():
    creators = _bulk_users(ROWS)
    Group.objects.bulk_create(
        Group(name=f"Group {i}", slug=f"group-{i}", creator=creators[i]) for i in range(ROWS)
    )
    groups = list(Group.objects.all())
    Membership.objects.bulk_create(Membership(group=g, user=creators[i]) for i, g in enumerate(groups))


def _rows_memberships():
    users = _bulk_users(ROWS)
    group = Group.objects.create(name="Everyone", slug="everyone")
    other = Group.objects.create(name="Other", slug="other", visibility=Group.Visibility.SECRET)
    Membership.objects.bulk_create(
        Membership(group=group if i % 2 else other, user=u) for i, u in enumerate(users)
    )


# Models whose rows need care; any other registered model gets generic rows (below), so a
# ModelAdmin added later is measured without anyone touching this file.
ROW_BUILDERS = {
    User: _rows_users,
    Department: _rows_departments,
    Skill: _rows_skills,
    AuthGroup: _rows_auth_groups,
    TokenProxy: _rows_tokens,
    EmailAddress: _rows_email_addresses,
    Authenticator: _rows_authenticators,
    SitePolicy: lambda: None,  # a singleton
    SitePolicyChange: _rows_policy_changes,
    Invitation: _rows_invitations,
    Group: _rows_groups,
    Membership: _rows_memberships,
}

_counter = itertools.count()


def _unique_field_names(model) -> set[str]:
    names = {f.name for f in model._meta.concrete_fields if f.unique}
    for together in model._meta.unique_together:
        names.update(together)
    for constraint in model._meta.constraints:
        names.update(getattr(constraint, "fields", ()) or ())
    return names


def _generic_value(field: models.Field, i: int):
    if field.choices:
        return field.choices[i % len(field.choices)][0]
    n = next(_counter)
    if isinstance(field, models.EmailField):
        return f"row{n}@example.com"
    if isinstance(field, models.SlugField):
        return f"row-{n}"
    if isinstance(field, models.CharField | models.TextField):
        return f"Row {n}"[: field.max_length or 100]
    if isinstance(field, models.BooleanField):
        return bool(i % 2)
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return timezone.now().date()
    if isinstance(field, models.DecimalField):
        return Decimal(i % 10)
    if isinstance(field, models.IntegerField | models.FloatField):
        return i
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.FileField):
        return f"files/row-{n}.png"  # a stored name; changelists never open the file
    if isinstance(field, models.UUIDField):
        import uuid

        return uuid.uuid4()
    raise NotImplementedError(f"no generic value for {field!r}: add a builder to ROW_BUILDERS")


def _generic_rows(model, n: int):
    """n rows with every field filled, foreign keys (nullable ones too) included, so an N+1 shows.

    A foreign key that is part of a uniqueness rule gets a parent per row; others share one.
    """
    unique = _unique_field_names(model)
    parents = {}
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is not model:
            count = n if field.name in unique else 1
            made = _generic_rows(field.related_model, count)
            parents[field.attname] = [obj.pk for obj in made] * (n if count == 1 else 1)
    rows = []
    for i in range(n):
        values = {}
        for field in model._meta.concrete_fields:
            if (
                field.primary_key
                or getattr(field, "auto_now", False)
                or getattr(field, "auto_now_add", False)
            ):
                continue
            if field.is_relation:
                if field.attname in parents:
                    values[field.attname] = parents[field.attname][i]
            elif not field.has_default():
                values[field.name] = _generic_value(field, i)
        rows.append(model(**values))
    return model.objects.bulk_create(rows)


@pytest.mark.parametrize("model", [Membership, Group, Invitation, SitePolicyChange, Department])
def test_generic_rows_fill_models_without_a_builder(model):
    _generic_rows(model, 3)
    assert model.objects.count() >= 3


def _registered_models():
    return sorted(admin.site._registry, key=lambda m: m._meta.label)


@pytest.mark.parametrize("model", _registered_models(), ids=lambda m: m._meta.label)
def test_every_changelist_with_500_rows_stays_within_the_query_budget(
    admin_client, model, django_assert_max_num_queries
):
    builder = ROW_BUILDERS.get(model) or (lambda: _generic_rows(model, ROWS))
    builder()
    assert model._default_manager.count() >= (1 if model is SitePolicy else ROWS)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    admin_client.get(url)  # warm the session and content-type caches
    with django_assert_max_num_queries(CHANGELIST_QUERY_BUDGET):
        response = admin_client.get(url, follow=True)
    assert response.status_code == 200
    model_admin = admin.site._registry[model]
    if model_admin.search_fields:
        with django_assert_max_num_queries(CHANGELIST_QUERY_BUDGET):
            assert admin_client.get(url, {"q": "1"}).status_code == 200
