"""Demo profiles: offices, phones, bios, "ask me about", follows and endorsements.

Called by `seed_demo` after the company exists. Built through the services and a seeded
random generator, so running it again changes nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password

from profiles.models import User
from profiles.services import (
    endorsement_create,
    follow_create,
    profile_update,
    user_org_upsert,
    user_upsert_verified,
)

OFFICES = {
    "London": "Europe/London",
    "Berlin": "Europe/Berlin",
    "New York": "America/New_York",
    "Singapore": "Asia/Singapore",
    "Remote (Lisbon)": "Europe/Lisbon",
}
PRONOUNS = ["she/her", "he/him", "they/them", "", "", ""]
TOPICS = {
    "Leadership": ["Company strategy", "Board meetings", "Hiring managers"],
    "Engineering": ["Code review", "On-call", "Observability", "Python packaging", "Incident reviews"],
    "Product & Design": ["Design system", "User interviews", "Roadmap", "Accessibility audits"],
    "Sales": ["Pricing", "RFPs", "Customer references", "Demos"],
    "Marketing": ["Brand guidelines", "Webinars", "Press", "Social media"],
    "People": ["Parental leave", "Benefits", "Career growth", "Onboarding"],
    "Finance": ["Expenses", "Travel policy", "Budget planning", "Invoices"],
}
BIOS = [
    "I joined to work on **{skill}** and stayed for the people.\n\n"
    "- Happy to pair on anything {topic}\n- Best reached on chat in the mornings",
    "Working on {department} things, mostly *{skill}*.\n\nAsk me about {topic}: I have opinions.",
    "{title} in {department}. Before this I spent years on {skill}.\n\n"
    "If you are new, say hello: I remember what my first week was like.",
    "Outside work: climbing, sourdough and too many podcasts.\n\n"
    "At work: **{skill}**, {topic} and making meetings shorter.",
]
FORMER_EMAIL = "riley.former@example.com"


def seed(*, people: list[User], rng: random.Random, stdout) -> None:
    offices = list(OFFICES)
    for index, person in enumerate(people):
        department = person.department.name if person.department else "Leadership"
        office = offices[index % len(offices)] if index else "London"
        user_org_upsert(
            email=person.email,
            display_name=person.display_name,
            title=person.title,
            department_name=department,
            location=office,
            start_date=date(2015, 1, 5) + timedelta(days=rng.randrange(0, 3800)),
        )
        skills = sorted(person.skills.values_list("name", flat=True))
        topics = rng.sample(TOPICS.get(department, TOPICS["Leadership"]), k=2)
        bio = rng.choice(BIOS).format(
            skill=skills[0] if skills else "our product",
            topic=topics[0].lower(),
            department=department,
            title=person.title or "Colleague",
        )
        profile_update(
            user=person,
            bio=bio,
            pronouns=rng.choice(PRONOUNS),
            phone=f"+44 20 7946 {rng.randrange(1000, 9999)} ext {rng.randrange(100, 999)}"
            if rng.random() < 0.7
            else "",
            time_zone=OFFICES[office],
            ask_me_about=topics,
        )

    for person in people:
        if person.manager_id:
            follow_create(follower=person, followed=person.manager)
        others = [p for p in people if p.pk not in (person.pk, person.manager_id)]
        for other in rng.sample(others, k=3):
            follow_create(follower=person, followed=other)
        colleagues = [p for p in people if p.department_id == person.department_id and p.pk != person.pk]
        for colleague in rng.sample(colleagues, k=min(2, len(colleagues))):
            for skill in list(colleague.skills.order_by("name"))[:2]:
                endorsement_create(endorser=person, person=colleague, skill=skill)

    # One person who has left: hidden from the directory, labelled on their profile.
    former = user_upsert_verified(
        email=FORMER_EMAIL,
        display_name="Riley Former",
        title="Support Engineer",
        department=people[0].department,
        manager=people[0],
        skills=["Customer Support"],
        password_hash=make_password(None),
    )
    user_org_upsert(
        email=former.email,
        display_name=former.display_name,
        title=former.title,
        department_name=people[0].department.name,
        location="London",
        start_date=date(2018, 3, 1),
        is_active=False,
    )
    stdout.write(f"Profiles: {len(people)} profiles with offices, bios and follows; 1 former employee.")
