from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialcoConfig(AppConfig):
    name = "socialco"
    verbose_name = _("Socialco")

    def ready(self) -> None:
        from socialco import signals  # noqa: F401 - connects allauth/auth receivers
