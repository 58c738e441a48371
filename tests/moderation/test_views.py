"""Pages: guidelines, the acceptance gate on page writes, the composer's check, reports, the queue,
actions, decisions and appeals, suspensions, the audit log."""

from __future__ import annotations

import pytest
from django.urls import reverse

from groups.permissions import can_view_group_content, check_view_group_permission
from moderation import services
from moderation.models import Appeal, AuditEntry, ModerationItem, Report
from moderation.selectors import filter_not_hidden, is_suspended
from notifications.models import NotificationPreference
from tests.factories import UserFactory
from tests.moderation.conftest import make_group, make_rule, publish

pytestmark = pytest.mark.django_db

PREFERENCES = "notifications:preferences"


def _prefs_post():
    from notifications.kinds import Kind

    return {"digest_period": "weekly", **{f"kind_{kind.value}": "in_app" for kind in Kind}}


# --- Guidelines pages ---------------------------------------------------------------------


def test_guidelines_page_is_public_and_shows_current_and_earlier_versions(client, guidelines):
    publish(change="minor", summary="Clarified data rules.", body=guidelines.body + "\nMore.\n")
    response = client.get(reverse("guidelines"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Version 1.1" in body
    assert "Clarified data rules." in body
    assert 'href="/guidelines/v1.0/"' in body
    assert 'id="be-respectful"' in body
    old = client.get(reverse("guidelines_version", kwargs={"number": "1.0"}))
    assert old.status_code == 200
    assert "an earlier version" in old.content.decode()
    assert client.get("/guidelines/v9.9/").status_code == 404
    assert client.get("/guidelines/vabc/").status_code == 404


def test_guidelines_page_without_any_version(client, db):
    from moderation.models import GuidelineAcceptance, GuidelineVersion

    GuidelineAcceptance.objects.all().delete()
    GuidelineVersion.objects.all().delete()
    assert "No guidelines have been published yet." in client.get("/guidelines/").content.decode()


def test_diff_marks_changed_words_and_escapes_markup(client, guidelines):
    new_body = guidelines.body.replace(
        "Disagree with ideas, not people.", "Disagree <b>kindly</b> with ideas."
    )
    publish(body=new_body, summary="Kinder.")
    response = client.get(reverse("guidelines_diff"), {"from": "1.0", "to": "2.0"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<del>" in body
    assert "<ins>" in body
    assert "&lt;b&gt;kindly&lt;/b&gt;" in body
    assert "<b>kindly</b>" not in body
    assert "Kinder." in body
    same = client.get(reverse("guidelines_diff"), {"from": "2.0", "to": "2.0"})
    assert "The texts are identical." in same.content.decode()


# --- The acceptance gate on pages -------------------------------------------------------------


def test_gate_refuses_page_writes_until_accepted_and_keeps_the_text(client, guidelines):
    person = UserFactory(accepted_guidelines=False)
    client.force_login(person)
    response = client.post(reverse(PREFERENCES), {**_prefs_post(), "note": "My long text here"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Please read and accept the usage guidelines" in body
    assert "My long text here" in body
    assert not NotificationPreference.objects.filter(user=person).exists()
    accept = client.post(reverse("guidelines_accept"), {"next": reverse(PREFERENCES)})
    assert accept.status_code == 302
    assert accept["Location"] == reverse(PREFERENCES)
    assert client.post(reverse(PREFERENCES), _prefs_post()).status_code == 302


def test_gate_reads_are_never_blocked(client, guidelines):
    client.force_login(UserFactory(accepted_guidelines=False))
    assert client.get(reverse(PREFERENCES)).status_code == 200
    assert client.get(reverse("notifications:list")).status_code == 200


def test_gate_excludes_account_pages_and_logout(client, guidelines):
    person = UserFactory(accepted_guidelines=False)
    client.force_login(person)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_gate_htmx_write_gets_403_with_an_event(client, guidelines):
    client.force_login(UserFactory(accepted_guidelines=False))
    response = client.post(reverse("notifications:mark_all_read"), HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert "moderation:blocked" in response["HX-Trigger"]
    assert "guidelines_not_accepted" in response["HX-Trigger"]


def test_acceptance_page_shows_what_changed_since_the_accepted_version(client, guidelines):
    person = UserFactory()
    client.force_login(person)
    publish(change="minor", summary="Small fix.", body=guidelines.body + "\nP.S.\n")
    publish(
        change="major", summary="New privacy section.", body=guidelines.body + "\n## Respect privacy\n\nNo.\n"
    )
    response = client.get(reverse("guidelines_accept"))
    body = response.content.decode()
    assert "You accepted version 1.0" in body
    assert "New privacy section." in body
    assert "Small fix." in body
    assert "Respect privacy" in body
    assert "<ins>" in body


def test_minor_update_shows_a_dismissible_banner_but_no_gate(client, guidelines):
    person = UserFactory()
    client.force_login(person)
    assert client.get(reverse("moderation:banner")).status_code == 204
    publish(change="minor", summary="Typos fixed.")
    banner = client.get(reverse("moderation:banner"))
    assert banner.status_code == 200
    assert "Typos fixed." in banner.content.decode()
    assert client.post(reverse(PREFERENCES), _prefs_post()).status_code == 302
    assert client.post(reverse("guidelines_dismiss"), HTTP_HX_REQUEST="true").status_code == 200
    assert client.get(reverse("moderation:banner")).status_code == 204


def test_banner_tells_who_must_accept(client, guidelines):
    client.force_login(UserFactory(accepted_guidelines=False))
    assert "Read and accept" in client.get(reverse("moderation:banner")).content.decode()


def test_pages_carry_the_banner_slot_and_the_script(client, guidelines):
    client.force_login(UserFactory())
    body = client.get(reverse("notifications:list")).content.decode()
    assert 'id="moderation-banner"' in body
    assert "moderation/screen" in body
    assert "<script>" not in body


# --- The composer's live check ----------------------------------------------------------------


def test_screen_endpoint_returns_the_explanation_partial(client, guidelines):
    make_rule(terms="awful", action="block", explanation="Not that word.", section="be-respectful")
    client.force_login(UserFactory())
    response = client.post(reverse("moderation:screen"), {"scope": "posts", "text": "so awful"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Not that word." in body
    assert 'href="/guidelines/#be-respectful"' in body
    clean = client.post(reverse("moderation:screen"), {"scope": "posts", "text": "lovely"}).content.decode()
    assert "Not that word." not in clean
    assert "Usage guidelines" in clean
    assert client.post(reverse("moderation:screen"), {"scope": "nope", "text": "x"}).status_code == 400


def test_screen_endpoint_tells_who_may_not_write(client, guidelines):
    client.force_login(UserFactory(accepted_guidelines=False))
    response = client.post(reverse("moderation:screen"), {"scope": "posts", "text": "hello"})
    assert "accept the usage guidelines" in response.content.decode()


def test_screened_form_mixin_block_warn_confirm(guidelines):
    from django import forms

    from moderation.forms import ScreenedTextMixin

    class DescriptionForm(ScreenedTextMixin, forms.Form):
        description = forms.CharField()
        screened_fields = {"description": "groups"}

    make_rule(terms="awful", action="block", explanation="Blocked.")
    make_rule(terms="meh", action="warn", explanation="Sure?")
    author = UserFactory()
    blocked = DescriptionForm({"description": "awful group"}, author=author)
    assert not blocked.is_valid()
    assert blocked.errors["description"] == ["Blocked."]
    assert blocked.data["description"] == "awful group"
    warned = DescriptionForm({"description": "meh group"}, author=author)
    assert not warned.is_valid()
    assert warned.needs_confirmation
    confirmed = DescriptionForm({"description": "meh group", "moderation_confirmed": "1"}, author=author)
    assert confirmed.is_valid()
    assert confirmed.screening["description"].is_flagged


# --- Reports ------------------------------------------------------------------------------


def test_report_page_creates_a_report(client, guidelines):
    group = make_group()
    client.force_login(UserFactory())
    url = reverse("moderation:report", kwargs={"type_key": "groups.group", "pk": group.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, {"section": "be-respectful", "note": "offensive name"})
    assert response.status_code == 302
    assert Report.objects.get().note == "offensive name"
    again = client.post(url, {"section": "be-respectful"})
    assert again.status_code == 400
    assert "already reported" in again.content.decode()


def test_report_of_what_you_cannot_see_is_404_like_missing(client, guidelines):
    secret = make_group(visibility="secret")
    client.force_login(UserFactory())
    url = reverse("moderation:report", kwargs={"type_key": "groups.group", "pk": secret.pk})
    missing = reverse("moderation:report", kwargs={"type_key": "groups.group", "pk": 999999})
    assert client.get(url).status_code == 404
    assert client.post(url, {"section": "other"}).status_code == 404
    assert _without_csrf(client.get(missing).content) == _without_csrf(client.get(url).content)
    assert (
        client.get(reverse("moderation:report", kwargs={"type_key": "auth.group", "pk": 1})).status_code
        == 404
    )
    assert not Report.objects.exists()


def test_report_needs_accepted_guidelines(client, guidelines):
    group = make_group()
    client.force_login(UserFactory(accepted_guidelines=False))
    url = reverse("moderation:report", kwargs={"type_key": "groups.group", "pk": group.pk})
    assert client.post(url, {"section": "other"}).status_code == 403
    assert not Report.objects.exists()


def _without_csrf(body: bytes) -> str:
    import re

    text = re.sub(r'"X-CSRFToken": "[^"]+"', "", body.decode())
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


# --- The queue and its permissions ------------------------------------------------------------


def _report(target, n=1, section="be-respectful"):
    for _ in range(n):
        services.report_create(reporter=UserFactory(), target=target, section=section)
    return ModerationItem.objects.get(object_id=target.pk, content_type__model=target._meta.model_name)


@pytest.mark.parametrize("who", ["normal", "staff", "superuser"])
def test_queue_and_actions_are_404_for_non_moderators(client, guidelines, who):
    item = _report(make_group())
    person = UserFactory(is_staff=who != "normal", is_superuser=who == "superuser")
    client.force_login(person)
    for url in (
        reverse("moderation:queue"),
        reverse("moderation:item", kwargs={"pk": item.pk}),
        reverse("moderation:person", kwargs={"pk": person.pk}),
        reverse("moderation:audit"),
        reverse("moderation:audit_export"),
    ):
        assert client.get(url).status_code == 404, url
    act = client.post(
        reverse("moderation:item_act", kwargs={"pk": item.pk}), {"action": "hide", "reason": "x"}
    )
    assert act.status_code == 404
    assert client.post(reverse("moderation:item_assign", kwargs={"pk": item.pk})).status_code == 404
    item.refresh_from_db()
    assert item.state == "visible"


def test_queue_is_ordered_by_reports_then_age_and_filters(client, moderator):
    once = _report(make_group(), 1)
    thrice = _report(make_group(), 3)
    twice = _report(make_group(), 2, section="keep-language-professional")
    client.force_login(moderator)
    body = client.get(reverse("moderation:queue")).content.decode()
    positions = [body.index(f'href="/moderation/items/{i.pk}/"') for i in (thrice, twice, once)]
    assert positions == sorted(positions)
    filtered = client.get(
        reverse("moderation:queue"), {"section": "keep-language-professional"}
    ).content.decode()
    assert f"/moderation/items/{twice.pk}/" in filtered
    assert f"/moderation/items/{once.pk}/" not in filtered
    client.post(reverse("moderation:item_assign", kwargs={"pk": once.pk}))
    mine = client.get(reverse("moderation:queue"), {"assigned": "me"}).content.decode()
    assert f"/moderation/items/{once.pk}/" in mine
    assert f"/moderation/items/{thrice.pk}/" not in mine


def test_queue_page_queries_stay_flat(client, moderator, django_assert_max_num_queries):
    for i in range(30):
        group = make_group(owner=UserFactory())
        _report(group, 1 + i % 3)
    person = UserFactory()
    services.person_warn(person=person, moderator=moderator, reason="r")
    client.force_login(moderator)
    # session user, moderator check, count, rows (+author history), targets, report sections, appeals
    with django_assert_max_num_queries(9):
        response = client.get(reverse("moderation:queue"))
    assert response.content.decode().count('class="queue-item card"') == 30


def test_moderator_sees_a_reported_item_in_a_secret_group_but_nothing_else_of_it(client, moderator):
    secret = make_group(visibility="secret", description="Secret plans for the merger")
    member = secret.creator
    item = _report_as(member, secret)
    client.force_login(moderator)
    page = client.get(reverse("moderation:item", kwargs={"pk": item.pk}))
    assert page.status_code == 200
    assert "Secret plans for the merger" in page.content.decode()
    # The group gate is untouched: the moderator is still an outsider everywhere else.
    assert not can_view_group_content(moderator, secret)
    with pytest.raises(Exception):  # noqa: B017, PT011 - Http404
        check_view_group_permission(moderator, group_id=secret.pk)


def _report_as(reporter, target):
    services.report_create(reporter=reporter, target=target, section="be-respectful")
    return ModerationItem.objects.get(object_id=target.pk)


def test_hide_through_the_page_then_hidden_for_others(client, moderator):
    group = make_group()
    item = _report(group)
    client.force_login(moderator)
    missing_reason = client.post(reverse("moderation:item_act", kwargs={"pk": item.pk}), {"action": "hide"})
    assert missing_reason.status_code == 400
    response = client.post(
        reverse("moderation:item_act", kwargs={"pk": item.pk}),
        {"action": "hide", "reason": "Offensive", "section": "be-respectful"},
    )
    assert response.status_code == 302
    from groups.models import Group

    stranger = UserFactory()
    assert not filter_not_hidden(stranger, Group.objects.filter(pk=group.pk)).exists()
    assert filter_not_hidden(group.creator, Group.objects.filter(pk=group.pk)).exists()
    assert filter_not_hidden(moderator, Group.objects.filter(pk=group.pk)).exists()


def test_suspend_through_the_page_is_enforced_on_pages(client, moderator):
    person = UserFactory()
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:person_act", kwargs={"pk": person.pk}),
        {"action": "suspend", "days": 3, "reason": "Harassment", "section": "be-respectful"},
    )
    assert response.status_code == 302
    assert is_suspended(person)
    client.force_login(person)
    refused = client.post(reverse(PREFERENCES), {**_prefs_post(), "text": "I am angry about this"})
    assert refused.status_code == 403
    body = refused.content.decode()
    assert "Your account is suspended" in body
    assert "Harassment" in body
    assert "I am angry about this" in body
    assert client.get(reverse("moderation:suspended")).status_code == 200
    assert "Harassment" in client.get(reverse("moderation:banner")).content.decode()


def test_decision_page_is_for_the_subject_and_moderators_only(client, moderator):
    group = make_group()
    decision = services.item_hide(item=_report(group), moderator=moderator, reason="Because")
    url = reverse("moderation:decision", kwargs={"pk": decision.pk})
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(group.creator)
    page = client.get(url).content.decode()
    assert "Because" in page
    assert "Appeal this decision" in page
    assert moderator.display_name not in page  # the moderator stays anonymous to the author


def test_appeal_flow_through_pages(client, moderator, moderator2):
    group = make_group()
    decision = services.item_hide(item=_report(group), moderator=moderator, reason="Because")
    client.force_login(group.creator)
    assert (
        client.post(reverse("moderation:appeal", kwargs={"pk": decision.pk}), {"note": ""}).status_code == 400
    )
    assert (
        client.post(reverse("moderation:appeal", kwargs={"pk": decision.pk}), {"note": "Unfair"}).status_code
        == 302
    )
    assert (
        client.post(reverse("moderation:appeal", kwargs={"pk": decision.pk}), {"note": "Again"}).status_code
        == 400
    )
    appeal = Appeal.objects.get()
    client.force_login(moderator)
    assert "1 appeal waiting" in client.get(reverse("moderation:queue")).content.decode()
    same = client.post(
        reverse("moderation:appeal_decide", kwargs={"pk": appeal.pk}), {"outcome": "overturn", "reason": "x"}
    )
    assert same.status_code == 403
    client.force_login(moderator2)
    other = client.post(
        reverse("moderation:appeal_decide", kwargs={"pk": appeal.pk}), {"outcome": "overturn", "reason": "OK"}
    )
    assert other.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == "overturned"


def test_suspended_person_can_still_appeal(client, moderator):
    person = UserFactory()
    suspension = services.person_suspend(person=person, moderator=moderator, days=2, reason="r")
    client.force_login(person)
    response = client.post(
        reverse("moderation:appeal", kwargs={"pk": suspension.decision_id}), {"note": "Please"}
    )
    assert response.status_code == 302
    assert Appeal.objects.filter(appellant=person).exists()


# --- Audit log ------------------------------------------------------------------------------


def test_audit_page_and_csv_export_for_moderators(client, moderator):
    services.record_audit(
        actor=moderator, action="policy.change", new={"x": "=cmd|calc"}, reason="=HYPERLINK()"
    )
    client.force_login(moderator)
    assert "policy.change" in client.get(reverse("moderation:audit")).content.decode()
    response = client.get(reverse("moderation:audit_export"))
    assert response["Content-Type"].startswith("text/csv")
    csv_text = b"".join(response.streaming_content).decode()
    assert csv_text.splitlines()[0].startswith("when,actor_id,actor,action")
    assert "'=HYPERLINK()" in csv_text
    assert AuditEntry.objects.count() >= 1


def test_acceptance_page_when_nothing_is_to_accept(client, guidelines):
    client.force_login(UserFactory())
    body = client.get(reverse("guidelines_accept")).content.decode()
    assert "There is nothing to do." in body
    assert "I have read and accept" not in body


def test_report_form_over_htmx_answers_with_partials(client, guidelines):
    group = make_group()
    client.force_login(UserFactory())
    url = reverse("moderation:report", kwargs={"type_key": "groups.group", "pk": group.pk})
    form = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in form
    assert 'name="section"' in form
    done = client.post(url, {"section": "be-respectful"}, HTTP_HX_REQUEST="true")
    assert "Thank you" in done.content.decode()


def test_held_group_description_waits_for_approval(client, moderator):
    from groups.models import Group
    from moderation.core_reportables import group_text
    from notifications.models import Notification

    make_rule(terms="guaranteed returns", kind="phrases", action="hold", scopes=["groups"])
    group = make_group(description="Guaranteed returns for all members")
    result = services.enforce_screening(text=group_text(group), scope="groups", author=group.creator)
    item = services.screening_record(target=group, result=result)
    outsider = UserFactory()
    assert not filter_not_hidden(outsider, Group.objects.filter(pk=group.pk)).exists()
    assert filter_not_hidden(group.creator, Group.objects.filter(pk=group.pk)).exists()
    client.force_login(moderator)
    held = client.get(reverse("moderation:queue"), {"kind": "held"}).content.decode()
    assert f"/moderation/items/{item.pk}/" in held
    response = client.post(
        reverse("moderation:item_act", kwargs={"pk": item.pk}), {"action": "approve", "reason": "Joke, fine"}
    )
    assert response.status_code == 302
    assert filter_not_hidden(outsider, Group.objects.filter(pk=group.pk)).exists()
    assert Notification.objects.filter(recipient=group.creator, kind="moderation_decision").exists()
