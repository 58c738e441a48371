"""Screening rules, guidelines publication, reports, moderators' actions, appeals, the audit log."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from moderation import services
from moderation.matching import PatternError, compile_rule, luhn_valid
from moderation.models import (
    Appeal,
    AppendOnlyError,
    AuditEntry,
    Decision,
    ModerationItem,
    ModerationState,
    Report,
    Rule,
    Scope,
    Suspension,
)
from moderation.selectors import _write_state_keys, forget_write_state, is_suspended, write_state
from notifications.models import Notification
from tests.factories import UserFactory
from tests.moderation.conftest import make_group, make_moderator, make_rule, publish

pytestmark = pytest.mark.django_db

VISA_TEST = "4111 1111 1111 1111"  # a well-known Luhn-valid test number


# --- Matching and screening ---------------------------------------------------------------


def test_screen_text_words_are_case_insensitive_and_whole_word(guidelines):
    make_rule(terms="darn\nheck", action="warn")
    assert services.screen_text(text="Oh DARN it", scope="posts").action == "warn"
    assert services.screen_text(text="darned", scope="posts").action == "allow"
    assert services.screen_text(text="what the heck!", scope="posts").matches[0].hits == ("heck",)


def test_screen_text_without_whole_word_matches_inside_words(guidelines):
    make_rule(terms="darn", whole_word=False)
    assert services.screen_text(text="darned", scope="posts").action == "warn"


def test_screen_text_whole_word_works_for_non_ascii_words(guidelines):
    make_rule(terms="scheiß", action="block")
    assert services.screen_text(text="Das ist Scheiß!", scope="chat").is_blocked
    assert not services.screen_text(text="Scheißegal", scope="chat").is_blocked


def test_screen_text_phrases_match_across_any_whitespace(guidelines):
    make_rule(kind="phrases", terms="piss off", action="hold")
    assert services.screen_text(text="just PISS\n  off", scope="comments").is_held


def test_screen_text_pattern_rule(guidelines):
    make_rule(kind="pattern", terms=r"project\s+(falcon|eagle)", action="block", whole_word=False)
    result = services.screen_text(text="News on Project Falcon soon", scope="posts")
    assert result.is_blocked
    assert result.matches[0].hits == ("Project Falcon",)


@pytest.mark.parametrize("scope", Scope.values)
def test_screen_text_applies_a_rule_only_in_its_scopes(guidelines, scope):
    make_rule(terms="secretword", scopes=[scope], action="block")
    for other in Scope.values:
        result = services.screen_text(text="the secretword is out", scope=other)
        assert result.is_blocked is (other == scope), other


def test_screen_text_profile_texts_and_group_descriptions(guidelines):
    make_rule(terms="badword", scopes=["profiles", "groups"], action="block")
    person = UserFactory(title="Head of badword")
    group = make_group(description="A badword group")
    from moderation.core_reportables import group_text, profile_text

    assert services.screen_text(text=profile_text(person), scope=Scope.PROFILES, author=person).is_blocked
    assert services.screen_text(text=group_text(group), scope=Scope.GROUPS, author=group.creator).is_blocked
    assert not services.screen_text(text=group_text(group), scope=Scope.POSTS).is_blocked


def test_screen_text_strongest_action_wins_and_explains_with_section(guidelines):
    make_rule(name="mild", terms="meh", action="warn", explanation="Mild.")
    make_rule(name="strong", terms="awful", action="block", explanation="Strong.", section="be-respectful")
    result = services.screen_text(text="meh and awful", scope="posts")
    assert result.action == "block"
    assert result.messages == ["Strong."]
    deciding = result.deciding()[0]
    assert deciding.section_title == "Be respectful"
    assert deciding.section_url == "/guidelines/#be-respectful"
    assert [m.name for m in result.matches] == ["strong", "mild"]


def test_disabled_rules_do_nothing(guidelines):
    make_rule(terms="badword", is_enabled=False, action="block")
    assert services.screen_text(text="badword", scope="posts").action == "allow"


def test_luhn():
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")


def test_card_number_rule_needs_a_luhn_valid_number_and_masks_it(guidelines):
    make_rule(kind="card_numbers", terms="", whole_word=False, action="block")
    blocked = services.screen_text(text=f"my card: {VISA_TEST}, exp 12/29", scope="chat")
    assert blocked.is_blocked
    assert blocked.matches[0].hits == ("•••• 1111",)
    assert "4111 1111" not in str(blocked.as_dict())
    assert services.screen_text(text="order 4111 1111 1111 1112", scope="chat").action == "allow"
    assert services.screen_text(text="4111-1111-1111-1111", scope="chat").is_blocked


def test_outside_email_rule_spares_company_domains(guidelines, settings):
    settings.SIGNUP_EMAIL_DOMAINS = ["example.com"]
    make_rule(kind="outside_emails", terms="", whole_word=False, action="warn")
    assert (
        services.screen_text(text="mail ana@example.com or ben@eu.example.com", scope="posts").action
        == "allow"
    )
    result = services.screen_text(text="customer: jo@customer-corp.org", scope="posts")
    assert result.action == "warn"
    assert result.matches[0].hits == ("jo@customer-corp.org",)


def test_shipped_rules_exist_switched_off_and_work_when_switched_on(guidelines):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("moderation.migrations.0002_moderators_first_guidelines_shipped_rules")
    migration.forwards(apps, None)
    migration.forwards(apps, None)  # idempotent
    shipped = {r.name: r for r in Rule.objects.all()}
    assert set(shipped) == {"Payment card numbers", "E-mail addresses outside the company", "Profanity"}
    assert not any(r.is_enabled for r in shipped.values())
    assert services.screen_text(text=f"card {VISA_TEST} shit", scope="posts").action == "allow"
    for rule in shipped.values():  # switched on the way the admin does it (the rules cache follows)
        rule.is_enabled = True
        services.rule_save(rule=rule, actor=None)
    result = services.screen_text(text=f"card {VISA_TEST}, what the shit", scope="posts")
    assert result.is_blocked
    assert {m.name for m in result.matches} == {"Payment card numbers", "Profanity"}
    assert services.screen_text(text="see x@gmail.com", scope="posts").action == "warn"
    assert services.screen_text(text="see x@gmail.com", scope="chat").action == "allow"  # posts etc. only


def test_enforce_screening_raises_for_block_and_unconfirmed_warn(guidelines):
    make_rule(terms="awful", action="block", explanation="Not that.")
    make_rule(terms="meh", action="warn", explanation="Sure?")
    make_rule(terms="hmm", action="hold")
    with pytest.raises(services.ContentBlocked) as blocked:
        services.enforce_screening(text="awful", scope="posts")
    assert blocked.value.messages == ["Not that."]
    assert blocked.value.as_api_error()["code"] == "content_blocked"
    with pytest.raises(services.ConfirmationRequired):
        services.enforce_screening(text="meh", scope="posts")
    confirmed = services.enforce_screening(text="meh", scope="posts", confirmed=True)
    assert confirmed.is_flagged
    assert confirmed.moderation_state == ModerationState.VISIBLE
    held = services.enforce_screening(text="hmm", scope="posts")
    assert held.moderation_state == ModerationState.HELD


def test_screening_record_puts_held_and_flagged_content_in_the_queue(guidelines):
    make_rule(terms="hmm", action="hold", scopes=["groups"])
    group = make_group(description="hmm, a group")
    from moderation.core_reportables import group_text

    result = services.enforce_screening(text=group_text(group), scope="groups", author=group.creator)
    item = services.screening_record(target=group, result=result)
    assert item.state == ModerationState.HELD
    assert item.is_open
    assert item.flags[0]["name"] == "Rule"
    assert item.author == group.creator
    assert (
        services.screening_record(target=group, result=services.screen_text(text="fine", scope="groups"))
        is None
    )
    assert AuditEntry.objects.filter(action="screening.hold").count() == 1


def test_invalid_pattern_is_refused_with_the_reason(guidelines):
    rule = Rule(
        name="bad", kind="pattern", terms="(unclosed", scopes=["posts"], explanation="x", action="block"
    )
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "missing )" in str(error.value.message_dict["terms"])
    backreference = Rule(name="b", kind="pattern", terms=r"(a)\1", scopes=["posts"], explanation="x")
    with pytest.raises(ValidationError):
        backreference.full_clean()


def test_pattern_matching_empty_text_is_refused():
    with pytest.raises(PatternError):
        compile_rule(kind="pattern", terms="a*", whole_word=False)


def test_huge_pattern_is_refused_not_compiled():
    with pytest.raises(PatternError):
        compile_rule(kind="pattern", terms="((a{100}){100}){100}", whole_word=False)
    with pytest.raises(PatternError):
        compile_rule(kind="pattern", terms="x" * 3000, whole_word=False)


@pytest.mark.parametrize(
    "pattern",
    [r"(a+)+$", r"(a|aa)+b", r"(\w+\s?)*!$", r"(x+x+)+y", r"^(([a-z])+.)+[A-Z]([a-z])+$"],
)
def test_catastrophic_backtracking_patterns_run_in_linear_time(guidelines, pattern):
    make_rule(kind="pattern", terms=pattern, whole_word=False, action="block")
    text = "a" * 50_000 + "x" * 50_000 + " word" * 1000  # Python's re would never finish on this
    started = time.perf_counter()
    services.screen_text(text=text, scope="posts")
    assert time.perf_counter() - started < 2.0


# --- Guidelines -----------------------------------------------------------------------------


def test_publish_numbers_versions_and_audits(guidelines):
    assert guidelines.number == "1.0"
    minor = publish(change="minor", summary="Typos.")
    major = publish(change="major", summary="New section.")
    assert (minor.number, major.number) == ("1.1", "2.0")
    assert [s["key"] for s in guidelines.sections] == [
        "be-respectful",
        "protect-confidential-and-customer-data",
        "keep-language-professional",
    ]
    assert '<h2 id="be-respectful">' in guidelines.body_html
    entries = AuditEntry.objects.filter(
        action="guidelines.publish", target_id__in=[str(v.pk) for v in (guidelines, minor, major)]
    ).order_by("created_at", "id")
    assert [e.new_value["version"] for e in entries] == ["1.0", "1.1", "2.0"]


def test_published_version_is_frozen(guidelines):
    with pytest.raises(ValidationError):
        services.guideline_save_draft(version=guidelines)
    with pytest.raises(ValidationError):
        services.guideline_publish(version=guidelines, actor=None)


def test_guideline_body_cannot_inject_markup(guidelines):
    version = publish(body="## <img src=x onerror=alert(1)> Title\n\n<script>alert(1)</script>")
    import re

    assert "<script" not in version.body_html
    assert "<img" not in version.body_html
    assert re.findall(r'<h2 id="([^"]*)"', version.body_html) == [version.sections[0]["key"]]
    assert re.fullmatch(r"[a-z0-9-]+", version.sections[0]["key"])


def test_acceptance_major_and_minor(guidelines):
    person = UserFactory(accepted_guidelines=False)
    assert write_state(person).must_accept
    services.guidelines_accept(user=person)
    services.guidelines_accept(user=person)  # idempotent
    assert write_state(person).blocked_code is None
    publish(change="minor")
    state = write_state(person)
    assert not state.must_accept
    assert state.has_minor_update
    services.guidelines_accept(user=person)
    assert not write_state(person).has_minor_update
    publish(change="major")
    assert write_state(person).must_accept


# --- Reports --------------------------------------------------------------------------------


def test_reports_on_one_item_are_gathered(guidelines):
    group = make_group()
    reporters = [UserFactory() for _ in range(3)]
    for reporter in reporters:
        services.report_create(reporter=reporter, target=group, section="be-respectful", note="rude")
    item = ModerationItem.objects.get()
    assert item.open_report_count == 3
    assert item.is_open
    assert Report.objects.filter(item=item).count() == 3


def test_one_open_report_per_person_per_item(guidelines, moderator):
    group = make_group()
    reporter = UserFactory()
    services.report_create(reporter=reporter, target=group, section="be-respectful")
    with pytest.raises(services.AlreadyReported):
        services.report_create(reporter=reporter, target=group, section="other")
    assert ModerationItem.objects.get().open_report_count == 1
    item = ModerationItem.objects.get()
    services.item_dismiss(item=item, moderator=moderator, reason="fine")
    services.report_create(reporter=reporter, target=group, section="be-respectful")  # a new open one
    item.refresh_from_db()
    assert (item.open_report_count, item.is_open) == (1, True)


def test_report_needs_a_known_section(guidelines):
    with pytest.raises(ValidationError):
        services.report_create(reporter=UserFactory(), target=make_group(), section="nonsense")


def test_reports_are_rate_limited(guidelines, monkeypatch):
    monkeypatch.setattr(services, "REPORT_RATE_LIMIT", (2, 3600))
    reporter = UserFactory()
    services.report_create(reporter=reporter, target=make_group(), section="other")
    services.report_create(reporter=reporter, target=make_group(), section="other")
    with pytest.raises(ValidationError):
        services.report_create(reporter=reporter, target=make_group(), section="other")


# --- Actions ------------------------------------------------------------------------------


def _reported_group(**kwargs):
    group = make_group(**kwargs)
    services.report_create(reporter=UserFactory(), target=group, section="be-respectful")
    return group, ModerationItem.objects.get(object_id=group.pk)


def test_every_action_needs_a_reason(moderator):
    _group, item = _reported_group()
    for action in (services.item_dismiss, services.item_hide, services.item_restore, services.item_approve):
        with pytest.raises(ValidationError):
            action(item=item, moderator=moderator, reason="  ")
    with pytest.raises(ValidationError):
        services.person_suspend(person=item.author, moderator=moderator, days=3, reason="")


def test_hide_notifies_the_author_with_reason_and_section(moderator):
    group, item = _reported_group()
    decision = services.item_hide(
        item=item, moderator=moderator, reason="Insulting name", section="be-respectful"
    )
    item.refresh_from_db()
    assert (item.state, item.is_open, item.open_report_count) == ("hidden", False, 0)
    assert not Report.objects.filter(status="open").exists()
    notification = Notification.objects.get(recipient=group.creator)
    assert notification.kind == "moderation_decision"
    assert notification.excerpt == "Insulting name"
    assert notification.data["section"] == "be-respectful"
    assert notification.target_id == decision.pk
    entry = AuditEntry.objects.get(action="moderation.hide")
    assert (entry.old_value, entry.new_value["state"], entry.reason) == (
        {"state": "visible"},
        "hidden",
        "Insulting name",
    )


def test_restore_and_approve(moderator):
    _group, item = _reported_group()
    services.item_hide(item=item, moderator=moderator, reason="r")
    services.item_restore(item=item, moderator=moderator, reason="on reflection fine")
    item.refresh_from_db()
    assert item.state == "visible"
    with pytest.raises(ValidationError):
        services.item_approve(item=item, moderator=moderator, reason="not held")


def test_moderator_cannot_act_on_own_content(moderator):
    group = make_group(owner=moderator)
    services.report_create(reporter=UserFactory(), target=group, section="other")
    item = ModerationItem.objects.get()
    with pytest.raises(PermissionDenied):
        services.item_hide(item=item, moderator=moderator, reason="x")
    with pytest.raises(PermissionDenied):
        services.person_suspend(person=moderator, moderator=moderator, days=1, reason="x")


def test_non_moderator_cannot_act(guidelines):
    _group, item = _reported_group()
    staff = UserFactory(is_staff=True, is_superuser=True)
    with pytest.raises(PermissionDenied):
        services.item_hide(item=item, moderator=staff, reason="x")


def test_warn_and_suspend_and_lift(moderator):
    person = UserFactory()
    services.person_warn(person=person, moderator=moderator, reason="Tone", section="be-respectful")
    suspension = services.person_suspend(
        person=person, moderator=moderator, days=3, reason="Repeated insults"
    )
    assert is_suspended(person)
    assert write_state(person).blocked_code == "suspended"
    with pytest.raises(ValidationError):
        services.person_suspend(person=person, moderator=moderator, days=0, reason="x")
    services.suspension_lift(suspension=suspension, moderator=moderator, reason="Apologised")
    assert not is_suspended(person)
    assert list(
        Decision.objects.filter(subject=person).order_by("created_at", "id").values_list("action", flat=True)
    ) == ["warn", "suspend", "lift"]
    assert Notification.objects.filter(recipient=person, kind="moderation_decision").count() == 3


# --- Appeals ------------------------------------------------------------------------------


def test_appeal_once_and_decided_by_another_moderator(moderator, moderator2):
    group, item = _reported_group()
    decision = services.item_hide(item=item, moderator=moderator, reason="r", section="be-respectful")
    appeal = services.appeal_create(decision=decision, appellant=group.creator, note="It was a joke")
    with pytest.raises(ValidationError):
        services.appeal_create(decision=decision, appellant=group.creator, note="again")
    with pytest.raises(PermissionDenied):
        services.appeal_decide(appeal=appeal, moderator=moderator, overturn=True, reason="mine")
    services.appeal_decide(appeal=appeal, moderator=moderator2, overturn=True, reason="Fair enough")
    appeal.refresh_from_db()
    item.refresh_from_db()
    assert appeal.status == Appeal.Status.OVERTURNED
    assert item.state == "visible"
    assert AuditEntry.objects.filter(action="appeal.overturn", actor=moderator2).exists()


def test_only_the_subject_appeals_and_only_hide_or_suspend(moderator):
    group, item = _reported_group()
    dismissal = services.item_dismiss(item=item, moderator=moderator, reason="ok")
    with pytest.raises(ValidationError):
        services.appeal_create(decision=dismissal, appellant=group.creator, note="n")
    _group2, item2 = _reported_group()
    hide = services.item_hide(item=item2, moderator=moderator, reason="r")
    with pytest.raises(ValidationError):
        services.appeal_create(decision=hide, appellant=UserFactory(), note="not mine")


def test_overturned_suspension_is_lifted_and_upheld_one_is_not(moderator, moderator2):
    person = UserFactory()
    suspension = services.person_suspend(person=person, moderator=moderator, days=7, reason="r")
    appeal = services.appeal_create(decision=suspension.decision, appellant=person, note="please")
    services.appeal_decide(appeal=appeal, moderator=moderator2, overturn=False, reason="Stands")
    assert is_suspended(person)
    other = UserFactory()
    suspension2 = services.person_suspend(person=other, moderator=moderator, days=7, reason="r")
    appeal2 = services.appeal_create(decision=suspension2.decision, appellant=other, note="please")
    services.appeal_decide(appeal=appeal2, moderator=moderator2, overturn=True, reason="Too harsh")
    assert not is_suspended(other)


# --- Audit log ----------------------------------------------------------------------------


def test_audit_log_is_append_only(guidelines):
    entry = services.record_audit(actor=None, action="policy.change", old={"a": 1}, new={"a": 2}, reason="r")
    entry.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.bulk_update([entry], ["reason"])
    assert AuditEntry.objects.get(pk=entry.pk).reason == "r"


def test_rule_changes_are_audited_with_old_and_new_values(guidelines):
    admin = UserFactory(is_staff=True, is_superuser=True)
    rule = make_rule(terms="one")
    rule.terms = "one\ntwo"
    services.rule_save(rule=rule, actor=admin, reason="more words")
    entry = AuditEntry.objects.get(action="rule.change")
    assert entry.old_value == {"terms": "one"}
    assert entry.new_value == {"terms": "one\ntwo"}
    assert (entry.actor, entry.reason) == (admin, "more words")


# --- Demo data ------------------------------------------------------------------------------


def test_demo_seeds_a_queue_and_acceptances_idempotently(guidelines):
    from django.core.management import call_command

    from moderation.selectors import people_not_accepted

    call_command("seed_demo", quiet_logins=True)
    counts = (ModerationItem.objects.count(), Report.objects.count(), Decision.objects.count())
    call_command("seed_demo", quiet_logins=True)
    assert (ModerationItem.objects.count(), Report.objects.count(), Decision.objects.count()) == counts
    assert not people_not_accepted().exists()
    assert ModerationItem.objects.filter(state="held", is_open=True).exists()
    assert ModerationItem.objects.filter(open_report_count__gte=3).exists()


def test_enabled_rules_cache_follows_rule_changes():
    text = "the zebra-word here"
    assert services.screen_text(text=text, scope="chat").action == "allow"  # the empty list cached
    rule = services.rule_save(
        rule=Rule(
            name="z", kind="words", terms="zebra-word", scopes=["chat"], action="block", explanation="."
        ),
        actor=None,
    )
    assert services.screen_text(text=text, scope="chat").is_blocked
    rule.is_enabled = False
    services.rule_save(rule=rule, actor=None)
    assert services.screen_text(text=text, scope="chat").action == "allow"
    rule.is_enabled = True
    services.rule_save(rule=rule, actor=None)
    services.rule_delete(rule=rule, actor=None)
    assert services.screen_text(text=text, scope="chat").action == "allow"


def test_enabled_rules_cache_follows_plain_model_saves_and_deletes():
    """Admin forms, shells and fixtures write rules with save()/delete(), not the services."""
    text = "the zebra-word here"
    assert services.screen_text(text=text, scope="chat").action == "allow"  # the empty list cached
    rule = Rule.objects.create(
        name="z", kind="words", terms="zebra-word", scopes=["chat"], action="block", explanation="."
    )
    assert services.screen_text(text=text, scope="chat").is_blocked
    rule.action = "warn"
    rule.save()
    assert services.screen_text(text=text, scope="chat").action == "warn"
    rule.delete()
    assert services.screen_text(text=text, scope="chat").action == "allow"


def test_demo_reports_only_the_post_and_comment_it_wrote_itself(guidelines):
    from django.core.management import call_command

    from feed.models import Comment, Post
    from feed.services import comment_create, post_create
    from moderation.demo import REPORTED_COMMENT, REPORTED_POST

    call_command("seed_demo", quiet_logins=True)
    # A reused stack: real people posted and commented after the first seeding.
    someone = UserFactory(display_name="Real Person")
    real_post = post_create(author=someone, body="My real test post")
    real_comment = comment_create(post=real_post, author=someone, body="My real test comment")
    call_command("seed_demo", quiet_logins=True)
    for real in (real_post, real_comment):
        assert not ModerationItem.objects.filter(
            object_id=real.pk, content_type__model=real._meta.model_name
        ).exists()
    post = Post.objects.get(body=REPORTED_POST)
    comment = Comment.objects.get(body=REPORTED_COMMENT)
    for target in (post, comment):
        item = ModerationItem.objects.get(object_id=target.pk, content_type__model=target._meta.model_name)
        assert item.reports.count() == 1


def test_migration_turns_stored_markdown_excerpts_into_plain_text(guidelines):
    import importlib

    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    migration = importlib.import_module("moderation.migrations.0003_excerpts_as_plain_text")
    person = UserFactory()
    content_type = ContentType.objects.get_for_model(person)
    old = ModerationItem.objects.create(
        content_type=content_type,
        object_id=person.pk,
        scope="profiles",
        excerpt="I love **Python** &amp; `code`",
    )
    migration.excerpts_to_plain_text(apps, None)
    old.refresh_from_db()
    assert old.excerpt == "I love Python & code"


# --- The write gate's cached state (moderation.selectors.write_state) ----------------------------
def test_write_state_cached_answers_without_a_query_and_follows_each_change(
    guidelines, django_assert_num_queries
):
    person = UserFactory()
    moderator = make_moderator()
    assert write_state(person).blocked_code is None  # read once, cached
    with django_assert_num_queries(0):
        assert write_state(person).blocked_code is None
    suspension = services.person_suspend(person=person, moderator=moderator, days=1, reason="Spam")
    assert write_state(person).blocked_code == "suspended"
    services.suspension_lift(suspension=suspension, moderator=moderator, reason="ok")
    assert write_state(person).blocked_code is None
    publish(summary="Second version.")  # a new major version: must accept again
    assert write_state(person).blocked_code == "guidelines_not_accepted"
    services.guidelines_accept(user=person)
    assert write_state(person).blocked_code is None


def test_write_state_cached_until_the_moment_it_changes_by_itself(guidelines, monkeypatch):
    """A suspension that starts later (or ends) changes the state with no write to invalidate it."""
    person = UserFactory()
    suspension = services.person_suspend(person=person, moderator=make_moderator(), days=1, reason="Spam")
    now = timezone.now()
    Suspension.objects.filter(pk=suspension.pk).update(starts_at=now + timedelta(hours=1))
    forget_write_state(person.pk)  # the update above bypassed the model's save()
    assert write_state(person).blocked_code is None  # cached, but only until it starts
    monkeypatch.setattr("moderation.selectors.timezone.now", lambda: now + timedelta(hours=1, seconds=1))
    assert write_state(person).blocked_code == "suspended"  # cached, but only until it ends
    monkeypatch.setattr("moderation.selectors.timezone.now", lambda: now + timedelta(days=2))
    assert write_state(person).blocked_code is None


def test_write_state_cache_ignores_a_state_read_before_a_change_committed(guidelines):
    """A reader that cached the old state while a change was committing does not win: the
    change renews the person's token after the commit, so that entry is never used."""
    person = UserFactory()
    assert write_state(person).blocked_code is None
    state_key, _token_key = _write_state_keys(person.pk)
    stale = cache.get(state_key)
    suspension = services.person_suspend(person=person, moderator=make_moderator(), days=1, reason="Spam")
    cache.set(state_key, stale, 300)  # the slow reader stores what it read before the commit
    assert write_state(person).blocked_code == "suspended"
    assert suspension.is_active


def test_write_state_cache_survives_losing_the_token(guidelines):
    """Were the person's token evicted from the cache after a change, the state cached before
    the change must not become valid again: the change dropped that state too."""
    person = UserFactory()
    token_key = _write_state_keys(person.pk)[1]
    cache.delete(token_key)  # no token (never set, or evicted)
    assert write_state(person).blocked_code is None  # cached under no token
    services.person_suspend(person=person, moderator=make_moderator(), days=1, reason="Spam")
    cache.delete(token_key)  # the new token is evicted too
    assert write_state(person).blocked_code == "suspended"
