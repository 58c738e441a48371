"""Every write to the site policy, its history and invitations.

- `site_policy_save` / `site_policy_update`: validate, save, record one history row per changed
  setting, and publish the new policy to the cache when the transaction commits.
- `record_policy_change`: the one place a policy change is written down (the moderation
  issue routes it into the audit log).
- `invitation_create`, `invitations_send`, `invitation_for_token`, `invitations_accept`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from socialco.models import INVITATION_VALIDITY, Invitation, SitePolicy, SitePolicyChange
from socialco.policy import get_policy, invalidate_policy_cache, publish_policy
from socialco.policy_values import NOTIFICATION_KINDS

# Fields admins edit; `updated_at` and `id` are bookkeeping.
EDITABLE_POLICY_FIELDS = tuple(
    f.name for f in SitePolicy._meta.concrete_fields if f.name not in ("id", "updated_at")
)


def _history_value(policy: SitePolicy, field: str) -> Any:
    """A JSON-compatible value of one setting, as the history stores it."""
    value = getattr(policy, field)
    if field == "logo":
        return value.name or ""
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    return value


def _changes(before: SitePolicy | None, after: SitePolicy) -> list[tuple[str, Any, Any]]:
    """(field, old, new) for every changed setting; dict settings are compared key by key."""
    changes = []
    for field in EDITABLE_POLICY_FIELDS:
        old = _history_value(before, field) if before is not None else None
        new = _history_value(after, field)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            for key in sorted(set(old) | set(new)):
                if old.get(key) != new.get(key):
                    changes.append((f"{field}.{key}", old.get(key), new.get(key)))
        else:
            changes.append((field, old, new))
    return changes


def record_policy_change(*, actor, field: str, old_value: Any, new_value: Any) -> SitePolicyChange:
    """Write down that `actor` (a user, or None for the system) changed one setting.

    The single entry point for policy history: when the audit log lands, this function
    writes there instead, and every caller follows.
    """
    actor_id = getattr(actor, "pk", None)
    return SitePolicyChange.objects.create(
        actor_id=actor_id,
        actor_label=getattr(actor, "email", "") if actor_id else "",
        field=field,
        old_value=old_value,
        new_value=new_value,
    )


def _without_retired_kinds(value: Any, *, stored: Any) -> Any:
    """Drop entries for kinds that no longer exist but were stored earlier (after an upgrade),
    so saving other settings never fails on them; anything new still goes to validation."""
    if not isinstance(value, dict) or not isinstance(stored, dict):
        return value
    return {
        kind: delivery
        for kind, delivery in value.items()
        if kind in NOTIFICATION_KINDS or stored.get(kind, object()) != delivery
    }


@transaction.atomic
def site_policy_save(*, policy: SitePolicy, actor) -> list[SitePolicyChange]:
    """Validate and save `policy` (already carrying the new values), recording each change.

    Locks the row while comparing with the stored values. The cached policy is dropped at
    once and replaced with the saved one on commit (the post_save receiver does both, so a
    save from anywhere else is published too). Raises ValidationError; nothing is saved then.
    """
    policy.pk = SitePolicy.SINGLETON_PK
    before = SitePolicy.objects.select_for_update().filter(pk=policy.pk).first()
    if before is not None:
        policy.notification_defaults = _without_retired_kinds(
            policy.notification_defaults, stored=before.notification_defaults
        )
    policy.full_clean()
    policy.save()
    return [
        record_policy_change(actor=actor, field=field, old_value=old, new_value=new)
        for field, old, new in _changes(before, policy)
    ]


def site_policy_update(*, actor, **values: Any) -> SitePolicy:
    """Change named settings, e.g. site_policy_update(actor=admin, signup_mode="invitation")."""
    unknown = set(values) - set(EDITABLE_POLICY_FIELDS)
    if unknown:
        raise ValueError(f"not site policy settings: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        policy = SitePolicy.load()
        for name, value in values.items():
            setattr(policy, name, value)
        site_policy_save(policy=policy, actor=actor)
    return policy


def on_site_policy_saved(policy: SitePolicy) -> None:
    """Cache upkeep after any save of the row (connected to post_save in socialco.signals)."""
    invalidate_policy_cache()
    transaction.on_commit(lambda: publish_policy(policy))


# --- Invitations -----------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(*, email: str, invited_by) -> Invitation:
    """A new, not yet sent invitation for `email` (ValidationError if invalid or already invited)."""
    invitation = Invitation(email=email.strip().lower(), invited_by=invited_by)
    invitation.full_clean()
    invitation.save()
    return invitation


def invitations_send(*, invitations: Iterable[Invitation], site_url: str) -> int:
    """(Re)send each unaccepted invitation with a fresh link valid for INVITATION_VALIDITY.

    Rotating the token makes earlier links for the same invitation stop working. The e-mails
    leave after the transaction commits. Returns how many were sent (accepted ones are skipped).
    """
    now = timezone.now()
    company = get_policy().company_name
    outbox: list[tuple[str, str, str]] = []
    with transaction.atomic():
        for invitation in invitations:
            if invitation.accepted_at is not None:
                continue
            token = secrets.token_urlsafe(32)
            invitation.token_hash = _token_hash(token)
            invitation.sent_at = now
            invitation.expires_at = now + INVITATION_VALIDITY
            invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
            context = {
                "company_name": company,
                "link": site_url.rstrip("/") + reverse("invitation_accept", args=[token]),
                "expires_at": invitation.expires_at,
                "invited_by": invitation.invited_by,
            }
            subject = render_to_string("socialco/email/invitation_subject.txt", context).strip()
            body = render_to_string("socialco/email/invitation_message.txt", context)
            outbox.append((subject, body, invitation.email))
        transaction.on_commit(
            lambda: [
                send_mail(subject, body, None, [to], fail_silently=False) for subject, body, to in outbox
            ]
        )
    return len(outbox)


def invitation_for_token(token: str) -> Invitation | None:
    """The usable invitation the link's token belongs to, or None (unknown, used or expired)."""
    if not token or len(token) > 100:
        return None
    invitation = Invitation.objects.filter(token_hash=_token_hash(token)).first()
    return invitation if invitation is not None and invitation.is_usable() else None


def usable_invitation_exists(email: str) -> bool:
    now = timezone.now()
    return Invitation.objects.filter(
        email=email.strip().lower(), accepted_at__isnull=True, sent_at__isnull=False, expires_at__gt=now
    ).exists()


def invitation_ever_sent(email: str) -> bool:
    """The address was invited at some point (accepted or not): it belongs on this site."""
    return Invitation.objects.filter(email=email.strip().lower(), sent_at__isnull=False).exists()


def invitations_accept(*, user) -> int:
    """Mark the usable invitations for the user's address as accepted by them (on sign-up)."""
    now = timezone.now()
    return Invitation.objects.filter(
        email=user.email.lower(), accepted_at__isnull=True, sent_at__isnull=False, expires_at__gt=now
    ).update(accepted_at=now, accepted_by=user)
