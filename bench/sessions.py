"""Logged-in sessions and API tokens for the benchmark's people, made directly (no login
form, no password hashing): `python -m bench.sessions 1 2 3 --tokens 2 3` prints
{"sessions": {"1": "<session key>", ...}, "tokens": {"2": "<token>", ...}} for the database
in DATABASE_URL, with the session engine and SECRET_KEY the servers use.
"""

from __future__ import annotations

import argparse
import json
import os


def make_sessions(user_ids: list[int]) -> dict[str, str]:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string

    from profiles.models import User

    store_class = import_string(settings.SESSION_ENGINE + ".SessionStore")
    users = User.objects.in_bulk(user_ids)
    keys = {}
    for pk in user_ids:
        user = users[pk]
        session = store_class()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys[str(pk)] = session.session_key
    return keys


def make_tokens(user_ids: list[int]) -> dict[str, str]:
    from rest_framework.authtoken.models import Token

    return {str(pk): Token.objects.get_or_create(user_id=pk)[0].key for pk in user_ids}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("users", type=int, nargs="*")
    parser.add_argument("--tokens", type=int, nargs="*", default=[])
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialco.settings")
    import django

    django.setup()
    print(json.dumps({"sessions": make_sessions(args.users), "tokens": make_tokens(args.tokens)}))


if __name__ == "__main__":
    main()
