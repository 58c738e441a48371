from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedConfig(AppConfig):
    name = "feed"
    verbose_name = _("Feed")

    def ready(self) -> None:
        # Registers the feed's socket frames and per-recipient event filters.
        from feed import consumers  # noqa: F401
