"""Every write to people, departments and skills."""

from __future__ import annotations

from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils.text import slugify

from profiles.models import Department, Skill, User, normalise_skill_name


def skill_get_or_create(*, name: str) -> Skill:
    """The one Skill for `name`, compared case-insensitively after folding spaces."""
    clean = normalise_skill_name(name)
    if not clean:
        raise ValueError("a skill needs a name")
    existing = Skill.objects.filter(name__iexact=clean).first()
    if existing is not None:
        return existing
    base_slug = slugify(clean) or "skill"
    slug, n = base_slug, 1
    while Skill.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base_slug}-{n}"
    skill = Skill(name=clean, slug=slug)
    skill.full_clean()
    skill.save()
    return skill


def department_get_or_create(*, name: str) -> Department:
    department, _ = Department.objects.get_or_create(name=" ".join(name.split()))
    return department


@transaction.atomic
def user_upsert_verified(
    *,
    email: str,
    display_name: str,
    password_hash: str,
    title: str = "",
    department: Department | None = None,
    manager: User | None = None,
    skills: Iterable[str] = (),
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    """Create or update an account whose e-mail address is already proven (demo data, imports).

    `password_hash` is an already hashed password (hashing once for many users keeps seeding fast).
    """
    email = email.lower()
    user = User.objects.filter(email=email).first() or User(email=email)
    user.display_name = display_name
    user.title = title
    user.department = department
    user.manager = manager
    user.is_staff = is_staff
    user.is_superuser = is_superuser
    if not user.password:
        user.password = password_hash
    user.full_clean(exclude=["password"])
    user.save()
    user.skills.set([skill_get_or_create(name=name) for name in skills])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user
