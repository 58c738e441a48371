"""Build a believable demo company. Running it again changes nothing."""

from __future__ import annotations

import importlib
import random

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from profiles.models import MODERATORS_GROUP, User
from profiles.services import department_get_or_create, user_upsert_verified

DEMO_PASSWORD = "socialco-demo"  # demo data only; printed by `make run`
DEMO_DOMAIN = "example.com"

FIRST_NAMES = [
    "Ana",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kofi",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wei",
    "Ximena",
    "Yusuf",
    "Zara",
    "Aiden",
    "Bianca",
    "Carlos",
    "Dara",
    "Emil",
    "Fatima",
    "Gabriel",
    "Hana",
    "Ivan",
    "Julia",
    "Kai",
    "Lucia",
    "Milan",
    "Noor",
    "Oscar",
    "Paula",
    "Rafael",
    "Sara",
    "Tomas",
    "Uma",
    "Viktor",
    "Wanda",
    "Yara",
    "Zoltan",
    "Amir",
    "Beatriz",
    "Cyrus",
    "Dalia",
    "Erik",
    "Freya",
    "Goran",
    "Helga",
    "Isaac",
    "Jade",
]
LAST_NAMES = [
    "Silva",
    "Okafor",
    "Martin",
    "Patel",
    "Novak",
    "Haddad",
    "Kim",
    "Tanaka",
    "Moreau",
    "Berg",
    "Mensah",
    "Fischer",
    "Garcia",
    "Rahman",
    "Aziz",
    "Shah",
    "Murphy",
    "Costa",
    "Lindqvist",
    "Reddy",
    "Khan",
    "Petrova",
    "Chen",
    "Lopez",
    "Demir",
    "Ali",
    "Walsh",
    "Romano",
    "Diaz",
]
DEPARTMENTS = {
    "Engineering": (
        ["Staff Engineer", "Senior Engineer", "Software Engineer", "Site Reliability Engineer"],
        ["Python", "Django", "PostgreSQL", "Kubernetes", "Go", "React", "Security", "Redis"],
    ),
    "Product & Design": (
        ["Product Manager", "Product Designer", "UX Researcher"],
        ["User Research", "Figma", "Roadmapping", "Accessibility", "Analytics"],
    ),
    "Sales": (
        ["Account Executive", "Sales Engineer", "Sales Operations Analyst"],
        ["Negotiation", "Salesforce", "Forecasting", "Public Sector"],
    ),
    "Marketing": (
        ["Content Strategist", "Brand Designer", "Growth Marketer"],
        ["SEO", "Copywriting", "Events", "Analytics"],
    ),
    "People": (
        ["HR Business Partner", "Recruiter", "Learning & Development Lead"],
        ["Recruiting", "Onboarding", "Employment Law", "Coaching"],
    ),
    "Finance": (
        ["Financial Analyst", "Controller", "Payroll Specialist"],
        ["Excel", "Budgeting", "Tax", "Procurement"],
    ),
}

ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
HR_EMAIL = f"hr@{DEMO_DOMAIN}"
STAFF_COUNT = 60


class Command(BaseCommand):
    help = "Create (or bring back to its known state) the demo company. Idempotent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the demo logins.")
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even though HTTPS=true says this is a production install (never do this).",
        )

    def handle(self, *args, **options) -> None:
        if settings.HTTPS and not options["allow_production"]:
            raise CommandError(
                "Refusing to load demo data (a superuser with a published password) into a "
                "production install (HTTPS=true). Pass --allow-production to override."
            )
        # The demo people live at example.com: the mail their notifications would send goes
        # nowhere (on the console backend it would bury the logins printed below).
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            people = self._seed()
        self.stdout.write(self.style.SUCCESS(f"Demo company ready: {len(people)} staff."))
        if not options["quiet_logins"]:
            self.stdout.write(
                "\nDemo logins (DEMO DATA ONLY: never use these passwords on a real install)\n"
                f"  admin (staff, Django admin):  {ADMIN_EMAIL:<28} password: {DEMO_PASSWORD}\n"
                f"  HR moderator:                 {HR_EMAIL:<28} password: {DEMO_PASSWORD}\n"
                f"  employee:                     {people[1].email:<28} password: {DEMO_PASSWORD}\n"
                f"  any of the {len(people)} staff: <first>.<last>@{DEMO_DOMAIN}, same password\n"
            )

    @transaction.atomic
    def _seed(self) -> list[User]:
        """The demo company, then each app's demo content; returns the people."""
        rng = random.Random(2026)  # a fixed seed: the same company every time
        password_hash = make_password(DEMO_PASSWORD)

        ceo = user_upsert_verified(
            email=f"ceo@{DEMO_DOMAIN}",
            display_name="Morgan Reyes",
            title="Chief Executive Officer",
            department=department_get_or_create(name="Leadership"),
            skills=["Strategy", "Public Speaking"],
            password_hash=password_hash,
        )
        people: list[User] = [ceo]
        names = self._names(rng)
        per_department = STAFF_COUNT // len(DEPARTMENTS)
        index = 0
        for dept_name, (titles, skills) in DEPARTMENTS.items():
            department = department_get_or_create(name=dept_name)
            head = None
            leads: list[User] = []
            for position in range(per_department):
                first, last = names[index]
                index += 1
                is_head = position == 0
                title = f"Head of {dept_name}" if is_head else rng.choice(titles)
                # The head reports to the CEO, two leads to the head, everyone else to a lead.
                if is_head:
                    manager = ceo
                elif position <= 2:
                    manager = head
                else:
                    manager = leads[position % 2]
                person = user_upsert_verified(
                    email=f"{first}.{last}@{DEMO_DOMAIN}".lower(),
                    display_name=f"{first} {last}",
                    title=title,
                    department=department,
                    manager=manager,
                    skills=rng.sample(skills, k=min(3, len(skills))),
                    password_hash=password_hash,
                )
                if is_head:
                    head = person
                elif position <= 2:
                    leads.append(person)
                people.append(person)

        admin = user_upsert_verified(
            email=ADMIN_EMAIL,
            display_name="Avery Admin",
            title="IT Administrator",
            department=department_get_or_create(name="Engineering"),
            manager=ceo,
            skills=["Identity Management", "Security"],
            password_hash=password_hash,
            is_staff=True,
            is_superuser=True,
        )
        hr = user_upsert_verified(
            email=HR_EMAIL,
            display_name="Harper Moderator",
            title="HR Business Partner",
            department=department_get_or_create(name="People"),
            manager=ceo,
            skills=["Employment Law", "Coaching"],
            password_hash=password_hash,
        )
        moderators, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
        hr.groups.add(moderators)
        people += [admin, hr]

        # Each app adds its own demo content in `<app>/demo.py`: seed(*, people, rng, stdout).
        for app_config in apps.get_app_configs():
            try:
                module = importlib.import_module(f"{app_config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app_config.name}.demo":
                    raise
                continue
            module.seed(people=people, rng=random.Random(f"{app_config.name}-2026"), stdout=self.stdout)
        return people

    @staticmethod
    def _names(rng: random.Random) -> list[tuple[str, str]]:
        pairs = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
        rng.shuffle(pairs)
        chosen, seen_first = [], set()
        for first, last in pairs:
            if first not in seen_first:
                seen_first.add(first)
                chosen.append((first, last))
        return chosen
