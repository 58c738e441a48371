"""The embedded SQLite is configured for a web server: concurrent writers queue, never fail."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import os, sys, threading
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    call_command("migrate", verbosity=0)
    from profiles.models import Department

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        print("journal_mode", cursor.fetchone()[0])
    errors = []

    def writer(n):
        try:
            for i in range(40):
                # Read, then write, in one transaction: the pattern that fails with
                # "database is locked" under DEFERRED transactions.
                with transaction.atomic():
                    count = Department.objects.count()
                    Department.objects.create(name=f"w{n}-{i}-{count}")
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads: t.start()
    for t in threads: t.join()
    print("rows", Department.objects.count())
    print("errors", len(errors), errors[:1])
    """
)


def test_concurrent_writers_never_see_database_is_locked(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="socialco.settings",
        SOCIALCO_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'concurrency.sqlite3'}",
        PYTHONPATH=str(ROOT),
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "journal_mode wal" in result.stdout
    assert "rows 320" in result.stdout, result.stdout
    assert "errors 0" in result.stdout, result.stdout
