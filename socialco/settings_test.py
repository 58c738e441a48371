"""Test settings: the real settings plus speed-ups that change no behaviour under test."""

from socialco.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests render templates without running collectstatic first.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
# WhiteNoise warns when STATIC_ROOT is missing; tests never run collectstatic.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
