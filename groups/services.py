"""Every write to groups, memberships, join requests and invitations.

Contract shared by every function here:
- keyword-only arguments, the acting user first (`actor`); one transaction each;
- raises `Http404` when the actor may not know the group exists (a secret group they are not
  in answers exactly like a missing one), `PermissionDenied` (with a message a person can
  read) when they may see it but not do this, `ValidationError` for bad input or a state
  that makes the request meaningless (already a member, already decided);
- WebSocket revocations and domain signals go out only after the transaction commits.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from groups import events, signals
from groups.models import Group, Invitation, JoinRequest, Membership, new_cover_name
from groups.permissions import (
    can_archive_group,
    can_change_group_member_role,
    can_create_group,
    can_leave_group,
    can_remove_group_member,
    can_view_group,
    check_manage_group_permission,
    forget_membership_cache,
    is_group_owner,
    membership_of,
)
from moderation.models import Scope
from moderation.services import (
    ScreenResult,
    enforce_screening_all,
    screening_record,
)
from socialco.markdown import render_markdown
from socialco.uploads import process_image

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from profiles.models import User

logger = logging.getLogger(__name__)

# Cover images: the same pipeline as avatars, a wide banner and a directory thumbnail.
COVER_SIZES = {"large": 1200, "small": 320}
# Path segments under /groups/ that are pages, so no group may take them as its slug.
RESERVED_SLUGS = frozenset({"new", "invitations", "people", "id", "api", "admin", "static", "media"})
# After a denial the same person may ask again only after this long.
JOIN_REQUEST_RETRY_AFTER = timedelta(days=1)
# Abuse limits per acting user: (count, seconds).
JOIN_REQUEST_RATE = (20, 3600)
INVITATION_RATE = (100, 3600)
GROUP_CREATE_RATE = (10, 3600)


class RateLimited(PermissionDenied):
    """The actor did this too often; the API answers 429."""


# Helpers ----------------------------------------------------------------------------------
def _check_visible(actor: User, group: Group) -> None:
    if not can_view_group(actor, group):
        raise Http404


def _check_not_archived(group: Group) -> None:
    if group.is_archived:
        raise PermissionDenied(_("This group is archived and read-only."))


def _consume_rate_limit(actor: User, action: str, rate: tuple[int, int]) -> None:
    limit, period = rate
    key = f"groups:rate:{action}:{actor.pk}"
    if cache.add(key, 1, timeout=period):
        return
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=period)
        return
    if count > limit:
        raise RateLimited(_("You have done this too often; please try again later."))


def _lock_group(group: Group) -> None:
    """Serialise membership changes of one group (e.g. two owners leaving at once)."""
    Group.objects.select_for_update().filter(pk=group.pk).values_list("pk", flat=True).first()


def _send_on_commit(signal, **kwargs: Any) -> None:
    """Send a domain signal once the transaction commits. The change has happened by then: a
    receiver that fails (another app's notification, chat room) is logged, and neither stops
    the other receivers nor turns the request into an error."""

    def send() -> None:
        for receiver, result in signal.send_robust(sender=Group, **kwargs):
            if isinstance(result, Exception):
                logger.error("groups: a receiver of a domain signal failed: %r", receiver, exc_info=result)

    transaction.on_commit(send)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:90] or "group"
    if base in RESERVED_SLUGS:
        base = f"{base}-group"
    slug, n = base, 1
    while Group.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _validate_slug(slug: str, *, group: Group | None = None) -> None:
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": _("This address is reserved; choose another.")})
    if Group.objects.filter(slug=slug).exclude(pk=getattr(group, "pk", None)).exists():
        raise ValidationError({"slug": _("Another group already uses this address.")})


def _set_cover(group: Group, upload: UploadedFile) -> list[str]:
    """Process and store a new cover; return the names of the files it replaces."""
    try:
        images = process_image(upload, sizes=COVER_SIZES)
    except ValidationError as exc:
        raise ValidationError({"cover": exc.messages}) from None
    old = [f.name for f in (group.cover_large, group.cover_small) if f]
    group.cover_large.save(
        new_cover_name("large", images["large"].extension), images["large"].content, save=False
    )
    group.cover_small.save(
        new_cover_name("small", images["small"].extension), images["small"].content, save=False
    )
    return old


def _delete_files_on_commit(names: list[str]) -> None:
    for name in names:
        transaction.on_commit(lambda name=name: default_storage.delete(name))


def _add_member(group: Group, user: User, *, role: str = Membership.Role.MEMBER) -> Membership:
    membership = Membership(group=group, user=user, role=role)
    membership.full_clean(validate_unique=False)
    membership.save()
    JoinRequest.objects.filter(group=group, user=user).delete()
    Invitation.objects.filter(group=group, invitee=user).delete()
    forget_membership_cache(group)
    _send_on_commit(signals.member_joined, group=group, membership=membership)
    return membership


def _end_membership(group: Group, membership: Membership, *, removed_by: User | None) -> None:
    user_id = membership.user_id
    membership.delete()
    forget_membership_cache(group)
    if group.visibility != Group.Visibility.OPEN:
        events.revoke_user_subscription_on_commit(user_id=user_id, group_id=group.pk)
    _send_on_commit(
        signals.member_left,
        group=group,
        user_id=user_id,
        removed_by_id=removed_by.pk if removed_by else None,
    )


# Groups -----------------------------------------------------------------------------------
def _group_screening(
    *, actor: User, name: str | None, slug: str | None, description: str | None, confirmed: bool
) -> ScreenResult | None:
    """Screen what a group's owner or admin wrote with the "group descriptions" rules.

    Pass only the texts that are new or changed (None skips one). The description may be held
    (saved; shown only to the group's creator and moderators until approved); the name and the
    address are shown wherever the group appears, so a hold rule refuses them. Raises
    ContentBlocked before ConfirmationRequired (unconfirmed warning). Returns the result to
    record with `screening_record`: a held description first, else a confirmed warning.
    """
    texts: list[tuple[str, bool]] = []  # (text, hold refused)
    if name:
        texts.append((name, True))
    if slug:
        texts.append((slug.replace("-", " "), True))
    if description:
        texts.append((description, False))
    return enforce_screening_all(texts, scope=Scope.GROUPS, author=actor, confirmed=confirmed)


@transaction.atomic
def group_create(
    *,
    actor: User,
    name: str,
    visibility: str = Group.Visibility.OPEN,
    description: str = "",
    slug: str = "",
    cover: UploadedFile | None = None,
    confirmed: bool = False,
) -> Group:
    """Create a group with `actor` as its owner. Who may create groups is the site policy.

    The name, a chosen address and the description are screened (moderation, scope "groups"):
    ContentBlocked or ConfirmationRequired (until `confirmed=True`) refuse it; a held
    description is saved and shown only to its creator and moderators until approved.
    """
    if not can_create_group(actor):
        raise PermissionDenied(_("Creating groups is not open to you on this site."))
    name = " ".join((name or "").split())
    slug = (slug or "").strip().lower()
    screening = _group_screening(
        actor=actor, name=name, slug=slug, description=(description or "").strip(), confirmed=confirmed
    )
    _consume_rate_limit(actor, "create", GROUP_CREATE_RATE)
    if slug:
        _validate_slug(slug)
    group = Group(
        name=name,
        slug=slug or _unique_slug(name),
        description=(description or "").strip(),
        visibility=visibility,
        creator=actor,
    )
    group.description_html = render_markdown(group.description)
    group.full_clean()
    if cover:
        _set_cover(group, cover)
    group.save()
    _add_member(group, actor, role=Membership.Role.OWNER)
    if screening is not None:
        screening_record(target=group, result=screening)
    return group


_UNSET: Any = object()


@transaction.atomic
def group_update(
    *,
    actor: User,
    group: Group,
    name: str = _UNSET,
    slug: str = _UNSET,
    description: str = _UNSET,
    visibility: str = _UNSET,
    cover: UploadedFile | None = None,
    remove_cover: bool = False,
    confirmed: bool = False,
) -> Group:
    """Change a group's details (owners and admins, not while archived). Arguments left out stay.

    Narrowing an open group's audience makes every live subscriber subscribe again through
    the gate; turning a group secret deletes its join requests (requesters lose any trace).
    Changed texts are screened like `group_create`'s.
    """
    _check_visible(actor, group)
    check_manage_group_permission(actor, group)
    old_visibility = group.visibility
    new_name = " ".join((name or "").split()) if name is not _UNSET else None
    new_slug = (slug or "").strip().lower() if slug is not _UNSET else None
    new_description = (description or "").strip() if description is not _UNSET else None
    screening = _group_screening(
        actor=actor,
        name=new_name if new_name != group.name else None,
        slug=new_slug if new_slug != group.slug else None,
        description=new_description if new_description != group.description else None,
        confirmed=confirmed,
    )
    if name is not _UNSET:
        group.name = " ".join((name or "").split())
    if slug is not _UNSET:
        slug = (slug or "").strip().lower()
        if slug != group.slug:
            _validate_slug(slug, group=group)
            group.slug = slug
    if description is not _UNSET:
        group.description = (description or "").strip()
        group.description_html = render_markdown(group.description)
    if visibility is not _UNSET:
        group.visibility = visibility
    group.full_clean()
    old_files: list[str] = []
    if cover:
        old_files = _set_cover(group, cover)
    elif remove_cover and group.has_cover:
        old_files = [group.cover_large.name, group.cover_small.name]
        group.cover_large = group.cover_small = ""
    group.save()
    if screening is not None:
        screening_record(target=group, result=screening)
    _delete_files_on_commit(old_files)
    if old_visibility == Group.Visibility.OPEN and group.visibility != Group.Visibility.OPEN:
        events.revoke_all_subscriptions_on_commit(group_id=group.pk)
    if group.visibility == Group.Visibility.SECRET and old_visibility != Group.Visibility.SECRET:
        JoinRequest.objects.filter(group=group).delete()
    return group


def group_description_render(*, group: Group) -> None:
    """Refresh the stored HTML from the markdown source (the admin calls this before saving)."""
    group.description_html = render_markdown(group.description)


@transaction.atomic
def group_archive(*, actor: User, group: Group) -> Group:
    """Make the group read-only (owners and admins). Archiving twice changes nothing."""
    _check_visible(actor, group)
    if not can_archive_group(actor, group):
        raise PermissionDenied(_("Only the group's owners and admins may archive it."))
    if not group.is_archived:
        group.is_archived = True
        group.save(update_fields=["is_archived", "updated_at"])
    return group


@transaction.atomic
def group_unarchive(*, actor: User, group: Group) -> Group:
    """Make an archived group writable again (owners and admins)."""
    _check_visible(actor, group)
    if not can_archive_group(actor, group):
        raise PermissionDenied(_("Only the group's owners and admins may unarchive it."))
    if group.is_archived:
        group.is_archived = False
        group.save(update_fields=["is_archived", "updated_at"])
    return group


@transaction.atomic
def group_transfer_ownership(*, actor: User, group: Group, new_owner: User) -> Membership:
    """The owner hands ownership to another member and becomes an admin."""
    _check_visible(actor, group)
    _lock_group(group)
    forget_membership_cache(group)
    if not is_group_owner(actor, group):
        raise PermissionDenied(_("Only the group's owner may transfer ownership."))
    _check_not_archived(group)
    if new_owner.pk == actor.pk:
        raise ValidationError({"new_owner": _("You already own this group.")})
    target = membership_of(new_owner, group)
    if target is None:
        raise ValidationError({"new_owner": _("Ownership can go only to a member of the group.")})
    target.role = Membership.Role.OWNER
    target.save(update_fields=["role"])
    current = membership_of(actor, group)
    current.role = Membership.Role.ADMIN
    current.save(update_fields=["role"])
    forget_membership_cache(group)
    return target


# Joining ----------------------------------------------------------------------------------
@transaction.atomic
def group_join(*, actor: User, group: Group) -> Membership:
    """Join an open group at once. Joining a group one is already in returns that membership."""
    _check_visible(actor, group)
    existing = membership_of(actor, group)
    if existing is not None:
        return existing
    _check_not_archived(group)
    if group.visibility == Group.Visibility.PRIVATE:
        raise PermissionDenied(_("This group is private: ask to join, or accept an invitation."))
    if group.visibility != Group.Visibility.OPEN:
        raise PermissionDenied(_("This group is joined by invitation only."))
    return _add_member(group, actor)


@transaction.atomic
def join_request_create(*, actor: User, group: Group, message: str = "") -> JoinRequest:
    """Ask to join a private group. Asking again while pending returns the pending request."""
    _check_visible(actor, group)
    if membership_of(actor, group) is not None:
        raise ValidationError(_("You are already a member of this group."))
    _check_not_archived(group)
    if group.visibility != Group.Visibility.PRIVATE:
        raise PermissionDenied(_("This group is open: join it directly."))
    if Invitation.objects.filter(group=group, invitee=actor).exists():
        raise ValidationError(_("You are already invited: accept the invitation instead."))
    existing = JoinRequest.objects.select_for_update().filter(group=group, user=actor).first()
    if existing is not None and existing.is_pending:
        return existing
    if (
        existing is not None
        and existing.decided_at
        and timezone.now() < existing.decided_at + (JOIN_REQUEST_RETRY_AFTER)
    ):
        raise PermissionDenied(_("Your request was declined recently; you can ask again tomorrow."))
    _consume_rate_limit(actor, "join-request", JOIN_REQUEST_RATE)
    request = existing or JoinRequest(group=group, user=actor)
    request.message = (message or "").strip()
    request.status = JoinRequest.Status.PENDING
    request.created_at = timezone.now()
    request.decided_at = None
    request.decided_by = None
    request.full_clean(validate_unique=False)
    request.save()
    _send_on_commit(signals.join_requested, group=group, join_request=request)
    return request


@transaction.atomic
def join_request_cancel(*, actor: User, group: Group) -> None:
    """Withdraw one's own pending request. Nothing pending: nothing happens."""
    _check_visible(actor, group)
    deleted, _rows = JoinRequest.objects.filter(
        group=group, user=actor, status=JoinRequest.Status.PENDING
    ).delete()
    if deleted:
        _send_on_commit(signals.join_request_cancelled, group=group, user_id=actor.pk)


def _check_decidable(actor: User, join_request: JoinRequest) -> Group:
    group = join_request.group
    _check_visible(actor, group)
    check_manage_group_permission(actor, group)
    if not join_request.is_pending:
        raise ValidationError(_("This request has already been decided."))
    return group


@transaction.atomic
def join_request_approve(*, actor: User, join_request: JoinRequest) -> Membership:
    """A group admin lets the requester in."""
    group = _check_decidable(actor, join_request)
    _lock_group(group)
    existing = membership_of(join_request.user, group)
    membership = existing or _add_member(group, join_request.user)
    JoinRequest.objects.filter(pk=join_request.pk).delete()
    _send_on_commit(
        signals.join_request_decided, group=group, join_request=join_request, approved=True, actor=actor
    )
    return membership


@transaction.atomic
def join_request_deny(*, actor: User, join_request: JoinRequest) -> JoinRequest:
    """A group admin turns the request down; the requester may ask again after a day."""
    group = _check_decidable(actor, join_request)
    join_request.status = JoinRequest.Status.DENIED
    join_request.decided_at = timezone.now()
    join_request.decided_by = actor
    join_request.save(update_fields=["status", "decided_at", "decided_by"])
    _send_on_commit(
        signals.join_request_decided, group=group, join_request=join_request, approved=False, actor=actor
    )
    return join_request


# Invitations ------------------------------------------------------------------------------
@transaction.atomic
def invitation_create(*, actor: User, group: Group, invitee: User) -> Invitation:
    """A group admin invites a colleague (any visibility). Inviting twice returns the first one."""
    _check_visible(actor, group)
    check_manage_group_permission(actor, group)
    if not invitee.is_active:
        raise ValidationError({"invitee": _("This account is deactivated.")})
    if membership_of(invitee, group) is not None:
        raise ValidationError({"invitee": _("%(name)s is already a member.") % {"name": invitee}})
    existing = Invitation.objects.filter(group=group, invitee=invitee).first()
    if existing is not None:
        return existing
    _consume_rate_limit(actor, "invite", INVITATION_RATE)
    invitation = Invitation.objects.create(group=group, invitee=invitee, inviter=actor)
    _send_on_commit(signals.invitation_created, group=group, invitation=invitation)
    return invitation


def _check_own_invitation(actor: User, invitation: Invitation) -> None:
    # Someone else's invitation does not exist as far as the actor can tell.
    if invitation.invitee_id != actor.pk or not actor.is_active:
        raise Http404


@transaction.atomic
def invitation_accept(*, actor: User, invitation: Invitation) -> Membership:
    """The invitee joins the group (not while it is archived)."""
    _check_own_invitation(actor, invitation)
    group = invitation.group
    _check_not_archived(group)
    existing = membership_of(actor, group)
    if existing is not None:
        invitation.delete()
        return existing
    return _add_member(group, actor)


@transaction.atomic
def invitation_decline(*, actor: User, invitation: Invitation) -> None:
    """The invitee says no; the invitation disappears."""
    _check_own_invitation(actor, invitation)
    invitation.delete()


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> None:
    """A group admin withdraws an invitation that is still open."""
    _check_visible(actor, invitation.group)
    check_manage_group_permission(actor, invitation.group)
    invitation.delete()


# Members ----------------------------------------------------------------------------------
@transaction.atomic
def membership_leave(*, actor: User, group: Group) -> None:
    """Leave a group (also an archived one). The last owner must transfer ownership first."""
    _check_visible(actor, group)
    _lock_group(group)
    forget_membership_cache(group)
    membership = membership_of(actor, group)
    if membership is None:
        raise ValidationError(_("You are not a member of this group."))
    if not can_leave_group(actor, group):
        raise PermissionDenied(
            _("You are the group's last owner: transfer ownership to another member before leaving.")
        )
    _end_membership(group, membership, removed_by=None)


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    """Owners remove admins and members; admins remove members. Nobody removes an owner."""
    group = membership.group
    _check_visible(actor, group)
    check_manage_group_permission(actor, group)
    if membership.user_id == actor.pk:
        raise PermissionDenied(_("To remove yourself, leave the group."))
    if not can_remove_group_member(actor, group, membership):
        raise PermissionDenied(_("You may not remove this member."))
    _end_membership(group, membership, removed_by=actor)


@transaction.atomic
def membership_set_role(*, actor: User, membership: Membership, role: str) -> Membership:
    """Promote a member to admin or demote an admin to member (owners and admins).

    The owner role moves only with `group_transfer_ownership`.
    """
    if role not in (Membership.Role.ADMIN, Membership.Role.MEMBER):
        raise ValidationError({"role": _("Choose admin or member; ownership is transferred instead.")})
    group = membership.group
    _check_visible(actor, group)
    check_manage_group_permission(actor, group)
    if not can_change_group_member_role(actor, group, membership):
        raise PermissionDenied(_("An owner's role changes only by transferring ownership."))
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
        forget_membership_cache(group)
    return membership
