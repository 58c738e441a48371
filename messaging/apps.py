from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Chat")

    def ready(self) -> None:
        from messaging import (
            consumers,  # noqa: F401 - registers the chat frame handlers and socket hooks
            receivers,
            reportables,
        )

        receivers.connect()
        reportables.register()
