"""The benchmark's dataset: a fast bulk generator (bulk_create in batches, no per-row signals).

`build(size=DatasetSize(...))` fills an empty, migrated database with a synthetic company:
people, departments, follows, interest groups with members, tags, posts (with comments,
reactions and hashtags), three group chats of 10, 100 and 500 people with a history, and the
named people the benchmark measures as (`BenchPeople`). Markdown is rendered once per distinct
body (a pool of bodies is reused), never once per row; rows go in with `bulk_create` in
batches, so no `post_save` receiver runs and nothing is broadcast. Deterministic for a seed.

Run it as `python -m bench.dataset --posts 1000` against the database in DATABASE_URL (bench/run.py
does that for both sizes); tests/bench/test_dataset.py builds a tiny one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from dataclasses import asdict, dataclass
from datetime import timedelta

FIRST = [
    "Ana",
    "Ben",
    "Carla",
    "Dev",
    "Elif",
    "Femi",
    "Gita",
    "Hugo",
    "Ines",
    "Jon",
    "Kira",
    "Luis",
    "Mara",
    "Nils",
    "Olga",
    "Pia",
    "Quinn",
    "Ravi",
    "Sara",
    "Tom",
    "Uma",
    "Vic",
    "Wen",
    "Xavi",
    "Yara",
    "Zoe",
    "Alex",
    "Bea",
    "Chen",
    "Dana",
    "Emil",
    "Farah",
    "Gus",
    "Hana",
    "Ivo",
    "Jade",
    "Karl",
    "Lena",
    "Milo",
    "Nora",
]
LAST = [
    "Silva",
    "Smith",
    "Jones",
    "Garcia",
    "Kim",
    "Nguyen",
    "Novak",
    "Rossi",
    "Muller",
    "Dubois",
    "Sato",
    "Ivanov",
    "Haddad",
    "Okafor",
    "Berg",
    "Costa",
    "Lopez",
    "Meyer",
    "Brown",
    "Wilson",
    "Taylor",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
]
WORDS = [
    "roadmap",
    "release",
    "customer",
    "launch",
    "quarterly",
    "planning",
    "design",
    "review",
    "onboarding",
    "office",
    "lunch",
    "security",
    "update",
    "metrics",
    "dashboard",
    "sprint",
    "retro",
    "kudos",
    "offsite",
    "hiring",
    "training",
    "budget",
    "workshop",
    "feedback",
    "partner",
    "demo",
    "migration",
    "incident",
    "postmortem",
    "coffee",
    "hackathon",
    "wellbeing",
    "volunteer",
]
TAGS = [f"topic{i}" for i in range(60)]
BATCH = 5_000
CHAT_SIZES = (10, 100, 500)
CHAT_HISTORY = 200


@dataclass(frozen=True)
class DatasetSize:
    users: int = 10_000
    groups: int = 200
    posts: int = 100_000
    comments_per_post: int = 3
    reactions_per_post: int = 3
    viewer_follows: int = 200
    viewer_groups: int = 20
    popular_followers: int = 1_000
    quiet_followers: int = 10
    questions: int = 40  # company-wide, older than every post (the feeds stay as they were)
    answers_on_one_question: int = 30
    seed: int = 12


@dataclass
class BenchPeople:
    """Ids the benchmark measures with (written to the marker file next to the data)."""

    viewer: int
    popular_author: int
    quiet_author: int
    chat_members: list[int]
    chats: dict[str, int]
    post: int
    group_slugs: list[str]
    question: int = 0  # the question with `answers_on_one_question` answers


def _bulk(model, rows: list, batch: int = BATCH) -> list:
    created: list = []
    for start in range(0, len(rows), batch):
        created.extend(model.objects.bulk_create(rows[start : start + batch], batch_size=batch))
    return created


def build(size: DatasetSize, *, stdout=sys.stdout) -> BenchPeople:
    """Fill the (empty, migrated) database in DATABASE_URL. Returns the people to measure as."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from feed.models import Comment, Post, Reaction, ReactionKind, TagFollow
    from feed.questions.models import Answer, Question
    from feed.services import render_rich_text
    from groups.models import Group, Membership
    from messaging.models import Conversation, Message, Participant
    from moderation.models import GuidelineAcceptance, GuidelineVersion
    from profiles.models import Department, Follow, User
    from socialco.markdown import render_markdown
    from socialco.models import SitePolicy

    rng = random.Random(size.seed)
    now = timezone.now()
    started = time.monotonic()

    def say(what: str) -> None:
        stdout.write(f"  dataset: {what} ({time.monotonic() - started:.1f} s)\n")
        stdout.flush()

    with transaction.atomic():
        # Rate limits off: the benchmark sends faster than a person (the limits are measured elsewhere).
        policy = SitePolicy.load()
        policy.rate_limit_posts = ""
        policy.rate_limit_comments = ""
        policy.rate_limit_chat_messages = ""
        policy.save()

        departments = _bulk(Department, [Department(name=f"Department {i}") for i in range(20)])
        password = make_password("socialco-bench")  # hashed once, shared by every row
        users = _bulk(
            User,
            [
                User(
                    email=f"person{i}@bench.example.com",
                    display_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    title=rng.choice(("Engineer", "Designer", "Analyst", "Manager", "Sales lead")),
                    department=departments[i % len(departments)],
                    location=rng.choice(("Lisbon", "Berlin", "Austin", "Pune", "Remote")),
                    password=password,
                    date_joined=now - timedelta(days=rng.randint(1, 2000)),
                )
                for i in range(size.users)
            ],
        )
        ids = [u.pk for u in users]
        viewer, popular, quiet = ids[0], ids[1], ids[2]
        say(f"{len(ids)} people")
        # Everyone accepted the current usage guidelines (else the write gate refuses their posts).
        current = (
            GuidelineVersion.objects.filter(published_at__isnull=False).order_by("-major", "-minor").first()
        )
        if current is not None:
            _bulk(GuidelineAcceptance, [GuidelineAcceptance(user_id=pk, version=current) for pk in ids])

        # Follows: the viewer follows N people; the popular author has many followers, the quiet
        # one few; everyone else follows a handful at random.
        pairs: set[tuple[int, int]] = set()
        for followed in ids[3 : 3 + size.viewer_follows]:
            pairs.add((viewer, followed))
        pool = [i for i in ids if i not in (viewer, popular, quiet)]
        for follower in rng.sample(pool, min(size.popular_followers, len(pool))):
            pairs.add((follower, popular))
        for follower in rng.sample(pool, min(size.quiet_followers, len(pool))):
            pairs.add((follower, quiet))
        for follower in ids[3:]:
            for followed in rng.sample(ids, min(5, len(ids))):
                if followed not in (follower, popular, quiet):
                    pairs.add((follower, followed))
        _bulk(Follow, [Follow(follower_id=a, followed_id=b) for a, b in pairs])
        say(f"{len(pairs)} follows")

        description_html = render_markdown("A group for **benchmarks**: plans, news and questions.")
        groups = _bulk(
            Group,
            [
                Group(
                    name=f"Group {i} {rng.choice(WORDS)}",
                    slug=f"bench-group-{i}",
                    description="A group for **benchmarks**: plans, news and questions.",
                    description_html=description_html,
                    visibility=Group.Visibility.OPEN if i % 4 else Group.Visibility.PRIVATE,
                    creator_id=ids[1 + i % (len(ids) - 1)],  # never the viewer
                )
                for i in range(size.groups)
            ],
        )
        member_pairs: set[tuple[int, int]] = set()
        for group in groups[: size.viewer_groups]:
            member_pairs.add((group.pk, viewer))
        for group in groups:
            member_pairs.add((group.pk, group.creator_id))
            for person in rng.sample(ids[1:], min(50, len(ids) - 1)):  # the viewer: exactly N groups
                member_pairs.add((group.pk, person))
        owners = {g.pk: g.creator_id for g in groups}
        _bulk(
            Membership,
            [
                Membership(group_id=g, user_id=u, role="owner" if owners[g] == u else "member")
                for g, u in member_pairs
            ],
        )
        members_of: dict[int, list[int]] = {}
        for g, u in member_pairs:
            members_of.setdefault(g, []).append(u)
        say(f"{len(groups)} groups, {len(member_pairs)} memberships")

        # Bodies: a pool, each rendered once (hashtags become Tag rows and links).
        bodies = []
        for i in range(200):
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))
            tags = " ".join(f"#{t}" for t in rng.sample(TAGS, rng.randint(0, 3)))
            bodies.append(f"**Update {i}**: {words}. {tags}".strip())
        rendered = [render_rich_text(body, compact=False) for body in bodies]
        comment_bodies = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 20))) for _ in range(100)]
        comment_html = [render_rich_text(body, compact=True).html for body in comment_bodies]
        tag_ids = sorted({tag.pk for r in rendered for tag in r.tags})
        TagFollow.objects.bulk_create(
            [TagFollow(user_id=viewer, tag_id=t) for t in rng.sample(tag_ids, min(5, len(tag_ids)))]
        )

        # Posts, newest spread over a year; a third in groups (posted by a member).
        group_ids = [g.pk for g in groups]
        kinds = ReactionKind.values
        post_rows, post_body, post_reactions = [], [], []
        for n in range(size.posts):
            b = rng.randrange(len(bodies))
            group = rng.choice(group_ids) if n % 3 == 0 else None
            author = rng.choice(members_of[group]) if group else rng.choice(ids)
            reactions = [
                (person, rng.choice(kinds))
                for person in rng.sample(ids, min(size.reactions_per_post, len(ids)))
            ]
            counts: dict[str, int] = {}
            for _person, kind in reactions:
                counts[kind] = counts.get(kind, 0) + 1
            post_rows.append(
                Post(
                    author_id=author,
                    group_id=group,
                    body=bodies[b],
                    body_html=rendered[b].html,
                    created_at=now - timedelta(seconds=rng.randint(60, 365 * 86400)),
                    comment_count=size.comments_per_post,
                    reaction_counts=counts,
                )
            )
            post_body.append(b)
            post_reactions.append(reactions)
        posts = []
        through = Post.tags.through
        for start in range(0, len(post_rows), BATCH):
            chunk = Post.objects.bulk_create(post_rows[start : start + BATCH])
            posts.extend(chunk)
            links, comments, reactions = [], [], []
            for offset, post in enumerate(chunk):
                b = post_body[start + offset]
                links.extend(through(post_id=post.pk, tag_id=tag.pk) for tag in rendered[b].tags)
                for c in range(size.comments_per_post):
                    k = rng.randrange(len(comment_bodies))
                    comments.append(
                        Comment(
                            post_id=post.pk,
                            author_id=rng.choice(ids),
                            body=comment_bodies[k],
                            body_html=comment_html[k],
                            created_at=post.created_at + timedelta(minutes=c + 1),
                        )
                    )
                reactions.extend(
                    Reaction(user_id=person, post_id=post.pk, kind=kind)
                    for person, kind in post_reactions[start + offset]
                )
            through.objects.bulk_create(links, batch_size=BATCH)
            Comment.objects.bulk_create(comments, batch_size=BATCH)
            Reaction.objects.bulk_create(reactions, batch_size=BATCH)
            if start % 20_000 == 0:
                say(f"{start + len(chunk)} posts")
        say(f"{len(posts)} posts with comments, reactions and tags")

        # Questions (one with many answers) for the questions list and a question page.
        question_html = render_rich_text("What did you try? Which **version**?", compact=False).html
        answer_html = render_rich_text("Try the *staging* settings first.", compact=False).html
        question_posts = Post.objects.bulk_create(
            [
                Post(
                    author_id=rng.choice(ids),
                    kind=Post.Kind.QUESTION,
                    title=f"How do we set up project {q}?",
                    body="What did you try? Which **version**?",
                    body_html=question_html,
                    created_at=now - timedelta(days=400, minutes=q),
                )
                for q in range(size.questions)
            ]
        )
        _bulk(Question, [Question(post_id=post.pk) for post in question_posts])
        answers = []
        for q, post in enumerate(question_posts):
            for a in range(size.answers_on_one_question if q == 0 else q % 4):
                answers.append(
                    Answer(
                        question_id=post.pk,
                        author_id=rng.choice(ids),
                        body="Try the *staging* settings first.",
                        body_html=answer_html,
                        created_at=post.created_at + timedelta(minutes=a + 1),
                    )
                )
        _bulk(Answer, answers)
        for post in question_posts:
            count = sum(1 for answer in answers if answer.question_id == post.pk)
            Question.objects.filter(post_id=post.pk).update(answer_count=count)
        say(f"{len(question_posts)} questions, {len(answers)} answers")

        # Group chats of 10, 100 and 500 people (the viewer in each), with a history.
        chats = {}
        chat_members = ids[: max(CHAT_SIZES)]
        for n in CHAT_SIZES:
            members = chat_members[:n]  # fewer in a tiny dataset (the smoke test)
            conversation = Conversation.objects.create(kind=Conversation.Kind.GROUP, name=f"Bench chat {n}")
            _bulk(Participant, [Participant(conversation=conversation, user_id=u) for u in members])
            chats[str(n)] = conversation.pk
        history_html = render_markdown("a **message** in the history", compact=True)
        _bulk(
            Message,
            [
                Message(
                    conversation_id=chats[str(CHAT_SIZES[0])],
                    sender_id=chat_members[i % min(CHAT_SIZES[0], len(chat_members))],
                    client_id=f"bench-history-{i}",
                    body="a **message** in the history",
                    body_html=history_html,
                    created_at=now - timedelta(minutes=CHAT_HISTORY - i),
                )
                for i in range(CHAT_HISTORY)
            ],
        )
        say("chats")

    return BenchPeople(
        viewer=viewer,
        popular_author=popular,
        quiet_author=quiet,
        chat_members=chat_members,
        chats=chats,
        post=posts[0].pk if posts else 0,
        group_slugs=[g.slug for g in groups[: size.viewer_groups]],
        question=question_posts[0].pk if question_posts else 0,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=DatasetSize.users)
    parser.add_argument("--groups", type=int, default=DatasetSize.groups)
    parser.add_argument("--posts", type=int, default=DatasetSize.posts)
    parser.add_argument("--out", help="write the people to measure as (JSON) to this file")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialco.settings")
    import django

    django.setup()
    size = DatasetSize(users=args.users, groups=args.groups, posts=args.posts)
    people = build(size)
    if args.out:
        with open(args.out, "w") as handle:
            json.dump({"size": asdict(size), "people": asdict(people)}, handle)


if __name__ == "__main__":
    main()
