"""Receivers for Django's auth signals: logging out closes that session's sockets."""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from socialco.realtime import close_group_sockets, session_group


@receiver(user_logged_out, dispatch_uid="socialco.close_sockets_on_logout")
def close_sockets_on_logout(sender, request, user, **kwargs) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        close_group_sockets(session_group(session_key))
