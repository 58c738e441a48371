"""Fresh, throw-away Socialco instances run as real processes (manage.py, daphne) for tests/prod.

An instance is an environment: its own var folder (secret key, media) and its own database,
a new SQLite file, or a new PostgreSQL database on the server named by the DATABASE_URL the
suite runs with (CI job 2). REDIS_URL is passed on only when asked for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[2]

# Variables of the outer environment that must not leak into an instance.
_INSTANCE_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "MEDIA_ROOT",
    "STATIC_ROOT",
    "EMAIL_FILE_PATH",
    "MEDIA_ACCEL_REDIRECT_PREFIX",
    "SOCIALCO_VAR_DIR",
    "DJANGO_SETTINGS_MODULE",
)

COUNT_ROWS = """
import hashlib, json
import django
django.setup()
from django.db import connection
result = {}
with connection.cursor() as cursor:
    for name in sorted(connection.introspection.table_names(cursor)):
        if name.startswith("sqlite_"):
            continue
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(name)}")
        rows = sorted(repr(tuple(row)) for row in cursor.fetchall())
        result[name] = [len(rows), hashlib.sha256("\\n".join(rows).encode()).hexdigest()]
print(json.dumps(result))
"""


def outer_postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _postgres_admin(url: str):
    import psycopg

    parsed = urlparse(url)
    return psycopg.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
        autocommit=True,
    )


class Instances:
    """Creates instances on demand; `close()` drops the PostgreSQL databases it created."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self._databases: list[str] = []

    def new(self, name: str, *, redis_url: str | None = None, **extra: str) -> dict[str, str]:
        var_dir = self.base / name
        var_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k not in _INSTANCE_VARIABLES}
        env.update(
            DJANGO_SETTINGS_MODULE="socialco.settings",
            SOCIALCO_VAR_DIR=str(var_dir),
            PYTHONPATH=str(ROOT),
            LOG_LEVEL="WARNING",
        )
        postgres = outer_postgres_url()
        if postgres:
            database = f"socialco_t_{uuid.uuid4().hex[:12]}"
            with _postgres_admin(postgres) as admin:
                admin.execute(f'CREATE DATABASE "{database}"')
            self._databases.append(database)
            env["DATABASE_URL"] = urlunparse(urlparse(postgres)._replace(path="/" + database))
        else:
            env["DATABASE_URL"] = f"sqlite:///{var_dir / 'db.sqlite3'}"
        if redis_url:
            env["REDIS_URL"] = redis_url
        env.update(extra)
        return env

    def close(self) -> None:
        postgres = outer_postgres_url()
        if not postgres or not self._databases:
            return
        with _postgres_admin(postgres) as admin:
            for database in self._databases:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self._databases.clear()


def manage(env: dict[str, str], *args: str, check: bool = True, timeout: int = 300):
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def run_python(env: dict[str, str], code: str, *, timeout: int = 120) -> str:
    """Run `code` in a new Python process of the instance; return its stdout."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout
    )
    if result.returncode != 0:
        raise AssertionError(f"python failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def table_rows(env: dict[str, str]) -> dict[str, list]:
    """Every table of the instance's database: [row count, SHA-256 of its sorted rows]."""
    return json.loads(run_python(env, COUNT_ROWS).strip().splitlines()[-1])
