"""ASGI entry point: HTTP to Django, WebSockets at /ws/ for logged-in users from allowed origins."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialco.settings")

from socialco.environment import load_settings_or_exit

load_settings_or_exit()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from socialco.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
