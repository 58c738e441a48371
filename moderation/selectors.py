"""Every read moderation needs: guidelines, the write gate's state, hidden-content filtering, the
queue, decisions and the audit log. Each starts from the permission filters in permissions.py.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from moderation.models import (
    Appeal,
    AuditEntry,
    Decision,
    GuidelineAcceptance,
    GuidelineVersion,
    ModerationItem,
    ModerationState,
    Report,
    Suspension,
)
from moderation.reportables import Reportable, by_content_type_id, reportable_for

if TYPE_CHECKING:
    from profiles.models import User

CURRENT_GUIDELINES_CACHE_KEY = "moderation:guidelines:current"
_NONE = "none"


# --- Guidelines -----------------------------------------------------------------------------


def published_versions() -> QuerySet[GuidelineVersion]:
    """Published versions, newest first."""
    return GuidelineVersion.objects.filter(published_at__isnull=False).order_by("-major", "-minor")


def current_guidelines() -> GuidelineVersion | None:
    """The version in force (the newest published), cached until the next publication."""
    cached = cache.get(CURRENT_GUIDELINES_CACHE_KEY)
    if cached == _NONE:
        return None
    if cached is not None:
        return cached
    version = published_versions().first()
    cache.set(CURRENT_GUIDELINES_CACHE_KEY, version if version is not None else _NONE, 3600)
    return version


def forget_current_guidelines() -> None:
    cache.delete(CURRENT_GUIDELINES_CACHE_KEY)


def version_by_number(number: str) -> GuidelineVersion | None:
    """A published version by its "major.minor" number, or None."""
    try:
        major, minor = (int(part) for part in number.split("."))
    except (ValueError, TypeError):
        return None
    return published_versions().filter(major=major, minor=minor).first()


def guideline_sections() -> list[dict[str, str]]:
    """The current version's sections as [{"key", "title"}] (its "## " headings)."""
    version = current_guidelines()
    return list(version.sections) if version is not None else []


def section_choices() -> list[tuple[str, str]]:
    return [(s["key"], s["title"]) for s in guideline_sections()]


def section_title(key: str) -> str:
    for section in guideline_sections():
        if section["key"] == key:
            return section["title"]
    return key


def section_url(key: str) -> str:
    base = reverse("guidelines")
    return f"{base}#{key}" if key else base


def versions_since(number: tuple[int, int] | None) -> list[GuidelineVersion]:
    """Published versions newer than `number` (all of them when None), oldest first."""
    qs = published_versions()
    if number is not None:
        major, minor = number
        qs = qs.filter(Q(major__gt=major) | Q(major=major, minor__gt=minor))
    return list(reversed(qs))


# --- The write gate -------------------------------------------------------------------------


@dataclass(frozen=True)
class WriteState:
    """What stands between a person and writing: unaccepted guidelines and/or a suspension."""

    current: GuidelineVersion | None
    accepted: tuple[int, int] | None  # the newest version number the person accepted
    suspension: Suspension | None

    @property
    def must_accept(self) -> bool:
        """The current major version has not been accepted (no guidelines: nothing to accept)."""
        if self.current is None:
            return False
        return self.accepted is None or self.accepted[0] < self.current.major

    @property
    def has_minor_update(self) -> bool:
        """A newer minor version than the one accepted exists (the dismissible banner)."""
        if self.current is None or self.must_accept or self.accepted is None:
            return False
        return self.accepted < (self.current.major, self.current.minor)

    @property
    def is_suspended(self) -> bool:
        return self.suspension is not None

    @property
    def blocked_code(self) -> str | None:
        """ "suspended", "guidelines_not_accepted" or None when the person may write."""
        if self.is_suspended:
            return "suspended"
        if self.must_accept:
            return "guidelines_not_accepted"
        return None


def _active_suspensions(now: datetime.datetime) -> QuerySet[Suspension]:
    return Suspension.objects.filter(lifted_at__isnull=True, starts_at__lte=now, ends_at__gt=now)


WRITE_STATE_CACHE_SECONDS = 300
_WRITE_STATE_TOKEN_SECONDS = 86400


def _write_state_keys(user_id: int) -> tuple[str, str]:
    """The cached state of one person's gate, and the token that makes it valid."""
    return f"moderation:write-state:{user_id}", f"moderation:write-state-token:{user_id}"


def forget_write_state(user_id: int) -> None:
    """Make every cached gate state of the person stale: now (this transaction reads its own
    change) and again after the commit (a reader may have cached the old state in between).

    Called by GuidelineAcceptance and Suspension on every save and delete (model methods)."""
    state_key, token_key = _write_state_keys(user_id)

    def renew() -> None:
        # The state itself goes too: were the token evicted later, an entry cached before this
        # change (under the token it had then, or none) must not become valid again.
        cache.set(token_key, uuid.uuid4().hex, _WRITE_STATE_TOKEN_SECONDS)
        cache.delete(state_key)

    renew()
    transaction.on_commit(renew)


def _read_write_state(
    user: User, now: datetime.datetime
) -> tuple[tuple[int, int] | None, Suspension | None, datetime.datetime | None]:
    """From the database, in one query: the newest accepted version number, the active
    suspension, and when the next suspension that is not lifted starts (if any)."""
    newest = GuidelineAcceptance.objects.filter(
        user_id=OuterRef("pk"), version__published_at__isnull=False
    ).order_by("-version__major", "-version__minor")
    from profiles.models import User as UserModel

    row = (
        UserModel.objects.filter(pk=user.pk)
        .annotate(
            accepted_major=Subquery(newest.values("version__major")[:1]),
            accepted_minor=Subquery(newest.values("version__minor")[:1]),
            suspension_id=Subquery(
                _active_suspensions(now).filter(user_id=OuterRef("pk")).order_by("-ends_at").values("pk")[:1]
            ),
            next_suspension_at=Subquery(
                Suspension.objects.filter(user_id=OuterRef("pk"), lifted_at__isnull=True, starts_at__gt=now)
                .order_by("starts_at")
                .values("starts_at")[:1]
            ),
        )
        .values("accepted_major", "accepted_minor", "suspension_id", "next_suspension_at")
        .first()
    ) or {"accepted_major": None, "accepted_minor": None, "suspension_id": None, "next_suspension_at": None}
    accepted = (row["accepted_major"], row["accepted_minor"]) if row["accepted_major"] is not None else None
    suspension = Suspension.objects.get(pk=row["suspension_id"]) if row["suspension_id"] else None
    return accepted, suspension, row["next_suspension_at"]


def write_state(user: User) -> WriteState:
    """The person's gate state: from the shared cache (one round trip, no query) when warm, else
    one query (plus the cached current version).

    The cached state is exact, not approximate: it is dropped by any save or delete of the
    person's acceptances or suspensions (`forget_write_state`, also after the commit), by a new
    current version, and at the moment it would change by itself (the suspension ends, or the
    next one starts); in any case after WRITE_STATE_CACHE_SECONDS."""
    if user is None or not user.is_authenticated:
        return WriteState(current=current_guidelines(), accepted=None, suspension=None)
    state_key, token_key = _write_state_keys(user.pk)
    found = cache.get_many([CURRENT_GUIDELINES_CACHE_KEY, state_key, token_key])
    cached_current = found.get(CURRENT_GUIDELINES_CACHE_KEY)
    if cached_current is None:
        current = current_guidelines()
    else:
        current = None if cached_current == _NONE else cached_current
    current_pk = current.pk if current is not None else None
    token = found.get(token_key)
    now = timezone.now()
    entry = found.get(state_key)
    if (
        entry is not None
        and entry["token"] == token
        and entry["current"] == current_pk
        and entry["until"] > now
    ):
        return WriteState(current=current, accepted=entry["accepted"], suspension=entry["suspension"])
    accepted, suspension, next_suspension_at = _read_write_state(user, now)
    until = now + datetime.timedelta(seconds=WRITE_STATE_CACHE_SECONDS)
    for moment in (suspension.ends_at if suspension else None, next_suspension_at):
        if moment is not None and moment < until:
            until = moment
    seconds = (until - now).total_seconds()
    if seconds >= 1:  # the token read before the query: a change committed since makes it stale
        entry = {
            "token": token,
            "current": current_pk,
            "until": until,
            "accepted": accepted,
            "suspension": suspension,
        }
        cache.set(state_key, entry, int(seconds))
    return WriteState(current=current, accepted=accepted, suspension=suspension)


def active_suspension(user: User) -> Suspension | None:
    if user is None or not user.is_authenticated:
        return None
    return _active_suspensions(timezone.now()).filter(user_id=user.pk).order_by("-ends_at").first()


def is_suspended(user: User) -> bool:
    """True while the person is suspended: they may read but not write anywhere."""
    return active_suspension(user) is not None


def has_accepted_current_guidelines(user: User) -> bool:
    return not write_state(user).must_accept


def people_not_accepted(version: GuidelineVersion | None = None) -> QuerySet[User]:
    """Active people who have not accepted `version`'s major version (default: the current one)."""
    from profiles.models import User as UserModel

    version = version or current_guidelines()
    people = UserModel.objects.filter(is_active=True)
    if version is None:
        return people.none()
    accepted = GuidelineAcceptance.objects.filter(
        version__major=version.major, version__published_at__isnull=False
    ).values("user_id")
    return people.exclude(pk__in=accepted).order_by("display_name", "pk")


# --- Hidden and held content ----------------------------------------------------------------


def _is_moderator(user: User) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_moderator)


def hidden_object_ids(model: type[Model]) -> QuerySet:
    """Subquery of the ids of `model` rows that are held or hidden (no query of its own)."""
    opts = model._meta.concrete_model._meta
    return ModerationItem.objects.filter(
        content_type__app_label=opts.app_label,
        content_type__model=opts.model_name,
        state__in=[ModerationState.HELD, ModerationState.HIDDEN],
    ).values("object_id")


def filter_not_hidden(viewer: User, qs: QuerySet) -> QuerySet:
    """Drop held and hidden rows, except the viewer's own; moderators keep everything.

    Compose it with the content's own visibility filter (it never widens what the group gate
    allows). Uses the model's `moderation_state` column when it has one, else one subquery.
    """
    if _is_moderator(viewer):
        return qs
    entry = reportable_for(qs.model)
    own = Q(**{entry.author_lookup(): viewer.pk}) if viewer is not None and viewer.is_authenticated else Q()
    if entry.has_state_field():
        visible = Q(moderation_state=ModerationState.VISIBLE)
    else:
        visible = ~Q(pk__in=hidden_object_ids(qs.model))
    return qs.filter(visible | own) if own else qs.filter(visible)


def hidden_from_viewer(viewer: User, model: type[Model]) -> ExpressionWrapper:
    """A boolean expression for `.annotate(...)`: True on rows of `model` that are held or hidden
    and that the viewer may not read (neither their author nor a moderator). For pages that show
    such a row but must leave its moderated text out (a group's description, a profile's text).
    Adds no query: whether the viewer is a moderator is asked in the same SQL unless known."""
    from profiles.models import MODERATORS_GROUP
    from profiles.models import User as UserModel

    known = viewer is not None and "is_moderator" in getattr(viewer, "__dict__", {})
    if known and _is_moderator(viewer):
        return ExpressionWrapper(Value(False), output_field=BooleanField())
    entry = reportable_for(model)
    if entry.has_state_field():
        held_or_hidden = ~Q(moderation_state=ModerationState.VISIBLE)
    else:
        held_or_hidden = Q(pk__in=hidden_object_ids(model))
    if viewer is not None and viewer.is_authenticated:
        held_or_hidden &= ~Q(**{entry.author_lookup(): viewer.pk})
        if not known:
            is_moderator = UserModel.groups.through.objects.filter(
                user_id=viewer.pk, group__name=MODERATORS_GROUP, user__is_active=True
            )
            held_or_hidden &= ~Exists(is_moderator)
    return ExpressionWrapper(held_or_hidden, output_field=BooleanField())


def moderation_state_of(obj: Model) -> str:
    """The content's state: its `moderation_state` column if it has one, else moderation's row."""
    state = getattr(obj, "moderation_state", None)
    if state:
        return state
    opts = type(obj)._meta.concrete_model._meta
    row = (
        ModerationItem.objects.filter(
            content_type__app_label=opts.app_label, content_type__model=opts.model_name, object_id=obj.pk
        )
        .values_list("state", flat=True)
        .first()
    )
    return row or ModerationState.VISIBLE


def can_see_moderated(viewer: User, obj: Model) -> bool:
    """False when `obj` is held or hidden and the viewer is neither its author nor a moderator.

    The single-object twin of `filter_not_hidden`, for the content app's `can_view_*`.
    """
    if moderation_state_of(obj) == ModerationState.VISIBLE or _is_moderator(viewer):
        return True
    author = reportable_for(obj).author_of(obj)
    return author is not None and viewer is not None and getattr(author, "pk", None) == viewer.pk


def decision_urls_for(objects: list[Model]) -> dict[int, str]:
    """pk -> the page of the latest hide decision, for the held or hidden ones among `objects`
    (all of one model), so a content app can badge them for their author and moderators with a
    link to why. No query when every object is visible; one otherwise. The page itself is
    gated (`check_view_decision_permission`: the affected person and moderators)."""
    pending = [o.pk for o in objects if getattr(o, "moderation_state", ModerationState.VISIBLE) != "visible"]
    if not pending:
        return {}
    content_type = ContentType.objects.get_for_model(type(objects[0]))
    rows = (
        Decision.objects.filter(
            item__content_type=content_type, item__object_id__in=pending, action=Decision.Action.HIDE
        )
        .order_by("item__object_id", "-created_at")
        .values_list("item__object_id", "pk")
    )
    urls: dict[int, str] = {}
    for object_id, decision_id in rows:
        urls.setdefault(object_id, reverse("moderation:decision", kwargs={"pk": decision_id}))
    return urls


# --- The queue ------------------------------------------------------------------------------


@dataclass
class QueueRow:
    item: ModerationItem
    target: Model | None
    reportable: Reportable | None
    place: str
    url: str
    sections: list[tuple[str, int]] = field(default_factory=list)  # (section key, report count)
    author_history: int = 0  # earlier decisions about the author

    @property
    def reason_titles(self) -> list[tuple[str, int]]:
        return [(section_title(key), count) for key, count in self.sections]


def queue_items(
    *,
    viewer: User,
    scope: str = "",
    kind: str = "",
    section: str = "",
    assigned: str = "",
) -> QuerySet[ModerationItem]:
    """Open items, most reports first then oldest first. Filters: scope, kind (reported, held,
    flagged), section (of an open report), assigned ("me", "unassigned")."""
    qs = ModerationItem.objects.filter(is_open=True).select_related("author", "assigned_to", "content_type")
    if scope:
        qs = qs.filter(scope=scope)
    if kind == "reported":
        qs = qs.filter(open_report_count__gt=0)
    elif kind == "held":
        qs = qs.filter(state=ModerationState.HELD)
    elif kind == "flagged":
        qs = qs.filter(open_report_count=0).exclude(state=ModerationState.HELD)
    if section:
        qs = qs.filter(reports__status=Report.Status.OPEN, reports__section=section).distinct()
    if assigned == "me":
        qs = qs.filter(assigned_to_id=viewer.pk)
    elif assigned == "unassigned":
        qs = qs.filter(assigned_to__isnull=True)
    earlier = (
        Decision.objects.filter(subject_id=OuterRef("author_id"))
        .exclude(action=Decision.Action.DISMISS)
        .order_by()
        .values("subject_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(author_history=Subquery(earlier)).order_by("-open_report_count", "opened_at", "id")


def load_targets(items: list[ModerationItem]) -> dict[tuple[int, int], Model]:
    """The content of each item, one query per content type, bypassing the content's own gate.

    The narrow moderator exception: only items already in moderation are loaded, and only for
    moderation's pages (never for the content app's own lists).
    """
    by_type: dict[int, list[int]] = defaultdict(list)
    for item in items:
        by_type[item.content_type_id].append(item.object_id)
    entries = by_content_type_id()
    targets: dict[tuple[int, int], Model] = {}
    for ct_id, ids in by_type.items():
        entry = entries.get(ct_id)
        if entry is None:
            continue
        for obj in entry.base_queryset().filter(pk__in=ids):
            targets[(ct_id, obj.pk)] = obj
    return targets


def present_queue(items: list[ModerationItem]) -> list[QueueRow]:
    """Rows for the queue page: targets (one query per type) and open reports' sections (one query)."""
    targets = load_targets(items)
    entries = by_content_type_id()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for item_id, key, n in (
        Report.objects.filter(item__in=[i.pk for i in items], status=Report.Status.OPEN)
        .values_list("item_id", "section")
        .annotate(n=Count("pk"))
        .values_list("item_id", "section", "n")
    ):
        counts[item_id][key] = n
    rows = []
    for item in items:
        entry = entries.get(item.content_type_id)
        target = targets.get((item.content_type_id, item.object_id))
        rows.append(
            QueueRow(
                item=item,
                target=target,
                reportable=entry,
                place=entry.place_for(target) if entry and target is not None else "",
                url=entry.url_for(target) if entry and target is not None else "",
                sections=sorted(counts[item.pk].items(), key=lambda kv: -kv[1]),
                author_history=getattr(item, "author_history", 0) or 0,
            )
        )
    return rows


def item_for_moderator(item_id: int) -> ModerationItem | None:
    return (
        ModerationItem.objects.select_related("author", "assigned_to", "content_type")
        .filter(pk=item_id)
        .first()
    )


def item_for(obj: Model) -> ModerationItem | None:
    return ModerationItem.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).first()


def item_reports(item: ModerationItem) -> QuerySet[Report]:
    return item.reports.select_related("reporter").order_by("-created_at")


def author_history(user: User | None, *, limit: int = 20) -> list[Decision]:
    """The person's earlier moderation decisions, newest first."""
    if user is None:
        return []
    return list(
        Decision.objects.filter(subject=user)
        .select_related("moderator", "item__content_type")
        .order_by("-created_at")[:limit]
    )


def pending_appeals() -> QuerySet[Appeal]:
    return (
        Appeal.objects.filter(status=Appeal.Status.PENDING)
        .select_related("decision__moderator", "decision__item__content_type", "appellant")
        .order_by("created_at")
    )


def queue_counts() -> dict[str, int]:
    return {
        "items": ModerationItem.objects.filter(is_open=True).count(),
        "appeals": Appeal.objects.filter(status=Appeal.Status.PENDING).count(),
    }


# --- Decisions (the notification target) ----------------------------------------------------


def decision_url(decision: Decision) -> str:
    return reverse("moderation:decision", kwargs={"pk": decision.pk})


def describe_decision(decision: Decision) -> str:
    if decision.item_id is None:
        return _("your account")
    label = by_content_type_id().get(decision.item.content_type_id)
    what = str(label.label) if label is not None else _("content")
    return _("your %(what)s") % {"what": what}


def decisions_about(user: User) -> QuerySet[Decision]:
    return Decision.objects.filter(subject=user).select_related("item__content_type").order_by("-created_at")


# --- Audit log ------------------------------------------------------------------------------


def audit_entries(*, action: str = "", actor_id: int | None = None) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.all()
    if action:
        qs = qs.filter(action__startswith=action)
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    return qs.order_by("-created_at", "-id")


def audit_value(value: Any) -> str:
    """A compact one-line rendering of an old/new value for tables and CSV."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return str(value)
