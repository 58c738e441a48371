"""Read settings from environment variables, failing with one line that names the variable.

Every variable Socialco reads is documented in the README's configuration table.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class EnvironmentValueError(ImproperlyConfigured):
    """An environment variable holds a value Socialco cannot use."""

    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        super().__init__(f"{name}: {problem}")


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise EnvironmentValueError(name, f"expected true or false, got {raw!r}")


def env_int(name: str, *, default: int, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise EnvironmentValueError(name, f"expected a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise EnvironmentValueError(name, f"must be at least {minimum}, got {value}")
    return value


def env_list(name: str, *, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, *, default: str, choices: set[str]) -> str:
    value = os.environ.get(name, default).strip().upper()
    if value not in choices:
        raise EnvironmentValueError(name, f"expected one of {', '.join(sorted(choices))}, got {value!r}")
    return value


def env_rate(name: str, *, default: str) -> str:
    """A DRF-style rate such as '60/minute'."""
    raw = os.environ.get(name, default).strip()
    count, _, period = raw.partition("/")
    if not count.isdigit() or period not in {
        "s",
        "sec",
        "second",
        "m",
        "min",
        "minute",
        "h",
        "hour",
        "d",
        "day",
    }:
        raise EnvironmentValueError(name, f"expected a rate such as 60/minute, got {raw!r}")
    return raw


def env_time_zone(name: str, *, default: str) -> str:
    import zoneinfo

    value = os.environ.get(name, default).strip()
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise EnvironmentValueError(name, f"unknown time zone {value!r}") from None
    return value


def env_url(name: str, *, schemes: set[str], default: str = "") -> str:
    """Return a URL whose scheme is one of `schemes`, or '' when unset and no default."""
    raw = os.environ.get(name, default).strip()
    if not raw:
        return ""
    parsed = urlparse(raw)
    if parsed.scheme not in schemes:
        allowed = ", ".join(sorted(f"{s}://" for s in schemes))
        raise EnvironmentValueError(name, f"expected a URL starting with {allowed}, got {raw!r}")
    return raw


def secret_key(var_dir: Path) -> str:
    """SECRET_KEY from the environment, else from var/secret_key, generated on first use."""
    from_env = os.environ.get("SECRET_KEY", "").strip()
    if from_env:
        if len(from_env) < 50:
            raise EnvironmentValueError("SECRET_KEY", "must be at least 50 characters long")
        return from_env
    path = var_dir / "secret_key"
    if not path.exists():
        ensure_private_dir(var_dir)
        # Write a complete file under a unique name, then link it into place: processes that
        # start together all end up reading the one key that won, never a half-written one.
        fd, tmp_name = tempfile.mkstemp(dir=var_dir, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(64))
            os.chmod(tmp_name, 0o600)
            with contextlib.suppress(FileExistsError):
                os.link(tmp_name, path)
        finally:
            os.unlink(tmp_name)
    key = path.read_text().strip()
    if len(key) < 50:
        raise EnvironmentValueError(
            "SECRET_KEY", f"{path} is empty or too short; delete it to generate a new one"
        )
    return key


def ensure_private_dir(path: Path) -> None:
    """Create `path` readable by its owner only (it holds the database, keys and uploads)."""
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, 0o700)


def ensure_private_file(path: Path) -> None:
    """Create an empty file readable by its owner only, unless it exists (SQLite's -wal and -shm
    files take the database file's permissions)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def load_settings_or_exit() -> None:
    """Import the settings now; on a bad environment value print one line and exit 1."""
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018 - forces the lazy settings to load
    except EnvironmentValueError as exc:
        print(f"socialco: configuration error: {exc}", file=sys.stderr)
        sys.exit(1)
