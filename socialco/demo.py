"""Demo content for the site policy: a few pending invitations to show in admin. Idempotent."""

from __future__ import annotations

from socialco.models import Invitation
from socialco.policy_services import invitation_create

DEMO_INVITATIONS = ("new.hire@example.com", "summer.intern@example.com", "contractor@partner.example.net")


def seed(*, people, rng, stdout) -> None:
    inviter = next((p for p in people if p.is_superuser), None)
    existing = set(Invitation.objects.filter(email__in=DEMO_INVITATIONS).values_list("email", flat=True))
    for email in DEMO_INVITATIONS:
        if email not in existing:
            invitation_create(email=email, invited_by=inviter)
