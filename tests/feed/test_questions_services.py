"""Questions: creating, answering, voting, accepting, expert routing and escalation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group as AuthGroup
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from feed.models import Post
from feed.questions.experts import rank_experts
from feed.questions.models import ExpertRequest, Question
from feed.questions.services import (
    answer_accept,
    answer_create,
    answer_delete,
    answer_unvote,
    answer_vote,
    question_create,
)
from groups.models import Membership
from notifications.models import Notification, NotificationPreference
from profiles.models import MODERATORS_GROUP
from tests.factories import UserFactory, make_person
from tests.feed.conftest import make_group

pytestmark = pytest.mark.django_db


def ask(author, title="How do I deploy the payroll service?", tags="payroll", **kwargs) -> Post:
    return question_create(
        author=author, title=title, body=kwargs.pop("body", "Details."), tags=tags, **kwargs
    )


def requested(post) -> set[int]:
    return set(
        Notification.objects.filter(kind="expert_request", target_id=post.pk).values_list(
            "recipient_id", flat=True
        )
    )


def test_question_create_keeps_title_tags_and_stats_row():
    post = ask(UserFactory(), tags="Payroll,  python  , #payroll", body="See #deploy")
    assert post.kind == Post.Kind.QUESTION
    assert post.title.startswith("How do I")
    assert sorted(post.tags.values_list("key", flat=True)) == ["deploy", "payroll", "python"]
    assert Question.objects.get(pk=post.pk).answer_count == 0
    assert post.get_absolute_url() == f"/questions/{post.pk}/"


def test_question_create_refuses_bad_input_with_field_errors():
    with pytest.raises(ValidationError) as exc:
        question_create(author=UserFactory(), title="short", body="  ", tags="a,b,c,d,e,f")
    assert set(exc.value.message_dict) == {"title", "body", "tags"}
    assert not Post.objects.exists()


def test_question_create_same_key_creates_one():
    import uuid

    author, key = UserFactory(), uuid.uuid4()
    assert ask(author, idempotency_key=key).pk == ask(author, idempotency_key=key).pk
    assert Post.objects.count() == 1


def test_feed_composer_cannot_create_a_question_kind():
    from feed.services import post_create

    with pytest.raises(ValidationError):
        post_create(author=UserFactory(), body="x", kind=Post.Kind.QUESTION)


# Answers and votes ---------------------------------------------------------------------------
def test_answer_create_notifies_asker_and_records_time_to_first_answer():
    asker, helper = UserFactory(), UserFactory()
    post = ask(asker)
    answer = answer_create(question_post=post, author=helper, body="Use **make deploy**")
    question = Question.objects.get(pk=post.pk)
    assert "<strong>make deploy</strong>" in answer.body_html
    assert question.answer_count == 1
    assert question.first_answer_at == answer.created_at
    assert question.time_to_first_answer == answer.created_at - post.created_at
    assert Notification.objects.filter(recipient=asker, kind="answer", target_id=post.pk).exists()


def test_answer_create_refused_outside_a_private_group():
    member, outsider = UserFactory(), UserFactory()
    post = ask(member, group=make_group("private", member))
    with pytest.raises(PermissionDenied):
        answer_create(question_post=post, author=outsider, body="hi")


def test_answer_vote_once_per_person_and_undo():
    asker, helper, voter = UserFactory(), UserFactory(), UserFactory()
    answer = answer_create(question_post=ask(asker), author=helper, body="yes")
    answer_vote(answer=answer, user=voter)
    answer_vote(answer=answer, user=voter)
    answer_vote(answer=answer, user=asker)
    answer.refresh_from_db()
    assert answer.vote_count == 2
    assert Question.objects.get(pk=answer.question_id).vote_count == 2
    answer_unvote(answer=answer, user=voter)
    answer_unvote(answer=answer, user=voter)
    answer.refresh_from_db()
    assert answer.vote_count == 1


def test_answer_vote_refused_on_own_answer():
    helper = UserFactory()
    answer = answer_create(question_post=ask(UserFactory()), author=helper, body="mine")
    with pytest.raises(PermissionDenied):
        answer_vote(answer=answer, user=helper)
    answer.refresh_from_db()
    assert answer.vote_count == 0


# Accepting -----------------------------------------------------------------------------------
def test_answer_accept_by_asker_then_change_keeps_first_acceptance_time():
    asker, a, b = UserFactory(), UserFactory(), UserFactory()
    post = ask(asker)
    first = answer_create(question_post=post, author=a, body="one")
    second = answer_create(question_post=post, author=b, body="two")
    answer_accept(answer=first, actor=asker)
    question = Question.objects.get(pk=post.pk)
    accepted_at = question.accepted_at
    assert question.accepted_answer_id == first.pk
    assert question.time_to_accepted_answer is not None
    answer_accept(answer=second, actor=asker)
    question.refresh_from_db()
    assert question.accepted_answer_id == second.pk
    assert question.accepted_at == accepted_at
    assert Notification.objects.filter(recipient=a, kind="answer_accepted").exists()
    assert Notification.objects.filter(recipient=b, kind="answer_accepted").exists()


def test_answer_accept_refused_for_others_allowed_for_moderator():
    asker, helper, other = UserFactory(), UserFactory(), UserFactory()
    moderator = UserFactory()
    moderator.groups.add(AuthGroup.objects.get_or_create(name=MODERATORS_GROUP)[0])
    answer = answer_create(question_post=ask(asker), author=helper, body="one")
    for person in (other, helper):
        with pytest.raises(PermissionDenied):
            answer_accept(answer=answer, actor=person)
    assert Question.objects.get(pk=answer.question_id).accepted_answer_id is None
    answer_accept(answer=answer, actor=moderator)
    assert Question.objects.get(pk=answer.question_id).accepted_answer_id == answer.pk


def test_answer_delete_drops_the_accepted_mark_and_count():
    asker, helper = UserFactory(), UserFactory()
    answer = answer_create(question_post=ask(asker), author=helper, body="one")
    answer_accept(answer=answer, actor=asker)
    answer_delete(answer=answer, actor=helper)
    question = Question.objects.get(pk=answer.question_id)
    assert question.accepted_answer_id is None
    assert question.answer_count == 0


# Experts -------------------------------------------------------------------------------------
def test_experts_ranked_by_accepted_answers_then_skill_match():
    asker = UserFactory()
    both = make_person(display_name="Bea Both", skills=["Payroll"], ask_me_about=["Tax"])
    one = make_person(display_name="Al One", skills=["payroll"])
    proven = make_person(display_name="Zed Proven", ask_me_about=["PAYROLL"])
    old = ask(asker, title="Where do payroll exports go?", tags="payroll")
    answer_accept(answer=answer_create(question_post=old, author=proven, body="there"), actor=asker)
    post = ask(asker, title="Payroll tax question for March", tags="payroll, tax")
    ranked = rank_experts(post, viewer=asker, limit=None)
    assert [e.user.pk for e in ranked] == [proven.pk, both.pk, one.pk]
    assert ranked[0].accepted_answers == 1
    assert ranked[1].matched == ["Payroll", "Tax"]
    assert requested(post) == {proven.pk, both.pk, one.pk}


def test_experts_exclude_asker_deactivated_opted_out_and_those_who_cannot_see():
    asker = make_person(skills=["Payroll"])
    gone = make_person(skills=["Payroll"])
    gone.is_active = False
    gone.save()
    opted_out = make_person(skills=["Payroll"])
    NotificationPreference.objects.create(user=opted_out, kind="expert_request", delivery="off")
    outsider = make_person(skills=["Payroll"])
    member = make_person(skills=["Payroll"])
    group = make_group("secret", asker, member)
    post = ask(asker, group=group)
    assert [e.user.pk for e in rank_experts(post, viewer=asker)] == [member.pk]
    assert requested(post) == {member.pk}
    assert outsider.pk not in requested(post)


def test_experts_notified_at_most_five():
    asker = UserFactory()
    for _ in range(7):
        make_person(skills=["Payroll"])
    post = ask(asker)
    assert len(requested(post)) == 5
    assert ExpertRequest.objects.filter(question_id=post.pk).count() == 5


# Escalation ----------------------------------------------------------------------------------
def test_route_questions_escalates_once_to_next_experts_and_group_admins(set_site_policy):
    set_site_policy(question_escalation_hours=24)
    asker = UserFactory()
    experts = [make_person(display_name=f"Expert {i}", skills=["Payroll"]) for i in range(7)]
    admin = UserFactory()
    group = make_group("open", asker)
    Membership.objects.create(group=group, user=admin, role=Membership.Role.ADMIN)
    post = ask(asker, group=group)
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - timedelta(hours=25))
    fresh = ask(asker, title="A fresh payroll question today")
    first_round = requested(post)
    assert len(first_round) == 5

    call_command("route_questions", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = requested(post)
    assert after - first_round == {experts[5].pk, experts[6].pk, admin.pk}
    assert Question.objects.get(pk=post.pk).escalated_at is not None
    assert Question.objects.get(pk=fresh.pk).escalated_at is None

    count = Notification.objects.filter(kind="expert_request").count()
    call_command("route_questions", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Notification.objects.filter(kind="expert_request").count() == count


def test_route_questions_skips_answered_questions_and_respects_policy(set_site_policy):
    set_site_policy(question_escalation_hours=24)
    asker = UserFactory()
    post = ask(asker)
    answer_create(question_post=post, author=UserFactory(), body="done")
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - timedelta(hours=48))
    call_command("route_questions", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Question.objects.get(pk=post.pk).escalated_at is None

    other = ask(asker, title="Another payroll question here")
    Post.objects.filter(pk=other.pk).update(created_at=timezone.now() - timedelta(hours=30))
    set_site_policy(question_escalation_hours=48)
    call_command("route_questions", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Question.objects.get(pk=other.pk).escalated_at is None
