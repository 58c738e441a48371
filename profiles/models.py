"""Staff accounts: e-mail is the login identifier; org fields give the chart and directory."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

MODERATORS_GROUP = "HR moderators"


SKILL_NAME_MAX_LENGTH = 60


def normalise_skill_name(raw: str) -> str:
    """The one normalisation for skills and "ask me about" topics.

    Trimmed, inner whitespace folded to one space, list separators and a leading "#" removed.
    Case is kept as first written and compared case-insensitively (see `skill_key`).
    """
    return " ".join(raw.replace(",", " ").replace(";", " ").split()).lstrip("#").strip()


def skill_key(raw: str) -> str:
    """What two spellings of one skill have in common: "Python", "python " and "PYTHON"."""
    return normalise_skill_name(raw).casefold()


MAX_SKILLS_PER_LIST = 30


def clean_skill_names(names: Iterable[str]) -> list[str]:
    """Normalised, de-duplicated (case-insensitively) names in their first spelling and order.

    Raises ValidationError for an over-long name or more than MAX_SKILLS_PER_LIST entries.
    """
    unique: dict[str, str] = {}
    for raw in names:
        clean = normalise_skill_name(raw)
        if not clean:
            continue
        if len(clean) > SKILL_NAME_MAX_LENGTH:
            raise ValidationError(
                _("“%(name)s…” is too long: at most %(max)d characters per entry."),
                code="too_long",
                params={"name": clean[:24], "max": SKILL_NAME_MAX_LENGTH},
            )
        unique.setdefault(skill_key(clean), clean)
    if len(unique) > MAX_SKILLS_PER_LIST:
        raise ValidationError(
            _("At most %(max)d entries, please (you gave %(count)d)."),
            code="too_many",
            params={"max": MAX_SKILLS_PER_LIST, "count": len(unique)},
        )
    return list(unique.values())


def split_skill_list(text: str) -> list[str]:
    """Entries of a comma-separated list as typed in a form ("Python, Django; SQL")."""
    return [part for part in text.replace(";", ",").split(",") if part.strip()]


phone_validator = RegexValidator(
    r"^(\+?[0-9(][0-9 ()./-]*)?(\s*(x|ext\.?)\s*[0-9]{1,6})?$",
    _("Use digits, spaces and + ( ) - . / only, optionally followed by “ext 123”."),
    code="invalid_phone",
    flags=re.IGNORECASE,
)


def validate_time_zone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class UserManager(DjangoUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):  # type: ignore[override]
        if not email:
            raise ValueError("An e-mail address is required")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class Department(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    """A normalised tag: "Python", "python " and "PYTHON" are one skill."""

    name = models.CharField(_("name"), max_length=60)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)

    class Meta:
        ordering = [models.functions.Lower("name")]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), name="skill_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=120)
    title = models.CharField(_("job title"), max_length=120, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True, related_name="people")
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, default="", validators=[validate_time_zone]
    )
    # Org fields: set by admins (Django admin or `import_staff`), never by the person.
    location = models.CharField(_("location / office"), max_length=120, blank=True, db_index=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    # Fields each person edits on their own profile.
    phone = models.CharField(_("phone / extension"), max_length=40, blank=True, validators=[phone_validator])
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    bio = models.TextField(_("bio"), max_length=2000, blank=True, help_text=_("Markdown."))
    bio_html = models.TextField(_("bio (rendered)"), blank=True, editable=False)
    ask_me_about = models.ManyToManyField(
        Skill, verbose_name=_("ask me about"), blank=True, related_name="advisors"
    )
    # Storage names of the re-encoded avatar; served only through profiles:avatar.
    avatar_large = models.CharField(max_length=255, blank=True, editable=False)
    avatar_small = models.CharField(max_length=255, blank=True, editable=False)
    is_staff = models.BooleanField(
        _("staff status"), default=False, help_text=_("Can log into the admin site.")
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Unselect this instead of deleting accounts: their content stays, labelled."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name", "id"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()
        if self.manager_id and self.pk:
            if self.manager_id == self.pk:
                raise ValidationError({"manager": _("A person cannot be their own manager.")})
            from profiles.selectors import manager_chain_ids

            if self.pk in manager_chain_ids(self.manager_id):
                raise ValidationError(
                    {
                        "manager": _("This would make a loop: %(name)s already manages that person.")
                        % {"name": self}
                    }
                )

    @property
    def is_former_employee(self) -> bool:
        """Deactivated: hidden from the directory, their past content labelled."""
        return not self.is_active

    @property
    def avatar_version(self) -> str:
        """Changes whenever the avatar does, so a cached image is never shown stale."""
        return self.avatar_small.rsplit("/", 1)[-1].split("-", 1)[0] if self.avatar_small else ""

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name.split(" ")[0] if self.display_name else self.email

    @cached_property
    def is_moderator(self) -> bool:
        """Member of the HR moderators group (membership is managed in admin)."""
        return self.is_active and self.groups.filter(name=MODERATORS_GROUP).exists()


class Follow(models.Model):
    """`follower` sees `followed`'s posts in their feed (read by the feed through selectors)."""

    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following_links"
    )
    followed = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follower_links"
    )
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="follow_unique_pair"),
            models.CheckConstraint(
                condition=~models.Q(follower=models.F("followed")), name="follow_not_self"
            ),
        ]
        indexes = [models.Index(fields=["followed", "follower"])]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.followed_id}"


class Endorsement(models.Model):
    """A colleague vouches that `person` knows `skill` (ranks "who knows about X")."""

    endorser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="endorsements_given"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="endorsements_received"
    )
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="endorsements")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("endorsement")
        verbose_name_plural = _("endorsements")
        constraints = [
            models.UniqueConstraint(fields=["endorser", "person", "skill"], name="endorsement_unique"),
            models.CheckConstraint(
                condition=~models.Q(endorser=models.F("person")), name="endorsement_not_self"
            ),
        ]
        indexes = [models.Index(fields=["skill", "person"])]

    def __str__(self) -> str:
        return f"{self.endorser_id} endorses {self.person_id} for {self.skill_id}"
