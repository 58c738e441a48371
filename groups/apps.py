from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = _("Groups")

    def ready(self) -> None:
        # Registers the group.subscribe / group.unsubscribe frame handlers on the shared socket.
        from groups import consumers  # noqa: F401
