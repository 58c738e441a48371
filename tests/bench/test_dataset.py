"""The benchmark's code cannot rot: the bulk generator, the query counter, the bench-only doors
and the results schema run here at tiny sizes (the real run is `make bench`)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bench import queries
from bench.dataset import DatasetSize, build
from bench.results import FIGURE_KEYS, TARGETS, evaluate_targets, validate
from feed.models import Comment, Post, Reaction
from groups.models import Membership
from messaging.models import Conversation
from profiles.models import Follow

TINY = DatasetSize(
    users=40, groups=4, posts=30, viewer_follows=5, viewer_groups=2, popular_followers=12, quiet_followers=2
)


@pytest.mark.django_db
def test_dataset_build_makes_the_people_and_rows_the_benchmark_measures():
    people = build(TINY, stdout=io.StringIO())

    assert Post.objects.exclude(kind=Post.Kind.QUESTION).count() == 30
    assert Post.objects.get(pk=people.question).question.answers.count() == TINY.answers_on_one_question
    assert Comment.objects.count() == 30 * TINY.comments_per_post
    assert Reaction.objects.count() == 30 * TINY.reactions_per_post
    assert Follow.objects.filter(follower_id=people.viewer).count() == 5
    assert Membership.objects.filter(user_id=people.viewer).count() == 2
    assert Follow.objects.filter(followed_id=people.popular_author).count() == 12
    assert Follow.objects.filter(followed_id=people.quiet_author).count() == 2
    assert set(people.chats) == {"10", "100", "500"}
    assert Conversation.objects.get(pk=people.chats["10"]).participants.count() == 10
    post = Post.objects.get(pk=people.post)
    assert post.body_html.startswith("<p>")
    assert post.reaction_counts


@pytest.mark.django_db
def test_queries_count_answers_every_page_with_a_number_or_na():
    people = build(TINY, stdout=io.StringIO())

    counts = queries.count(json.loads(json.dumps(people.__dict__)))

    assert set(counts) == set(queries.pages(people.__dict__))
    for page, value in counts.items():
        if queries.pages(people.__dict__)[page] is None:
            assert value == queries.NOT_MERGED
        else:
            assert isinstance(value, int), (page, value)
            assert value > 0, (page, value)


def test_results_validate_refuses_a_missing_figure_and_targets_evaluate():
    figures = dict.fromkeys(FIGURE_KEYS, 1)
    document = {
        "schema": 1,
        "command": "make bench",
        "generated_at": "now",
        "machine": dict.fromkeys(
            ("cpu_model", "cores", "ram_gb", "python", "django", "postgresql", "redis", "nginx", "wrk"), "x"
        ),
        "config": {},
        "figures": figures,
        "targets": evaluate_targets(figures),
    }
    validate(document)
    assert len(document["targets"]) == len(TARGETS)
    del figures["write.ratio"]
    with pytest.raises(ValueError, match=r"figures\.write\.ratio"):
        validate(document)


def test_bench_readme_documents_every_figure_key():
    readme = (Path(__file__).resolve().parents[2] / "bench" / "README.md").read_text()
    undocumented = [
        key
        for key in FIGURE_KEYS
        if f"`{key}`" not in readme and not any(f"`{key.rsplit('.', n)[0]}.*`" in readme for n in (1, 2))
    ]
    assert not undocumented


def test_bench_doors_are_not_mounted_without_the_switch(client, user):
    client.force_login(user)
    assert client.get("/bench/ceiling/").status_code == 404
