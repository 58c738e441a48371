"""Demo groups of every visibility, built through the services. Running it again changes nothing.

Who to log in as to see each part (password: socialco-demo):
- admin@example.com owns "Product Council" (private) with pending requests to decide;
- the employee printed by seed_demo (people[1]) is in the secret "Project Falcon", has an
  invitation to "Leadership Offsite" and a pending request to "Women in Tech".
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from groups import services
from groups.models import Group, Invitation, JoinRequest, Membership
from profiles.models import User

OPEN, PRIVATE, SECRET = Group.Visibility.OPEN, Group.Visibility.PRIVATE, Group.Visibility.SECRET


@dataclass(frozen=True)
class DemoGroup:
    name: str
    slug: str
    visibility: str
    description: str
    size: int
    archived: bool = False


DEMO_GROUPS = (
    DemoGroup(
        "Python Guild",
        "python-guild",
        OPEN,
        "Everything **Python** at work: code review habits, packaging, typing, Django.\n\n"
        "- Monthly lightning talks\n- `#help` threads answered within a day",
        24,
    ),
    DemoGroup(
        "Running Club",
        "running-club",
        OPEN,
        "Lunchtime 5k on Tuesdays and Thursdays. All paces welcome.",
        14,
    ),
    DemoGroup(
        "Book Club",
        "book-club",
        OPEN,
        "One book a month, discussed on the last Friday. This month: *The Mythical Man-Month*.",
        11,
    ),
    DemoGroup(
        "Photography",
        "photography",
        OPEN,
        "Share your shots, swap tips on light and composition, plan photo walks.",
        9,
    ),
    DemoGroup(
        "Legacy Wiki Migration",
        "legacy-wiki-migration",
        OPEN,
        "Moving the old wiki into Socialco. **Done** in March: kept for reference.",
        6,
        archived=True,
    ),
    DemoGroup(
        "Women in Tech",
        "women-in-tech",
        PRIVATE,
        "A space for women in engineering, product and design to share experience and support each other.",
        12,
    ),
    DemoGroup(
        "Parents at Work",
        "parents-at-work",
        PRIVATE,
        "School holidays, childcare swaps, and honest talk about juggling it all.",
        10,
    ),
    DemoGroup(
        "Product Council",
        "product-council",
        PRIVATE,
        "Roadmap decisions and trade-offs. Ask to join if you own a product area.",
        8,
    ),
    DemoGroup(
        "Project Falcon",
        "project-falcon",
        SECRET,
        "Confidential: the integration planning team. Do not share outside this group.",
        7,
    ),
    DemoGroup(
        "Security Incident Response",
        "security-incident-response",
        SECRET,
        "On-call rota, runbooks and live incident coordination.",
        6,
    ),
    DemoGroup(
        "Leadership Offsite",
        "leadership-offsite",
        SECRET,
        "Agenda and logistics for the leadership offsite.",
        5,
    ),
)


def _ensure_member(group: Group, owner: User, person: User) -> Membership:
    membership = Membership.objects.filter(group=group, user=person).first()
    if membership is not None:
        return membership
    if group.visibility == OPEN:
        return services.group_join(actor=person, group=group)
    invitation = services.invitation_create(actor=owner, group=group, invitee=person)
    return services.invitation_accept(actor=person, invitation=invitation)


def seed(*, people: list[User], rng: random.Random, stdout) -> None:
    staff = people[:-2]  # the admin and HR accounts are placed deliberately below
    admin, employee = people[-2], people[1]
    created = 0
    for spec in DEMO_GROUPS:
        # Every choice is drawn before looking at the database, so a second run draws the same.
        owner = admin if spec.slug == "product-council" else rng.choice(staff)
        others = [p for p in staff if p not in (owner, employee)]
        members = rng.sample(others, k=min(spec.size - 1, len(others)))
        if spec.slug in ("project-falcon", "python-guild", "running-club"):
            members.append(employee)
        group_admin = members[0]
        outsiders = [p for p in others if p not in members]
        requesters = rng.sample(outsiders, k=3)
        invitee = rng.choice([p for p in outsiders if p not in requesters])
        if spec.slug == "women-in-tech":
            requesters.append(employee)
        request_messages = [
            rng.choice(["", "I'd love to help out.", "Could I join? I work on this."]) for _ in requesters
        ]
        if spec.slug == "leadership-offsite":
            invitee = employee

        group = Group.objects.filter(slug=spec.slug).first()
        if group is None:
            group = services.group_create(
                actor=owner,
                name=spec.name,
                slug=spec.slug,
                description=spec.description,
                visibility=spec.visibility,
            )
            created += 1
        owner = Membership.objects.get(group=group, role=Membership.Role.OWNER).user
        if group.is_archived:
            continue  # read-only: already complete
        for person in members:
            _ensure_member(group, owner, person)
        admin_membership = Membership.objects.get(group=group, user=group_admin)
        if admin_membership.role == Membership.Role.MEMBER:
            services.membership_set_role(actor=owner, membership=admin_membership, role=Membership.Role.ADMIN)
        if spec.visibility == PRIVATE:
            for person, message in zip(requesters, request_messages, strict=True):
                asked = JoinRequest.objects.filter(group=group, user=person).exists()
                if not asked and not group.memberships.filter(user=person).exists():
                    services.join_request_create(actor=person, group=group, message=message)
        invited = Invitation.objects.filter(group=group, invitee=invitee).exists()
        if spec.visibility != OPEN and not invited and not group.memberships.filter(user=invitee).exists():
            services.invitation_create(actor=owner, group=group, invitee=invitee)
        if spec.archived:
            services.group_archive(actor=owner, group=group)
    stdout.write(f"Groups: {len(DEMO_GROUPS)} demo groups ({created} new).")
