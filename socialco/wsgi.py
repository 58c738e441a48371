"""WSGI entry point (gunicorn serves pages in production; /ws/ goes to the ASGI workers)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialco.settings")

from socialco.environment import load_settings_or_exit

load_settings_or_exit()

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
