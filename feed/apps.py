from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedConfig(AppConfig):
    name = "feed"
    verbose_name = _("Feed")

    def ready(self) -> None:
        # The feed's socket frames and per-recipient event filters.
        from feed import consumers  # noqa: F401
        from feed.notifications import register_targets

        register_targets()

        from feed.reportables import register as register_reportables

        register_reportables()

        from feed.digests import register as register_digest_section

        register_digest_section()

        from feed.questions.registry import register as register_questions

        register_questions()
