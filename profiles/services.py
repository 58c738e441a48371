"""Every write to people, departments, skills, follows and endorsements."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from moderation.models import Scope
from moderation.services import (
    ScreenResult,
    enforce_screening_all,
    screening_record,
)
from profiles.models import Department, Endorsement, Follow, Skill, User, clean_skill_names, skill_key
from profiles.signals import person_followed
from socialco.markdown import render_markdown
from socialco.uploads import ProcessedImage, process_image

AVATAR_SIZES = {"large": 512, "small": 96}


# --- Skills and topics ----------------------------------------------------------------------
def skill_get_or_create(*, name: str) -> Skill:
    """The one Skill for `name`, compared case-insensitively after `normalise_skill_name`.

    Raises ValidationError for an empty or too long name. Safe against a concurrent insert of
    the same skill (the case-insensitive unique constraint decides, the loser re-reads).
    """
    names = clean_skill_names([name])
    if not names:
        raise ValidationError(_("A skill needs a name."), code="empty")
    clean = names[0]
    existing = Skill.objects.filter(name__iexact=clean).first()
    if existing is not None:
        return existing
    base_slug = slugify(clean)[:70] or "skill"
    slug, n = base_slug, 1
    while Skill.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base_slug}-{n}"
    skill = Skill(name=clean, slug=slug)
    skill.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            skill.save()
    except IntegrityError:
        skill = Skill.objects.filter(name__iexact=clean).first()
        if skill is None:
            raise
    return skill


def skills_get_or_create(*, names: Iterable[str]) -> list[Skill]:
    """One Skill per distinct name in `names` (spellings of one skill count once), in order.

    Raises ValidationError for an over-long name or too many entries (see clean_skill_names).
    """
    return [skill_get_or_create(name=name) for name in clean_skill_names(names)]


def department_get_or_create(*, name: str) -> Department:
    department, _created = Department.objects.get_or_create(name=" ".join(name.split()))
    return department


# --- Accounts -------------------------------------------------------------------------------
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
    user.skills.set(skills_get_or_create(names=skills))
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


class _Unchanged:
    """Marker: leave this org field as it is."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()


@transaction.atomic
def user_org_upsert(
    *,
    email: str,
    display_name: str,
    title: str = UNCHANGED,
    department_name: str = UNCHANGED,
    location: str = UNCHANGED,
    start_date: date | None = UNCHANGED,
    is_active: bool = UNCHANGED,
) -> tuple[User, bool, bool]:
    """Create or update a person's org fields from HR data; the manager is set separately.

    Arguments left UNCHANGED keep their value ("" or None clears one). A new person gets an
    unusable password (they set one with "forgot password") and a verified address. Fields
    people edit themselves are never touched. Returns (user, created, changed); nothing is
    written when nothing changed. Raises ValidationError.
    """
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email=email).first()
    created = user is None
    if created:
        user = User(email=email)
        user.set_unusable_password()
    wanted: dict[str, Any] = {"display_name": " ".join(display_name.split())}
    if title is not UNCHANGED:
        wanted["title"] = " ".join(title.split())
    if department_name is not UNCHANGED:
        department = department_get_or_create(name=department_name) if department_name.strip() else None
        wanted["department_id"] = department.pk if department else None
    if location is not UNCHANGED:
        wanted["location"] = " ".join(location.split())
    if start_date is not UNCHANGED:
        wanted["start_date"] = start_date
    if is_active is not UNCHANGED:
        wanted["is_active"] = is_active
    changed = created or any(getattr(user, field) != value for field, value in wanted.items())
    if changed:
        for field, value in wanted.items():
            setattr(user, field, value)
        user.full_clean(exclude=["password"])
        user.save()
    if created:
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    return user, created, changed


@transaction.atomic
def user_manager_set(*, user: User, manager: User | None) -> bool:
    """Set `user`'s manager; refuse (ValidationError) a loop. Returns whether anything changed."""
    new_id = manager.pk if manager else None
    if user.manager_id == new_id:
        return False
    user.manager = manager
    user.full_clean(exclude=["password"])
    user.save(update_fields=["manager"])
    return True


# --- Own profile ----------------------------------------------------------------------------
def _profile_screening(
    *,
    user: User,
    bio: str | None,
    pronouns: str | None,
    skills: list[str] | None,
    ask_me_about: list[str] | None,
    confirmed: bool,
) -> ScreenResult | None:
    """Screen the profile texts the person changed with the "profile texts" rules.

    The bio may be held (saved, shown only to the person and moderators until approved);
    pronouns and skill/topic names are shown in every list and shared as tags, so a hold rule
    refuses them. Raises ContentBlocked (a block, or a hold on a label) before
    ConfirmationRequired (an unconfirmed warning). Returns the result to record: a held bio
    first, else any confirmed warning, else None.
    """
    texts: list[tuple[str, bool]] = []  # (text, hold refused)
    if bio is not None and bio.strip() != user.bio:
        texts.append((bio, False))
    if pronouns is not None and " ".join(pronouns.split()) != user.pronouns:
        texts.append((pronouns, True))
    for names, current in ((skills, user.skills), (ask_me_about, user.ask_me_about)):
        if names is None:
            continue
        known = {skill_key(name) for name in current.values_list("name", flat=True)}
        added = [name for name in clean_skill_names(names) if skill_key(name) not in known]
        if added:
            texts.append((", ".join(added), True))
    return enforce_screening_all(texts, scope=Scope.PROFILES, author=user, confirmed=confirmed)


@transaction.atomic
def profile_update(
    *,
    user: User,
    bio: str | None = None,
    pronouns: str | None = None,
    phone: str | None = None,
    time_zone: str | None = None,
    skills: Iterable[str] | None = None,
    ask_me_about: Iterable[str] | None = None,
    confirmed: bool = False,
) -> User:
    """Update the fields a person edits themselves; arguments left as None stay unchanged.

    Org fields (title, department, manager, location, start date) and account flags cannot be
    passed here at all. The bio's HTML is rendered and stored now. Endorsements of a skill the
    person drops are removed with it. Raises ValidationError (field -> messages).

    The texts the person changed are screened (moderation, scope "profiles"): ContentBlocked
    or ConfirmationRequired (until `confirmed=True`) refuse the whole change; a held bio is
    saved and shown only to the person and moderators until a moderator approves it.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    skills = list(skills) if skills is not None else None
    ask_me_about = list(ask_me_about) if ask_me_about is not None else None
    try:
        screening = _profile_screening(
            user=user,
            bio=bio,
            pronouns=pronouns,
            skills=skills,
            ask_me_about=ask_me_about,
            confirmed=confirmed,
        )
    except ValidationError:
        screening = None  # too long or too many names: reported below with the field
    if bio is not None:
        user.bio = bio.strip()
        user.bio_html = render_markdown(user.bio)
    if pronouns is not None:
        user.pronouns = " ".join(pronouns.split())
    if phone is not None:
        user.phone = " ".join(phone.split())
    if time_zone is not None:
        user.time_zone = time_zone
    errors: dict[str, list] = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    new_skills = new_topics = None
    if skills is not None:
        try:
            new_skills = skills_get_or_create(names=skills)
        except ValidationError as exc:
            errors["skills"] = exc.messages
    if ask_me_about is not None:
        try:
            new_topics = skills_get_or_create(names=ask_me_about)
        except ValidationError as exc:
            errors["ask_me_about"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user.save()
    if new_skills is not None:
        user.skills.set(new_skills)
        Endorsement.objects.filter(person=user).exclude(skill__in=new_skills).delete()
    if new_topics is not None:
        user.ask_me_about.set(new_topics)
    if screening is not None:
        screening_record(target=user, result=screening)
    return user


def _avatar_name(user: User, token: str, size: str, extension: str) -> str:
    return f"avatars/{user.pk}/{token}-{size}{extension}"


def _delete_files_on_commit(names: Iterable[str]) -> None:
    names = [n for n in names if n]

    def delete() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete)


def avatar_process(upload) -> dict[str, ProcessedImage]:
    """Check and re-encode an upload in the avatar sizes, without storing anything.

    Raises ValidationError with a user-facing message for anything that is not an allowed,
    reasonably sized JPEG, PNG, WebP or GIF (see socialco.uploads).
    """
    return process_image(upload, sizes=AVATAR_SIZES)


@transaction.atomic
def avatar_store(*, user: User, images: dict[str, ProcessedImage]) -> User:
    """Store images from `avatar_process` as the person's avatar; old files go after commit."""
    user = User.objects.select_for_update().get(pk=user.pk)
    old = [user.avatar_large, user.avatar_small]
    token = secrets.token_hex(6)
    saved = {
        size: default_storage.save(_avatar_name(user, token, size, image.extension), image.content)
        for size, image in images.items()
    }
    user.avatar_large, user.avatar_small = saved["large"], saved["small"]
    user.save(update_fields=["avatar_large", "avatar_small"])
    _delete_files_on_commit(old)
    return user


def avatar_set(*, user: User, upload) -> User:
    """`avatar_process` then `avatar_store`. Raises ValidationError before storing anything."""
    return avatar_store(user=user, images=avatar_process(upload))


@transaction.atomic
def avatar_remove(*, user: User) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    old = [user.avatar_large, user.avatar_small]
    user.avatar_large = user.avatar_small = ""
    user.save(update_fields=["avatar_large", "avatar_small"])
    _delete_files_on_commit(old)
    return user


# --- Follows and endorsements ---------------------------------------------------------------
@transaction.atomic
def follow_create(*, follower: User, followed: User) -> bool:
    """`follower` follows `followed` (idempotent). Returns True if this is new.

    Raises ValidationError for following oneself or a former employee. Sends
    `profiles.signals.person_followed` after commit when a follow is created.
    """
    if follower.pk == followed.pk:
        raise ValidationError(_("You cannot follow yourself."), code="self")
    if not followed.is_active or not follower.is_active:
        raise ValidationError(_("Former employees cannot be followed."), code="inactive")
    _follow, created = Follow.objects.get_or_create(follower=follower, followed=followed)
    if created:
        transaction.on_commit(
            lambda: person_followed.send(sender=Follow, follower=follower, followed=followed)
        )
    return created


@transaction.atomic
def follow_delete(*, follower: User, followed: User) -> bool:
    """Stop following (idempotent). Returns True if a follow was removed."""
    deleted, _by_model = Follow.objects.filter(follower=follower, followed=followed).delete()
    return deleted > 0


@transaction.atomic
def endorsement_create(*, endorser: User, person: User, skill: Skill) -> bool:
    """`endorser` vouches for `person`'s `skill` (idempotent). Returns True if new.

    Raises ValidationError if the person does not list the skill, or for oneself.
    """
    if endorser.pk == person.pk:
        raise ValidationError(_("You cannot endorse yourself."), code="self")
    if not person.is_active or not endorser.is_active:
        raise ValidationError(_("Former employees cannot be endorsed."), code="inactive")
    if not person.skills.filter(pk=skill.pk).exists():
        raise ValidationError(
            _("%(name)s does not list this skill."), code="no_skill", params={"name": person}
        )
    _endorsement, created = Endorsement.objects.get_or_create(endorser=endorser, person=person, skill=skill)
    return created


@transaction.atomic
def endorsement_delete(*, endorser: User, person: User, skill: Skill) -> bool:
    deleted, _by_model = Endorsement.objects.filter(endorser=endorser, person=person, skill=skill).delete()
    return deleted > 0
