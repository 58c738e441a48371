"""Demo chats: a few direct conversations, a group chat and messages in group rooms.

Built through the services; every message has a fixed client_id, so running the seeder again
finds the messages already there and changes nothing.
"""

from __future__ import annotations

import random

from groups.models import Group
from messaging.models import Conversation
from messaging.services import (
    conversation_create_group,
    conversation_get_or_create_direct,
    conversation_mark_read,
    message_send,
    room_for_group,
)

DIRECT_SCRIPTS = [
    [
        (1, "Hi! Do you have a minute to look at the **Q3 roadmap** draft?"),
        (0, "Sure, send it over. Is it the one in the shared drive?"),
        (1, "Yes, the one called `roadmap-q3-v2`. Mostly the timeline on page 3."),
        (
            0,
            "Looks good overall. I'd move the billing migration a sprint later:\n"
            "- it depends on the new API\n- and half the team is out in August",
        ),
        (1, "Makes sense, I'll update it. Thanks!"),
    ],
    [
        (0, "Reminder: the all-hands moved to Thursday 10:00."),
        (1, "Thanks for the heads-up 👍"),
    ],
    [
        (1, "Are you joining the security training next week?"),
        (0, "Planning to. Morning or afternoon session?"),
        (1, "Morning, then we can grab lunch after."),
    ],
    [
        (0, "Welcome aboard! Let me know if you need anything for your first week."),
        (1, "Thank you! Where do I find the onboarding checklist?"),
        (0, "It's pinned in the *People* group. I'll send you the link."),
    ],
]

TEAM_SCRIPT = [
    (0, "Kicking off the launch crew chat 🚀 Goal: ship the customer portal by the end of the month."),
    (1, "Design review is booked for Tuesday."),
    (2, "Backend is on track; the last endpoint lands tomorrow."),
    (3, "I'll prepare the announcement copy. Any must-have points?"),
    (0, "Self-service invoices and SSO. Keep it short."),
    (4, "QA plan is in the wiki. We need two volunteers for the bug bash on Friday."),
    (1, "Count me in."),
]

ROOM_LINES = [
    "Morning all! Anything interesting this week?",
    "Sharing the notes from yesterday's session in the group feed.",
    "Does anyone have a good intro resource for newcomers?",
    "Thanks everyone for the great discussion today.",
]


def _send(sender, conversation: Conversation, body: str, client_id: str) -> int:
    message, _created = message_send(
        sender=sender,
        conversation_id=conversation.pk,
        body=body,
        client_id=client_id,
        enforce_rate_limit=False,
    )
    return message.pk


def seed(*, people: list, rng: random.Random, stdout) -> None:
    by_email = {person.email: person for person in people}
    admin = by_email.get("admin@example.com", people[-2])
    hr = by_email.get("hr@example.com", people[-1])
    staff = [person for person in people if person not in (admin, hr)]
    pairs = [(admin, staff[1]), (admin, hr), (staff[1], staff[2]), (hr, staff[3])]

    for index, ((first, second), script) in enumerate(zip(pairs, DIRECT_SCRIPTS, strict=True)):
        conversation, _created = conversation_get_or_create_direct(user=first, other_user_id=second.pk)
        last_id = 0
        for line, (speaker, body) in enumerate(script):
            last_id = _send((first, second)[speaker], conversation, body, f"demo-direct-{index}-{line}")
        if index % 2:  # some conversations read to the end, others waiting for an answer
            conversation_mark_read(user=first, conversation_id=conversation.pk, up_to=last_id)

    crew = [admin, *staff[1:5]]
    team = Conversation.objects.filter(
        kind=Conversation.Kind.GROUP, name="Launch crew", created_by=admin
    ).first() or conversation_create_group(
        creator=admin, member_ids=[person.pk for person in crew[1:]], name="Launch crew"
    )
    for line, (speaker, body) in enumerate(TEAM_SCRIPT):
        _send(crew[speaker], team, body, f"demo-team-{line}")

    rooms = 0
    for group in Group.objects.order_by("id")[:4]:
        members = list(
            group.members.filter(is_active=True).order_by("memberships__created_at", "id")[: len(ROOM_LINES)]
        )
        if not members:
            continue
        room = room_for_group(group=group)
        for line, body in enumerate(ROOM_LINES):
            _send(members[line % len(members)], room, body, f"demo-room-{group.slug}-{line}")
        rooms += 1
    stdout.write(f"Chat: {len(pairs)} direct conversations, 1 group chat, {rooms} group rooms.")
