"""Every write of moderation, and the one function that screens every text.

Content apps call:
- `screen_text(text=..., scope=..., author=...)` to know what the rules say (the composer does
  it as the person types), and `enforce_screening(...)` in their create/update service: it
  raises `ContentBlocked` (block) or `ConfirmationRequired` (warn, not yet confirmed), else
  returns the result whose `moderation_state` the content stores; after saving they call
  `screening_record(target=obj, result=result)` so held and flagged content reaches the queue.
- `report_create(...)` through moderation's own doors (page, API).
Moderators' actions (`item_dismiss`, `item_hide`, `item_restore`, `item_approve`, `person_warn`,
`person_suspend`, `suspension_lift`, `appeal_decide`) each need a reason, write an audit entry
and tell the affected person (notification kind `moderation_decision`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from moderation.matching import PatternError, compile_rule
from moderation.models import (
    Appeal,
    AuditEntry,
    Decision,
    GuidelineAcceptance,
    GuidelineVersion,
    ModerationItem,
    ModerationState,
    Report,
    Rule,
    RuleAction,
    Scope,
    Suspension,
)
from moderation.permissions import (
    can_act_on_item,
    can_act_on_person,
    can_appeal,
    can_decide_appeal,
)
from moderation.rendering import render_guidelines
from moderation.reportables import reportable_for
from moderation.selectors import (
    current_guidelines,
    forget_current_guidelines,
    published_versions,
    section_title,
    section_url,
)
from notifications.kinds import Kind
from notifications.services import notify
from socialco.markdown import markdown_to_text

if TYPE_CHECKING:
    from profiles.models import User

MAX_SUSPENSION_DAYS = 365
EXCERPT_LENGTH = 500

# --- Screening ------------------------------------------------------------------------------

_STRENGTH = {RuleAction.BLOCK: 3, RuleAction.HOLD: 2, RuleAction.WARN: 1}
ALLOW = "allow"


@dataclass(frozen=True)
class RuleMatch:
    """One rule that matched: what it does, why, and where in the guidelines."""

    rule_id: int
    name: str
    action: str
    explanation: str
    section: str
    section_title: str
    section_url: str
    hits: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "name": self.name,
            "action": self.action,
            "explanation": self.explanation,
            "section": self.section,
            "section_title": self.section_title,
            "section_url": self.section_url,
            "matched": list(self.hits),
        }


@dataclass(frozen=True)
class ScreenResult:
    """What the rules say about a text: `action` is "block", "hold", "warn" or "allow"."""

    scope: str
    action: str = ALLOW
    matches: tuple[RuleMatch, ...] = field(default_factory=tuple)
    confirmed: bool = False

    @property
    def is_blocked(self) -> bool:
        return self.action == RuleAction.BLOCK

    @property
    def is_held(self) -> bool:
        return self.action == RuleAction.HOLD

    @property
    def needs_confirmation(self) -> bool:
        return self.action == RuleAction.WARN and not self.confirmed

    @property
    def is_flagged(self) -> bool:
        """A warning the author confirmed: published, and flagged for review."""
        return self.action == RuleAction.WARN and self.confirmed

    @property
    def moderation_state(self) -> str:
        """The state the content app stores: held content waits for a moderator."""
        return ModerationState.HELD if self.is_held else ModerationState.VISIBLE

    def deciding(self) -> list[RuleMatch]:
        """The matches that decide the action (the strongest ones)."""
        return [m for m in self.matches if m.action == self.action]

    @property
    def messages(self) -> list[str]:
        return [m.explanation for m in self.deciding()]

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "needs_confirmation": self.needs_confirmation,
            "matches": [m.as_dict() for m in self.matches],
        }


class ScreeningError(Exception):
    """Base of ContentBlocked and ConfirmationRequired; carries the result and its explanations."""

    code = "screening"

    def __init__(self, result: ScreenResult) -> None:
        self.result = result
        self.messages = result.messages
        super().__init__(" ".join(self.messages))

    def as_validation_error(self) -> ValidationError:
        return ValidationError(self.messages, code=self.code)

    def as_api_error(self) -> dict[str, Any]:
        """The body of a 400 answer: {"detail", "code", "screening": ScreenResult.as_dict()}."""
        return {"detail": " ".join(self.messages), "code": self.code, "screening": self.result.as_dict()}


class ContentBlocked(ScreeningError):
    """A block rule matched: refuse the write, show the explanations, keep the author's text."""

    code = "content_blocked"


class ConfirmationRequired(ScreeningError):
    """A warn rule matched and the author has not confirmed "post anyway" yet."""

    code = "confirmation_required"


# The enabled rules, kept in the shared cache (every process reads the same list): screening runs
# on every chat message, post and comment, and the rules change rarely. `Rule.save()` and
# `Rule.delete()` forget the list (forget_enabled_rules), whoever calls them (these services,
# admin, a shell), so a change applies to the next text screened on any process; the timeout
# only bounds a change made with a bulk `update()`.
ENABLED_RULES_CACHE_KEY = "moderation:enabled-rules:v1"
ENABLED_RULES_CACHE_SECONDS = 300


def forget_enabled_rules() -> None:
    """Now (this transaction reads its own change) and after the commit (in case another process
    cached the old list in between)."""
    cache.delete(ENABLED_RULES_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(ENABLED_RULES_CACHE_KEY))


def enabled_rules(scope: str) -> list[Rule]:
    """The enabled rules that apply to `scope`, in id order (from the shared cache when warm)."""
    rules = cache.get(ENABLED_RULES_CACHE_KEY)
    if rules is None:
        rules = list(Rule.objects.filter(is_enabled=True).order_by("pk"))
        cache.set(ENABLED_RULES_CACHE_KEY, rules, ENABLED_RULES_CACHE_SECONDS)
    return [rule for rule in rules if scope in rule.scopes]


def screen_text(
    *, text: str, scope: str, author: User | None = None, confirmed: bool = False
) -> ScreenResult:
    """Check `text` against every enabled rule for `scope`. Reads only; linear time per rule.

    The one function every text path goes through (posts, comments, answers, chat, profile
    texts, group descriptions). A rule whose stored pattern no longer compiles is skipped.
    """
    scope = Scope(scope).value
    matches: list[RuleMatch] = []
    for rule in enabled_rules(scope):
        try:
            compiled = compile_rule(kind=rule.kind, terms=rule.terms, whole_word=rule.whole_word)
        except PatternError:
            continue
        hits = compiled.hits(text or "")
        if hits:
            matches.append(
                RuleMatch(
                    rule_id=rule.pk,
                    name=rule.name,
                    action=rule.action,
                    explanation=rule.explanation,
                    section=rule.section,
                    section_title=section_title(rule.section) if rule.section else "",
                    section_url=section_url(rule.section),
                    hits=tuple(dict.fromkeys(hits))[:5],
                )
            )
    if not matches:
        return ScreenResult(scope=scope, confirmed=confirmed)
    action = max((m.action for m in matches), key=lambda a: _STRENGTH[RuleAction(a)])
    matches.sort(key=lambda m: -_STRENGTH[RuleAction(m.action)])
    return ScreenResult(scope=scope, action=action, matches=tuple(matches), confirmed=confirmed)


def enforce_screening(
    *,
    text: str,
    scope: str,
    author: User | None = None,
    confirmed: bool = False,
    hold_refused: bool = False,
) -> ScreenResult:
    """`screen_text`, then raise ContentBlocked (block) or ConfirmationRequired (unconfirmed warn).

    Returns the result for allow, hold and confirmed warn: store `result.moderation_state` on
    the content and call `screening_record(target=..., result=...)` once it is saved.
    `hold_refused=True` is for short labels shown everywhere that cannot be kept out of view
    while a moderator reviews them (a group's name, pronouns, skill tags): a hold rule refuses
    them like a block (ContentBlocked, whose result keeps `action == "hold"`).
    """
    result = screen_text(text=text, scope=scope, author=author, confirmed=confirmed)
    if result.is_blocked or (hold_refused and result.is_held):
        raise ContentBlocked(result)
    if result.needs_confirmation:
        raise ConfirmationRequired(result)
    return result


def enforce_screening_all(
    texts: list[tuple[str, bool]], *, scope: str, author: User | None, confirmed: bool
) -> ScreenResult | None:
    """`enforce_screening` for several texts written in one form, as `(text, hold_refused)` pairs.

    Screens them all, then raises one refusal: a block (ContentBlocked) before an unconfirmed
    warning (ConfirmationRequired). Otherwise returns the one result to record with
    `screening_record`: a held text first, else a confirmed warning, else None.
    """
    results: list[ScreenResult] = []
    refusals: list[ScreeningError] = []
    for text, hold_refused in texts:
        try:
            results.append(
                enforce_screening(
                    text=text, scope=scope, author=author, confirmed=confirmed, hold_refused=hold_refused
                )
            )
        except ScreeningError as exc:
            refusals.append(exc)
    if refusals:
        blocked = [exc for exc in refusals if isinstance(exc, ContentBlocked)]
        raise (blocked or refusals)[0]
    held = [result for result in results if result.is_held]
    flagged = [result for result in results if result.is_flagged]
    return (held or flagged or [None])[0]


def screening_record(*, target: Model, result: ScreenResult) -> ModerationItem | None:
    """Put held or flagged (confirmed warn) content into the queue. No-op for allowed content.

    Call it in the same transaction that saved `target`. Returns the queue item, if any.
    """
    if not (result.is_held or result.is_flagged):
        return None  # the common case: no savepoint, no query
    return _screening_record(target=target, result=result)


@transaction.atomic
def _screening_record(*, target: Model, result: ScreenResult) -> ModerationItem:
    entry = reportable_for(target)
    item = _item_for_update(target)
    item.flags = [m.as_dict() for m in result.deciding()]
    item.excerpt = _excerpt(entry.text(target))
    if result.is_held:
        item.state = ModerationState.HELD
    _reopen(item)
    item.save()
    record_audit(
        actor=None,
        action="screening.hold" if result.is_held else "screening.flag",
        target=target,
        new={"state": item.state, "rules": [m.rule_id for m in result.deciding()]},
        reason="; ".join(result.messages),
    )
    return item


# --- Audit log ------------------------------------------------------------------------------


def _label(obj: Any) -> str:
    try:
        return str(obj)[:300]
    except Exception:  # noqa: BLE001 - a broken __str__ must never lose an audit entry
        return repr(obj)[:300]


def record_audit(
    *,
    actor: User | None,
    action: str,
    target: Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    target_repr: str = "",
    old: Any = None,
    new: Any = None,
    reason: str = "",
) -> AuditEntry:
    """Append one entry to the audit log (who, what, target, old and new values, reason, when).

    `action` is a dotted name ("moderation.hide", "rule.change", "guidelines.publish",
    "policy.change", ...). Values must be JSON-serialisable. Never updated or deleted.
    """
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
        target_repr = target_repr or _label(target)
    entry = AuditEntry(
        actor=actor,
        actor_repr=(actor.email if actor is not None else _("system"))[:300],
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        target_repr=target_repr[:300],
        old_value=old,
        new_value=new,
        reason=reason,
    )
    entry.save()
    return entry


# --- Guidelines -----------------------------------------------------------------------------


def guideline_save_draft(*, version: GuidelineVersion) -> GuidelineVersion:
    """Save a draft (admin). A published version is frozen."""
    if version.pk and GuidelineVersion.objects.filter(pk=version.pk, published_at__isnull=False).exists():
        raise ValidationError(_("A published version cannot be changed; write a new version instead."))
    version.body_html, version.sections = render_guidelines(version.body)
    version.full_clean()
    version.save()
    return version


@transaction.atomic
def guideline_publish(*, version: GuidelineVersion, actor: User | None) -> GuidelineVersion:
    """Publish a draft: number it (major: next major, x.0; minor: same major, next minor), freeze
    it, audit it. The first version is always 1.0. Everyone must accept a new major version."""
    version = GuidelineVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise ValidationError(_("This version is already published."))
    latest = published_versions().select_for_update().first()
    if latest is None:
        version.major, version.minor, version.change = 1, 0, GuidelineVersion.Change.MAJOR
    elif version.change == GuidelineVersion.Change.MAJOR:
        version.major, version.minor = latest.major + 1, 0
    else:
        version.major, version.minor = latest.major, latest.minor + 1
    version.body_html, version.sections = render_guidelines(version.body)
    version.published_at = timezone.now()
    version.published_by = actor
    version.full_clean()
    version.save()
    record_audit(
        actor=actor,
        action="guidelines.publish",
        target=version,
        old={"version": latest.number} if latest else None,
        new={"version": version.number, "change": version.change, "title": version.title},
        reason=version.change_summary,
    )
    forget_current_guidelines()
    transaction.on_commit(forget_current_guidelines)
    return version


def guidelines_accept(*, user: User, version: GuidelineVersion | None = None) -> GuidelineAcceptance | None:
    """Record that `user` accepted (or, for a minor version, acknowledged) `version` (default:
    the current one). Accepting twice changes nothing. Returns None when nothing is published."""
    version = version or current_guidelines()
    if version is None:
        return None
    if not version.is_published:
        raise ValidationError(_("Only a published version can be accepted."))
    acceptance, _created = GuidelineAcceptance.objects.get_or_create(user=user, version=version)
    return acceptance


# --- Rules ----------------------------------------------------------------------------------


def _rule_values(rule: Rule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "kind": rule.kind,
        "terms": rule.terms,
        "whole_word": rule.whole_word,
        "scopes": list(rule.scopes),
        "section": rule.section,
        "action": rule.action,
        "is_enabled": rule.is_enabled,
        "explanation": rule.explanation,
    }


@transaction.atomic
def rule_save(*, rule: Rule, actor: User | None, reason: str = "") -> Rule:
    """Create or change a rule (validated: a pattern RE2 refuses raises ValidationError); audited."""
    old = None
    if rule.pk:
        previous = Rule.objects.filter(pk=rule.pk).first()
        old = _rule_values(previous) if previous else None
    rule.full_clean()
    rule.save()
    new = _rule_values(rule)
    if old != new:
        record_audit(
            actor=actor,
            action="rule.create" if old is None else "rule.change",
            target=rule,
            old={k: v for k, v in old.items() if new.get(k) != v} if old else None,
            new={k: v for k, v in new.items() if not old or old.get(k) != v},
            reason=reason,
        )
    return rule


@transaction.atomic
def rule_delete(*, rule: Rule, actor: User | None) -> None:
    record_audit(actor=actor, action="rule.delete", target=rule, old=_rule_values(rule))
    rule.delete()


# --- Reports --------------------------------------------------------------------------------


def _excerpt(text: str) -> str:
    return Truncator(markdown_to_text(text or "")).chars(EXCERPT_LENGTH)


def _item_for_update(target: Model) -> ModerationItem:
    """The item for `target`, created if missing, locked for this transaction."""
    entry = reportable_for(target)
    content_type = ContentType.objects.get_for_model(target)
    author = entry.author_of(target)
    item, _created = ModerationItem.objects.get_or_create(
        content_type=content_type,
        object_id=target.pk,
        defaults={
            "scope": entry.scope,
            "author": author,
            "excerpt": _excerpt(entry.text(target)),
            "is_open": False,
        },
    )
    return ModerationItem.objects.select_for_update().get(pk=item.pk)


def _reopen(item: ModerationItem) -> None:
    if not item.is_open:
        item.is_open = True
        item.opened_at = timezone.now()


class AlreadyReported(ValidationError):
    """The person already has an open report on this item."""


REPORT_RATE_LIMIT = (30, 3600)  # reports per person per hour


def _rate_limited(key: str, limit: int, period: int) -> bool:
    cache.add(key, 0, period)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, period)
        count = 1
    return count > limit


@transaction.atomic
def report_create(*, reporter: User, target: Model, section: str, note: str = "") -> Report:
    """Report `target` under a guideline section. One open report per person per item; reports on
    one item are gathered on its ModerationItem (the count orders the queue).

    The caller has checked that the reporter may see the target (`Reportable.can_view`).
    Raises AlreadyReported, or ValidationError for a bad section or the rate limit.
    """
    valid_sections = {s["key"] for s in (current_guidelines().sections if current_guidelines() else [])}
    if section not in valid_sections and section != "other":
        raise ValidationError({"section": _("Choose the guideline section this breaks.")})
    if _rate_limited(f"moderation:reports:{reporter.pk}", *REPORT_RATE_LIMIT):
        raise ValidationError(_("You have sent many reports recently. Please try again later."))
    item = _item_for_update(target)
    if item.reports.filter(reporter=reporter, status=Report.Status.OPEN).exists():
        raise AlreadyReported(_("You have already reported this. A moderator will look at it."))
    report = Report(item=item, reporter=reporter, section=section, note=(note or "").strip())
    report.full_clean(exclude=["item", "reporter"])
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        raise AlreadyReported(_("You have already reported this. A moderator will look at it.")) from None
    item.open_report_count = F("open_report_count") + 1
    item.excerpt = _excerpt(reportable_for(target).text(target))
    _reopen(item)
    item.save()
    item.refresh_from_db(fields=["open_report_count"])
    record_audit(
        actor=reporter,
        action="report.create",
        target=target,
        new={"section": section, "item": item.pk},
        reason=report.note,
    )
    return report


# --- Moderators' actions --------------------------------------------------------------------


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason: the author sees it.")})
    return reason


def _close(item: ModerationItem, *, now: datetime.datetime) -> None:
    item.reports.filter(status=Report.Status.OPEN).update(status=Report.Status.RESOLVED, resolved_at=now)
    item.open_report_count = 0
    item.is_open = False
    item.assigned_to = None


def _set_state(item: ModerationItem, state: str) -> Model | None:
    """Write the state on the item and, by convention, on the content's `moderation_state`."""
    item.state = state
    entry = reportable_for(item.content_type.model_class())
    target = entry.base_queryset().filter(pk=item.object_id).first()
    if target is not None and entry.has_state_field():
        type(target)._default_manager.filter(pk=target.pk).update(moderation_state=state)
        target.moderation_state = state
    return target


def _notify_subject(decision: Decision) -> None:
    if decision.subject is None:
        return
    notify(
        recipients=[decision.subject],
        kind=Kind.MODERATION_DECISION,
        actor=decision.moderator,
        target=decision,
        data={"action": decision.action, "section": decision.section},
        excerpt=decision.reason,
    )


def _decide(
    *,
    action: str,
    moderator: User,
    reason: str,
    section: str,
    item: ModerationItem | None = None,
    subject: User | None = None,
    audit_old: Any = None,
    audit_new: Any = None,
    notify_subject: bool = True,
) -> Decision:
    decision = Decision(
        action=action,
        item=item,
        subject=subject if subject is not None else (item.author if item is not None else None),
        moderator=moderator,
        reason=reason,
        section=section,
    )
    decision.full_clean()
    decision.save()
    target: Any = item.target if item is not None else decision.subject
    record_audit(
        actor=moderator,
        action=f"moderation.{action}",
        target=target,
        old=audit_old,
        new=audit_new if audit_new is not None else {"decision": decision.pk, "section": section},
        reason=reason,
    )
    if notify_subject:
        _notify_subject(decision)
    return decision


def _check_item(moderator: User, item: ModerationItem) -> None:
    if not can_act_on_item(moderator, item):
        raise PermissionDenied(_("You cannot act on this item."))


@transaction.atomic
def item_assign(*, item: ModerationItem, moderator: User) -> ModerationItem:
    """Assign the item to `moderator` ("assign to me"); audited."""
    _check_item(moderator, item)
    item = ModerationItem.objects.select_for_update().get(pk=item.pk)
    old = item.assigned_to_id
    item.assigned_to = moderator
    item.save(update_fields=["assigned_to", "updated_at"])
    record_audit(
        actor=moderator,
        action="moderation.assign",
        target=item,
        old={"assigned_to": old},
        new={"assigned_to": moderator.pk},
    )
    return item


@transaction.atomic
def item_dismiss(*, item: ModerationItem, moderator: User, reason: str) -> Decision:
    """Close the reports (and a rule's flag) without changing the content."""
    _check_item(moderator, item)
    reason = _require_reason(reason)
    item = ModerationItem.objects.select_for_update().get(pk=item.pk)
    _close(item, now=timezone.now())
    item.save()
    return _decide(
        action=Decision.Action.DISMISS,
        moderator=moderator,
        reason=reason,
        section="",
        item=item,
        notify_subject=False,
    )


@transaction.atomic
def item_hide(*, item: ModerationItem, moderator: User, reason: str, section: str = "") -> Decision:
    """Hide the content from everyone but its author and moderators; the author is told why."""
    _check_item(moderator, item)
    reason = _require_reason(reason)
    item = ModerationItem.objects.select_for_update().get(pk=item.pk)
    old_state = item.state
    target = _set_state(item, ModerationState.HIDDEN)
    _close(item, now=timezone.now())
    item.save()
    entry = reportable_for(item.content_type.model_class())
    if target is not None and entry.hide is not None:
        entry.hide(target)
    return _decide(
        action=Decision.Action.HIDE,
        moderator=moderator,
        reason=reason,
        section=section,
        item=item,
        audit_old={"state": old_state},
        audit_new={"state": ModerationState.HIDDEN, "section": section},
    )


def _make_visible(item: ModerationItem) -> Model | None:
    target = _set_state(item, ModerationState.VISIBLE)
    entry = reportable_for(item.content_type.model_class())
    if target is not None and entry.restore is not None:
        entry.restore(target)
    return target


def _publish_item(
    *, item: ModerationItem, moderator: User, reason: str, from_state: str, action: str, refusal: str
) -> Decision:
    """Move an item from `from_state` back to visible, close it and record the decision."""
    _check_item(moderator, item)
    reason = _require_reason(reason)
    item = ModerationItem.objects.select_for_update().get(pk=item.pk)
    if item.state != from_state:
        raise ValidationError(refusal)
    _make_visible(item)
    _close(item, now=timezone.now())
    item.save()
    return _decide(
        action=action,
        moderator=moderator,
        reason=reason,
        section="",
        item=item,
        audit_old={"state": from_state},
        audit_new={"state": ModerationState.VISIBLE},
    )


@transaction.atomic
def item_restore(*, item: ModerationItem, moderator: User, reason: str) -> Decision:
    """Make hidden content visible again."""
    return _publish_item(
        item=item,
        moderator=moderator,
        reason=reason,
        from_state=ModerationState.HIDDEN,
        action=Decision.Action.RESTORE,
        refusal=_("Only hidden content can be restored."),
    )


@transaction.atomic
def item_approve(*, item: ModerationItem, moderator: User, reason: str) -> Decision:
    """Publish held content."""
    return _publish_item(
        item=item,
        moderator=moderator,
        reason=reason,
        from_state=ModerationState.HELD,
        action=Decision.Action.APPROVE,
        refusal=_("Only held content can be approved."),
    )


def _check_person(moderator: User, person: User) -> None:
    if not can_act_on_person(moderator, person):
        raise PermissionDenied(_("You cannot act on this person."))


@transaction.atomic
def person_warn(
    *, person: User, moderator: User, reason: str, section: str = "", item: ModerationItem | None = None
) -> Decision:
    """A formal warning, recorded in the person's history and sent to them."""
    _check_person(moderator, person)
    reason = _require_reason(reason)
    return _decide(
        action=Decision.Action.WARN,
        moderator=moderator,
        reason=reason,
        section=section,
        item=item,
        subject=person,
    )


@transaction.atomic
def person_suspend(
    *,
    person: User,
    moderator: User,
    days: int,
    reason: str,
    section: str = "",
    item: ModerationItem | None = None,
) -> Suspension:
    """Suspend for `days` (1-365): the person can read but not write anywhere until then."""
    _check_person(moderator, person)
    reason = _require_reason(reason)
    if not isinstance(days, int) or not 1 <= days <= MAX_SUSPENSION_DAYS:
        raise ValidationError(
            {"days": _("Choose between 1 and %(max)d days.") % {"max": MAX_SUSPENSION_DAYS}}
        )
    now = timezone.now()
    ends_at = now + datetime.timedelta(days=days)
    decision = _decide(
        action=Decision.Action.SUSPEND,
        moderator=moderator,
        reason=reason,
        section=section,
        item=item,
        subject=person,
        audit_new={"until": ends_at.isoformat(), "days": days, "section": section},
        notify_subject=False,
    )
    suspension = Suspension(
        user=person, decision=decision, starts_at=now, ends_at=ends_at, reason=reason, section=section
    )
    suspension.full_clean()
    suspension.save()
    _notify_subject(decision)
    return suspension


@transaction.atomic
def suspension_lift(*, suspension: Suspension, moderator: User, reason: str) -> Decision:
    """End a suspension now."""
    _check_person(moderator, suspension.user)
    reason = _require_reason(reason)
    suspension = Suspension.objects.select_for_update().get(pk=suspension.pk)
    if not suspension.is_active:
        raise ValidationError(_("This suspension is not active."))
    suspension.lifted_at = timezone.now()
    suspension.lifted_by = moderator
    suspension.save(update_fields=["lifted_at", "lifted_by"])
    return _decide(
        action=Decision.Action.LIFT,
        moderator=moderator,
        reason=reason,
        section="",
        subject=suspension.user,
        audit_old={"until": suspension.ends_at.isoformat()},
        audit_new={"lifted": suspension.lifted_at.isoformat()},
    )


# --- Appeals --------------------------------------------------------------------------------


@transaction.atomic
def appeal_create(*, decision: Decision, appellant: User, note: str) -> Appeal:
    """The affected person appeals a hide or suspension, once. It returns to the queue."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the decision should be reconsidered.")})
    Decision.objects.select_for_update().filter(pk=decision.pk).first()
    if not can_appeal(appellant, decision):
        raise ValidationError(_("This decision cannot be appealed (or was already appealed)."))
    appeal = Appeal(decision=decision, appellant=appellant, note=note)
    appeal.full_clean(exclude=["decision", "appellant"])
    try:
        with transaction.atomic():
            appeal.save()
    except IntegrityError:
        raise ValidationError(_("This decision was already appealed.")) from None
    record_audit(
        actor=appellant, action="appeal.create", target=decision, new={"appeal": appeal.pk}, reason=note
    )
    return appeal


@transaction.atomic
def appeal_decide(*, appeal: Appeal, moderator: User, overturn: bool, reason: str) -> Appeal:
    """Uphold or overturn, by another moderator than the one who acted. Overturning a hide
    restores the content; overturning a suspension lifts it. The appellant is told."""
    reason = _require_reason(reason)
    appeal = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("decision__item", "decision__moderator")
        .get(pk=appeal.pk)
    )
    if not can_decide_appeal(moderator, appeal):
        raise PermissionDenied(_("Another moderator must decide this appeal."))
    decision = appeal.decision
    appeal.status = Appeal.Status.OVERTURNED if overturn else Appeal.Status.UPHELD
    appeal.decided_by = moderator
    appeal.decided_at = timezone.now()
    appeal.decision_reason = reason
    appeal.save()
    record_audit(
        actor=moderator,
        action="appeal.overturn" if overturn else "appeal.uphold",
        target=decision,
        old={"status": Appeal.Status.PENDING},
        new={"status": appeal.status, "appeal": appeal.pk},
        reason=reason,
    )
    if overturn and decision.action == Decision.Action.HIDE and decision.item is not None:
        item = ModerationItem.objects.select_for_update().get(pk=decision.item_id)
        if item.state == ModerationState.HIDDEN:
            _make_visible(item)
            item.save()
        _decide(
            action=Decision.Action.RESTORE,
            moderator=moderator,
            reason=reason,
            section="",
            item=item,
            audit_old={"state": ModerationState.HIDDEN},
            audit_new={"state": ModerationState.VISIBLE},
        )
    elif overturn and decision.action == Decision.Action.SUSPEND:
        suspension = Suspension.objects.select_for_update().get(decision=decision)
        if suspension.is_active:
            suspension.lifted_at = timezone.now()
            suspension.lifted_by = moderator
            suspension.save(update_fields=["lifted_at", "lifted_by"])
        _decide(
            action=Decision.Action.LIFT,
            moderator=moderator,
            reason=reason,
            section="",
            subject=suspension.user,
        )
    else:
        # Upheld: the appellant hears the answer about the original decision.
        notify(
            recipients=[decision.subject] if decision.subject else [],
            kind=Kind.MODERATION_DECISION,
            actor=moderator,
            target=decision,
            data={"action": "appeal_upheld"},
            excerpt=reason,
        )
    return appeal
