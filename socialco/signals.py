"""Receivers: auth/allauth hooks and cache upkeep (no business logic lives here).

- logging out closes that session's sockets;
- saving the site policy replaces its cached copy (on commit);
- signing up accepts the invitation for that address.
"""

from allauth.account.signals import user_signed_up
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver

from socialco.models import SitePolicy
from socialco.policy_views import INVITATION_SESSION_KEY
from socialco.realtime import close_group_sockets, session_group


@receiver(user_logged_out, dispatch_uid="socialco.close_sockets_on_logout")
def close_sockets_on_logout(sender, request, user, **kwargs) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        close_group_sockets(session_group(session_key))


@receiver(post_save, sender=SitePolicy, dispatch_uid="socialco.publish_site_policy")
def publish_site_policy_on_save(sender, instance: SitePolicy, **kwargs) -> None:
    from socialco.policy_services import on_site_policy_saved

    on_site_policy_saved(instance)


@receiver(user_signed_up, dispatch_uid="socialco.accept_invitation_on_signup")
def accept_invitation_on_signup(sender, request, user, **kwargs) -> None:
    from socialco.policy_services import invitations_accept

    invitations_accept(user=user)
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(INVITATION_SESSION_KEY, None)
