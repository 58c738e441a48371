from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from notifications import consumers, core_targets, receivers  # noqa: F401 (consumers: socket handler)

        core_targets.register()
        receivers.connect()
