"""Demo moderation: everyone has accepted the current guidelines (else nobody could write), a
demo hold rule, reports on a few profiles (and groups, when the groups demo made some), one held
profile text, and a past warning so the queue shows an author's history. Idempotent."""

from __future__ import annotations

from moderation import selectors, services
from moderation.core_reportables import profile_text
from moderation.models import Decision, ModerationItem, Report, Rule
from profiles.models import MODERATORS_GROUP

HOLD_RULE = "Investment solicitation (demo)"
HELD_TITLE = "Crypto investment mentor: guaranteed returns, DM me"


def _report_once(*, reporter, target, section: str, note: str) -> None:
    item = selectors.item_for(target)
    if item is not None and Report.objects.filter(item=item, reporter=reporter).exists():
        return
    services.report_create(reporter=reporter, target=target, section=section, note=note)


REPORTED_POST = "Honestly, whoever planned this quarter's offsite should never plan anything again."
REPORTED_COMMENT = "Agreed, it was a waste of everyone's time. Typical of that team."


def _seed_feed(*, staff, spam: str, respect: str) -> None:
    """A post the hold rule held (its author sees it with a badge) and reports on a post and a
    comment this demo writes itself (never on whatever post is newest: on a reused stack that
    would be someone's real one). Through the feed's services; idempotent."""
    import uuid

    from feed.models import Comment, Post
    from feed.services import comment_create, post_create

    author = staff[9]
    key = uuid.uuid5(uuid.NAMESPACE_URL, "socialco-demo/moderation/held-post")
    if not Post.objects.filter(author=author, idempotency_key=key).exists():
        post_create(
            author=author,
            idempotency_key=key,
            body="Side project: crypto investment club with guaranteed returns. Ping me for the link!",
        )
    poster, commenter = staff[11], staff[10]
    key = uuid.uuid5(uuid.NAMESPACE_URL, "socialco-demo/moderation/reported-post")
    post = Post.objects.filter(author=poster, idempotency_key=key).first()
    if post is None:
        post = post_create(author=poster, idempotency_key=key, body=REPORTED_POST)
    comment = Comment.objects.filter(post=post, author=commenter, body=REPORTED_COMMENT).first()
    if comment is None:
        comment = comment_create(post=post, author=commenter, body=REPORTED_COMMENT)
    for target, reporter in ((post, staff[43]), (comment, staff[44])):
        _report_once(reporter=reporter, target=target, section=respect, note="Felt dismissive")


def seed(*, people, rng, stdout) -> None:
    version = selectors.current_guidelines()
    if version is None:
        stdout.write("Moderation: no guidelines published; skipped.")
        return
    for person in people:
        services.guidelines_accept(user=person, version=version)

    moderators = [p for p in people if p.groups.filter(name=MODERATORS_GROUP).exists()]
    moderator = moderators[0] if moderators else None
    staff = [p for p in people if not p.is_staff and p not in moderators]
    keys = {s["key"] for s in version.sections}
    professional = "keep-language-professional" if "keep-language-professional" in keys else "other"
    spam = "no-spam-sales-or-solicitation" if "no-spam-sales-or-solicitation" in keys else "other"
    respect = "be-respectful" if "be-respectful" in keys else "other"

    if not Rule.objects.filter(name=HOLD_RULE).exists():
        services.rule_save(
            rule=Rule(
                name=HOLD_RULE,
                kind=Rule.Kind.PHRASES,
                terms="guaranteed returns\ncrypto investment\nget rich quick",
                whole_word=True,
                scopes=["posts", "comments", "answers", "chat", "profiles", "groups"],
                section=spam,
                explanation="Investment offers and money-making schemes are not allowed here.",
                action="hold",
            ),
            actor=None,
            reason="demo data",
        )

    # A profile whose text a rule held for review.
    held_person = staff[7]
    if held_person.title != HELD_TITLE:  # the profiles seeder resets it on every run
        held_person.title = HELD_TITLE
        held_person.save(update_fields=["title"])
    if selectors.item_for(held_person) is None:
        result = services.screen_text(text=profile_text(held_person), scope="profiles", author=held_person)
        services.screening_record(target=held_person, result=result)

    # Reports gathered on two profiles, with a note each.
    reported = staff[12]
    for reporter, note in zip(staff[20:23], ["Rude title", "Unprofessional", ""], strict=True):
        _report_once(reporter=reporter, target=reported, section=professional, note=note)
    _report_once(reporter=staff[30], target=held_person, section=spam, note="Selling crypto at work?")

    # Groups, when the groups demo made some: one report each on the first two.
    from groups.models import Group

    for group, reporter in zip(Group.objects.order_by("pk")[:2], staff[40:42], strict=False):
        _report_once(reporter=reporter, target=group, section=respect, note="The description mocks a team")

    _seed_feed(staff=staff, spam=spam, respect=respect)

    # A past warning: the queue shows the author's history.
    if moderator is not None and not Decision.objects.filter(subject=reported).exists():
        services.person_warn(
            person=reported,
            moderator=moderator,
            reason="Please keep your profile professional.",
            section=professional,
        )
    stdout.write(
        f"Moderation: {ModerationItem.objects.filter(is_open=True).count()} items in the queue, "
        f"guidelines {version.number} accepted by {len(people)} people."
    )
