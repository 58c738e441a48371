from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation and usage guidelines")

    def ready(self) -> None:
        from moderation import core_reportables, realtime
        from moderation.models import Decision
        from notifications.targets import register_target

        core_reportables.register()
        realtime.register()
        from moderation.permissions import can_view_decision, filter_visible_decisions
        from moderation.selectors import decision_url, describe_decision

        register_target(
            Decision,
            can_view=can_view_decision,
            filter_visible=filter_visible_decisions,
            url=decision_url,
            describe=describe_decision,
            queryset=lambda: Decision.objects.select_related("item__content_type"),
        )
