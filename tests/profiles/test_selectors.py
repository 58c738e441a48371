import pytest

from profiles.models import Skill, User
from profiles.selectors import (
    DirectoryFilters,
    direct_reports,
    follower_ids,
    manager_chain,
    manager_chain_ids,
    people_search,
    people_with_skill,
    skill_suggestions,
)
from profiles.services import endorsement_create, follow_create
from tests.factories import UserFactory, make_person

pytestmark = pytest.mark.django_db


def _names(qs):
    return [p.display_name for p in qs]


# --- Ranking --------------------------------------------------------------------------------
def test_search_ranks_exact_name_then_exact_skill_before_partial_matches(user):
    partial_title = make_person(display_name="Alex Title", title="Pythonista")
    partial_skill = make_person(display_name="Bo Partial", skills=["Python packaging"])
    exact_skill = make_person(display_name="Cy Exact", skills=["python"])
    topic = make_person(display_name="Di Topic", ask_me_about=["Python"])
    exact_name = make_person(display_name="Python")
    make_person(display_name="Unrelated", skills=["Go"])

    results = _names(people_search(user, DirectoryFilters(query="PYTHON")))

    assert results[0] == exact_name.display_name
    assert results[1] == exact_skill.display_name
    assert results[2] == topic.display_name
    assert results[3:] == [partial_skill.display_name, partial_title.display_name]
    assert "Unrelated" not in results


def test_search_ranks_name_prefix_above_name_contains(user):
    make_person(display_name="Marian Kowalski")
    make_person(display_name="Anna Maria")
    make_person(display_name="Maria Lopez")
    assert _names(people_search(user, DirectoryFilters(query="maria"))) == [
        "Maria Lopez",
        "Marian Kowalski",
        "Anna Maria",
    ]


def test_search_needs_every_word_to_match_somewhere(user):
    make_person(display_name="Ana Silva", department="Engineering", skills=["Kubernetes"])
    make_person(display_name="Ana Costa", department="Sales")
    assert _names(people_search(user, DirectoryFilters(query="ana engineering"))) == ["Ana Silva"]
    assert _names(people_search(user, DirectoryFilters(query="kubernetes ana"))) == ["Ana Silva"]


def test_search_finds_department_location_topic_and_email(user):
    person = make_person(
        display_name="Jo Finder",
        department="Finance",
        location="Singapore",
        ask_me_about=["Expenses"],
        email="jo.finder@example.com",
    )
    for query in ("finance", "singapore", "expenses", "jo.finder"):
        assert person in people_search(user, DirectoryFilters(query=query)), query


def test_search_filters_by_department_location_and_skill(user):
    a = make_person(display_name="A", department="Ops", location="Berlin", skills=["Go"])
    make_person(display_name="B", department="Ops", location="London", skills=["Go"])
    make_person(display_name="C", department="Sales", location="Berlin", skills=["Go"])
    d = make_person(display_name="D", department="Ops", location="Berlin", ask_me_about=["Go"])
    go = Skill.objects.get(name="Go")
    filters = DirectoryFilters(department_id=a.department_id, location="berlin", skill_slug=go.slug)
    assert _names(people_search(user, filters)) == ["A", "D"]
    assert d in people_search(user, DirectoryFilters(skill_slug=go.slug))


def test_search_hides_former_employees_and_answers_nothing_to_inactive_viewers(user):
    make_person(display_name="Still Here")
    make_person(display_name="Gone Person", is_active=False)
    assert _names(people_search(user, DirectoryFilters(query="here"))) == ["Still Here"]
    assert not people_search(user, DirectoryFilters(query="gone")).exists()
    user.is_active = False
    assert not people_search(user, DirectoryFilters()).exists()


def test_search_orders_unranked_results_by_name(user):
    for name in ("zed", "Amy", "bob"):
        make_person(display_name=name)
    names = _names(people_search(user, DirectoryFilters()))
    assert names.index("Amy") < names.index("bob") < names.index("zed")


# --- Org chart ------------------------------------------------------------------------------
def test_manager_chain_runs_from_the_top_down(user, django_assert_num_queries):
    ceo = UserFactory(display_name="CEO")
    vp = UserFactory(display_name="VP", manager=ceo)
    lead = UserFactory(display_name="Lead", manager=vp)
    dev = UserFactory(display_name="Dev", manager=lead)
    with django_assert_num_queries(3):  # recursive ids, order, users: whatever the depth
        assert manager_chain(dev) == [ceo, vp, lead]
    assert manager_chain(ceo) == []
    assert manager_chain_ids(dev.pk) == [dev.pk, lead.pk, vp.pk, ceo.pk]


def test_manager_chain_stops_on_a_loop_that_slipped_into_the_data():
    a = UserFactory()
    b = UserFactory(manager=a)
    User.objects.filter(pk=a.pk).update(manager=b)  # bypasses the checks on purpose
    assert manager_chain_ids(a.pk) == [a.pk, b.pk]


def test_direct_reports_count_their_own_active_reports(user):
    boss = UserFactory()
    lead = UserFactory(manager=boss, display_name="Lead")
    UserFactory(manager=boss, display_name="Solo")
    UserFactory(manager=boss, display_name="Left", is_active=False)
    UserFactory(manager=lead)
    UserFactory(manager=lead)
    UserFactory(manager=lead, is_active=False)
    reports = list(direct_reports(user, boss))
    assert [(r.display_name, r.report_count) for r in reports] == [("Lead", 2), ("Solo", 0)]


# --- Skills and follows ---------------------------------------------------------------------
def test_people_with_skill_puts_the_most_endorsed_first(user):
    few = make_person(display_name="Aaron Few", skills=["Kafka"])
    many = make_person(display_name="Zoe Many", skills=["Kafka"])
    make_person(display_name="Left", skills=["Kafka"], is_active=False)
    kafka = Skill.objects.get(name="Kafka")
    for endorser in UserFactory.create_batch(3):
        endorsement_create(endorser=endorser, person=many, skill=kafka)
    endorsement_create(endorser=user, person=few, skill=kafka)
    results = list(people_with_skill(user, kafka))
    assert [(p.display_name, p.endorsement_count) for p in results] == [("Zoe Many", 3), ("Aaron Few", 1)]


def test_skill_suggestions_prefer_prefix_then_usage_and_skip_listed_ones():
    make_person(skills=["Data engineering", "Django"])
    make_person(skills=["Django"])
    make_person(skills=["Big data"])
    names = [s.name for s in skill_suggestions("d")]
    assert names[:2] == ["Django", "Data engineering"]
    assert "Big data" in [s.name for s in skill_suggestions("data")]
    assert [s.name for s in skill_suggestions("dj", exclude={"django"})] == []


def test_follower_ids_leave_out_former_employees(user, other_user):
    gone = UserFactory()
    follow_create(follower=other_user, followed=user)
    follow_create(follower=gone, followed=user)
    gone.is_active = False
    gone.save()
    assert list(User.objects.filter(pk__in=follower_ids(user.pk)).values_list("pk", flat=True)) == [
        other_user.pk
    ]
