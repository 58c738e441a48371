"""Demo content for the feed: posts, articles, praise, an announcement, comments, reactions.

Built through feed.services and idempotent: every post has a fixed idempotency key, so a
second run finds it instead of creating another, and comments, reactions and
acknowledgements are only added where missing.
"""

from __future__ import annotations

import io
import random
import uuid
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from feed.models import Comment, Post, PraiseBadge, ReactionKind, Tag
from feed.parsing import mention_handle
from feed.services import acknowledgement_create, comment_create, post_create, reaction_set, tag_follow
from groups.models import Group, Membership

NAMESPACE = uuid.UUID("5f1c3f0e-4b8e-4d7a-9a55-0c0f9e1d2b11")

UPDATES = [
    "Shipped the new onboarding checklist today. Thanks {m} for the sharp review! #onboarding #product",
    "Our #postgresql upgrade is done: 14 → 16 with zero downtime. Write-up coming soon. #engineering",
    "Reminder: the quarterly all-hands is on Thursday at 15:00. Bring questions! #allhands",
    "Great customer call with a public sector team today: they love the audit log. #sales #customers",
    "Looking for volunteers to mentor two new joiners in {d}. Reply here or ping {m}. #mentoring",
    "The design system now has dark mode tokens for every component. #design #accessibility",
    "We cut the CI time from 14 to 6 minutes by caching the test database. #engineering #devex",
    "Lunch & learn next week: *Writing docs people actually read*. Who's in? #learning",
    "Thanks to everyone who joined the hackathon. The winning project goes into the roadmap! #hackathon",
    "New hire alert: please welcome {m} to the team! 🎉 #welcome",
    "Our Q3 pipeline review is in the shared drive. Highlights: +18% qualified leads. #sales",
    "Accessibility audit results: 3 blockers left, all with owners. Details in the thread. #accessibility",
    "Does anyone have a good template for post-incident reviews? {m} suggested we standardise. #engineering",
    "Payroll run moved to the 25th this month because of the bank holiday. #finance",
    "The office plants survived the summer thanks to {m}. True hero. 🌿",
    "Trying out **weekly demos** on Fridays: 10 minutes per team, no slides. #culture",
    "Recruiting update: we closed 12 roles this quarter, 5 still open. Referrals welcome! #recruiting",
    "Tip: `git commit --fixup` and `git rebase -i --autosquash` keep history tidy. #engineering #devex",
    "Customer NPS went from 41 to 52 this quarter. Thank you, support team! #customers",
    "Budget season starts Monday. Templates are ready; reach out to {m} for help. #finance #budgeting",
    "Our booth at the regional tech fair had 300+ visitors. Photos below! #events #marketing",
    "Reading list for new managers: *The Manager's Path*, *Radical Candor*, *An Elegant Puzzle*. #learning",
    "The security training deadline is Friday; 87% done so far. #security",
    "A small change with a big effect: search now understands typos. #product #search",
]
COMMENTS = [
    "Congrats, well deserved!",
    "This is great, thanks for sharing.",
    "Can we get a short write-up for the wiki?",
    "Love it 🙌",
    "Count me in!",
    "Super useful, bookmarking this.",
    "Which team owns the follow-up?",
    "Nice work everyone.",
    "Interesting! How did you measure it?",
    "+1, would love to see this in the next all-hands.",
]
REPLIES = ["Good question: I'll share the numbers tomorrow.", "Thanks! Team effort.", "Agreed 👍", "Will do."]
ARTICLES = [
    (
        "What we learned moving to a four-day release cycle",
        "## Why we changed\n\nShipping every two weeks meant big, risky releases. We moved to a "
        "four-day cycle in March.\n\n## What happened\n\n- Incidents per release dropped by half\n"
        "- Review queues got shorter\n- Product managers plan in smaller slices\n\n## What's next\n\n"
        "We will try **continuous deployment** for the web app next quarter. Questions? Ask in "
        "#engineering or reach out to {m}.\n\n> Small batches, fast feedback.",
    ),
    (
        "Our hiring principles, written down",
        "We hire for **curiosity, kindness and craft**. This article explains how each stage of our "
        "process tests for them, and what we never ask.\n\n1. A conversation, not a quiz\n2. A "
        "paid take-home, capped at three hours\n3. Meeting the team\n\nThanks to {m} for the first "
        "draft. #recruiting #culture",
    ),
    (
        "A year of the design system",
        "One year ago we had 14 button styles. Today we have one, with variants. Here is the story, "
        "the numbers, and the mistakes we would not repeat.\n\n| Metric | Before | Now |\n|---|---|---|\n"
        "| Button styles | 14 | 1 |\n| Time to build a form | 2 days | 2 hours |\n\n#design #accessibility",
    ),
]
PRAISE = [
    (
        PraiseBadge.ABOVE_AND_BEYOND,
        "Stayed late to help the support team through the outage, with patience and good humour.",
    ),
    (PraiseBadge.TEAM_PLAYER, "Jumped in to pair on the migration when we were short-handed."),
    (PraiseBadge.GREAT_IDEA, "The idea to cache the test database saved us hours every day."),
    (PraiseBadge.MENTOR, "Has been an amazing onboarding buddy for three new joiners this quarter."),
    (PraiseBadge.CUSTOMER_HERO, "Turned a very unhappy customer into our biggest advocate."),
]
ANNOUNCEMENT = (
    "**New travel policy from 1 October.** Please read the summary below and confirm.\n\n"
    "- Book through the travel portal\n- Economy for flights under 6 hours\n- Expenses within 30 days\n\n"
    "Questions go to the People team. #policy"
)


def _key(label: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, label)


def _picture(rng: random.Random, name: str, size=(1200, 800)) -> SimpleUploadedFile:
    """A simple generated picture (colour bands and circles): no files shipped with the demo."""
    base = tuple(rng.randrange(40, 200) for _ in range(3))
    image = Image.new("RGB", size, base)
    draw = ImageDraw.Draw(image)
    for band in range(6):
        colour = tuple(min(255, c + band * 12) for c in base)
        draw.rectangle([0, band * size[1] // 6, size[0], (band + 1) * size[1] // 6], fill=colour)
    for _ in range(5):
        x, y, r = rng.randrange(size[0]), rng.randrange(size[1]), rng.randrange(40, 160)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=tuple(rng.randrange(120, 255) for _ in range(3)))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _mention(person) -> str:
    return "@" + mention_handle(person.email)


def _create_once(label: str, when, **kwargs) -> Post:
    """post_create with a fixed idempotency key; a new post is dated `when` (demo only: a
    believable timeline), an existing one is returned untouched."""
    key = _key(label)
    existing = Post.objects.filter(author=kwargs["author"], idempotency_key=key).first()
    if existing is not None:
        return existing
    images = kwargs.pop("images", None)
    cover = kwargs.pop("cover", None)
    post = post_create(
        idempotency_key=key,
        images=images() if images else (),
        cover=cover() if cover else None,
        **kwargs,
    )
    Post.objects.filter(pk=post.pk).update(created_at=when)
    post.created_at = when
    return post


def _later(when, now, rng: random.Random):
    """A moment a little after `when`, never in the future."""
    return min(now, when + timedelta(minutes=rng.randrange(5, 240)))


def seed(*, people, rng: random.Random, stdout) -> None:
    staff = [p for p in people if p.is_staff]
    announcer = staff[0] if staff else people[0]
    now = timezone.now()
    posts: list[Post] = []
    groups = list(Group.objects.filter(is_archived=False).order_by("id")[:6])
    members = {
        group.pk: set(Membership.objects.filter(group=group).values_list("user_id", flat=True))
        for group in groups
    }

    # Plain posts, a few with images or in a group the author belongs to.
    for index, template in enumerate(UPDATES):
        author = rng.choice(people)
        other = rng.choice([p for p in people if p.pk != author.pk])
        body = template.format(m=_mention(other), d=author.department or "the team")
        group = next((g for g in groups if author.pk in members[g.pk]), None) if index % 4 == 3 else None
        count = rng.choice([1, 2, 3]) if index % 5 == 0 else 0
        when = now - timedelta(days=14) + timedelta(hours=index * 13, minutes=rng.randrange(60))
        post = _create_once(
            f"post-{index}",
            when,
            author=author,
            body=body,
            group=group,
            images=(
                lambda i=index, n=count: [
                    _picture(random.Random(f"img-{i}-{k}"), f"demo-{i}-{k}.jpg") for k in range(n)
                ]
            )
            if count
            else None,
        )
        posts.append(post)

    # Articles by leaders, with covers.
    leaders = [p for p in people if p.title.startswith(("Head of", "Chief"))] or people[:3]
    for index, (title, body) in enumerate(ARTICLES):
        author = leaders[index % len(leaders)]
        other = rng.choice([p for p in people if p.pk != author.pk])
        post = _create_once(
            f"article-{index}",
            now - timedelta(days=10 - index * 3, hours=rng.randrange(8)),
            author=author,
            kind=Post.Kind.ARTICLE,
            title=title,
            body=body.format(m=_mention(other)),
            cover=lambda i=index: _picture(random.Random(f"cover-{i}"), f"cover-{i}.jpg", size=(1600, 700)),
        )
        posts.append(post)

    # Praise.
    for index, (badge, body) in enumerate(PRAISE):
        author = rng.choice(people)
        praised = rng.sample([p for p in people if p.pk != author.pk], k=1 + index % 2)
        post = _create_once(
            f"praise-{index}",
            now - timedelta(days=9 - index * 2, hours=rng.randrange(12)),
            author=author,
            kind=Post.Kind.PRAISE,
            praise_badge=badge,
            praised=praised,
            body=body,
        )
        posts.append(post)

    # A pinned, must-read announcement from a staff member; most people have read it.
    announcement = _create_once(
        "announcement-travel",
        now - timedelta(days=2),
        author=announcer,
        body=ANNOUNCEMENT,
        is_announcement=True,
        must_read=True,
        pinned_until=now + timedelta(days=30),
    )
    for person in random.Random("acknowledgements").sample(people, k=len(people) * 2 // 3):
        if person.pk != announcer.pk:
            acknowledgement_create(post=announcement, user=person)
    posts.append(announcement)

    # Comments, replies and reactions, only on posts that have none yet (each post has its own
    # random stream, so what one post gets never depends on another).
    kinds = list(ReactionKind.values)
    untouched = set(
        Post.objects.filter(
            pk__in=[p.pk for p in posts], comments__isnull=True, reactions__isnull=True
        ).values_list("pk", flat=True)
    )
    for post in posts:
        if post.pk not in untouched:
            continue
        local = random.Random(f"activity-{post.idempotency_key}")
        audience = [p for p in people if post.group_id is None or p.pk in members.get(post.group_id, set())]
        when = post.created_at
        for _ in range(local.randrange(0, 5)):
            comment = comment_create(post=post, author=local.choice(audience), body=local.choice(COMMENTS))
            when = _later(when, now, local)
            Comment.objects.filter(pk=comment.pk).update(created_at=when)  # demo timeline only
            if local.random() < 0.35:
                reply = comment_create(
                    post=post, author=post.author, body=local.choice(REPLIES), parent=comment
                )
                when = _later(when, now, local)
                Comment.objects.filter(pk=reply.pk).update(created_at=when)
            for reactor in local.sample(audience, k=min(len(audience), local.randrange(0, 4))):
                reaction_set(user=reactor, kind=local.choice(kinds[:3]), comment=comment)
        for reactor in local.sample(audience, k=min(len(audience), local.randrange(0, 12))):
            reaction_set(user=reactor, kind=local.choice(kinds), post=post)

    # Some people follow tags, so their Following feed has something in it.
    tags = list(Tag.objects.order_by("key"))
    follows = random.Random("tag-follows")
    for person in people[:20]:
        for tag in follows.sample(tags, k=min(len(tags), 3)):
            tag_follow(user=person, tag=tag)

    stdout.write(f"Feed: {Post.objects.filter(deleted_at__isnull=True).count()} posts.")

    # Questions and answers (feed/questions/demo.py).
    from feed.questions.demo import seed as seed_questions

    seed_questions(people=people, rng=rng, stdout=stdout)
