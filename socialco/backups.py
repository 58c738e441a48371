"""Consistent backups of one Socialco instance (database + uploaded files) and their restore.

A backup is a folder:

    manifest.json      format, engine, the database file's SHA-256, the row count of every
                       table and the SHA-256 and size of every media file (written last: a
                       folder without it is an unfinished backup)
    database.sqlite3   SQLite: a copy made with SQLite's online backup API (readers and
                       writers go on meanwhile), or
    database.pgdump    PostgreSQL: `pg_dump --format=custom`, taken in an exported snapshot so
                       the row counts in the manifest describe exactly what was dumped
    media/...          every file under MEDIA_ROOT

The database is copied before the media files: files are saved before the rows that name
them are committed, so every file a backed-up row points to is in the backup (a file saved
meanwhile is merely extra).

`restore_backup` verifies every checksum first and refuses to write unless the target
database has no tables and MEDIA_ROOT holds no files, so a mistaken restore cannot mix two
instances or overwrite one. Restoring across engines (SQLite into PostgreSQL) is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 1
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
MEDIA_DIR = "media"
CHUNK_BYTES = 1024 * 1024


class BackupError(Exception):
    """The backup could not be made or restored; the message says why, for an operator."""


@dataclass(frozen=True)
class BackupSummary:
    directory: Path
    engine: str
    tables: dict[str, int]
    media_files: int
    media_bytes: int

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


# --- Helpers ---------------------------------------------------------------------------------


def _engine(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {connection.vendor}")
    return connection.vendor


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_with_sha256(source: Path, target: Path) -> tuple[str, int]:
    """Copy `source` to `target` (creating folders); return the SHA-256 and size of what was read."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
            dst.write(chunk)
    return digest.hexdigest(), size


def _media_files(root: Path) -> Iterator[tuple[str, Path]]:
    """Every regular file under `root` as (posix relative path, absolute path), sorted."""
    if not root.is_dir():
        return
    found = []
    for folder, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(root).as_posix(), path))
    yield from sorted(found)


def _quote(connection: BaseDatabaseWrapper, name: str) -> str:
    return connection.ops.quote_name(name)


def _table_counts_sqlite(db: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {name: db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}  # noqa: S608


def _table_counts(connection: BaseDatabaseWrapper, cursor: Any) -> dict[str, int]:
    counts = {}
    for name in sorted(connection.introspection.table_names(cursor)):
        if name.startswith("sqlite_"):
            continue  # SQLite's own bookkeeping (sqlite_sequence, sqlite_stat1)
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(connection, name)}")  # noqa: S608 - quoted name
        counts[name] = cursor.fetchone()[0]
    return counts


def _postgres_tool(name: str) -> str:
    """The newest installed PostgreSQL client program `name` (pg_dump, pg_restore)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if candidates:
        return str(candidates[-1])
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _postgres_env(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """Environment for pg_dump/pg_restore: the connection settings, the password never on argv."""
    params = connection.settings_dict
    env = dict(os.environ)
    for key, value in {
        "PGHOST": params.get("HOST"),
        "PGPORT": params.get("PORT"),
        "PGUSER": params.get("USER"),
        "PGPASSWORD": params.get("PASSWORD"),
        "PGDATABASE": params.get("NAME"),
    }.items():
        if value:
            env[key] = str(value)
    return env


def _run_tool(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip() or result.stdout.strip()}")


# --- Backup ----------------------------------------------------------------------------------


def _backup_sqlite(connection: BaseDatabaseWrapper, target: Path) -> dict[str, int]:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)  # online: pages are copied consistently
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        counts = _table_counts_sqlite(copy)
    finally:
        copy.close()
    return counts


def _backup_postgres(connection: BaseDatabaseWrapper, target: Path) -> dict[str, int]:
    if connection.in_atomic_block:
        raise BackupError("a PostgreSQL backup cannot run inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            # pg_dump reads the exact snapshot this transaction sees, so the counts below
            # describe the dump even while the site keeps writing.
            _run_tool(
                [
                    _postgres_tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                ],
                _postgres_env(connection),
            )
            counts = _table_counts(connection, cursor)
        finally:
            cursor.execute("ROLLBACK")
    return counts


def create_backup(directory: Path, *, using: str = "default") -> BackupSummary:
    """Write a backup of the database `using` and of MEDIA_ROOT into `directory`.

    `directory` must not exist or be empty; it is created readable by its owner only.
    Raises BackupError when the folder is in use or a dump tool fails.
    """
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty; backups go into a new folder")
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    connection = connections[using]
    engine = _engine(connection)

    database_file = directory / (SQLITE_FILE if engine == "sqlite" else POSTGRES_FILE)
    tables = (
        _backup_sqlite(connection, database_file)
        if engine == "sqlite"
        else _backup_postgres(connection, database_file)
    )

    media = []
    media_bytes = 0
    for relative, path in _media_files(Path(settings.MEDIA_ROOT)):
        sha256, size = _copy_with_sha256(path, directory / MEDIA_DIR / relative)
        media.append({"path": relative, "bytes": size, "sha256": sha256})
        media_bytes += size

    manifest = {
        "format": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "database": {
            "file": database_file.name,
            "bytes": database_file.stat().st_size,
            "sha256": _sha256_file(database_file),
        },
        "tables": tables,
        "media": media,
    }
    partial = directory / (MANIFEST_NAME + ".partial")
    partial.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    partial.replace(directory / MANIFEST_NAME)
    return BackupSummary(directory, engine, tables, len(media), media_bytes)


# --- Restore ---------------------------------------------------------------------------------


def _media_entry_intact(directory: Path, entry: dict[str, Any]) -> bool:
    relative = Path(entry["path"])
    if relative.is_absolute() or ".." in relative.parts:
        return False
    path = directory / MEDIA_DIR / relative
    return path.is_file() and path.stat().st_size == entry["bytes"] and _sha256_file(path) == entry["sha256"]


def read_verified_manifest(directory: Path) -> dict[str, Any]:
    """Load the manifest and check every checksum in the backup. Raises BackupError on any doubt."""
    directory = Path(directory)
    try:
        manifest = json.loads((directory / MANIFEST_NAME).read_text())
    except FileNotFoundError:
        raise BackupError(f"{directory} has no {MANIFEST_NAME}: not a finished Socialco backup") from None
    except ValueError as exc:
        raise BackupError(f"{MANIFEST_NAME} is not valid JSON: {exc}") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"unsupported backup format {manifest.get('format')!r}")

    database = manifest["database"]
    database_file = directory / Path(database["file"]).name
    if not database_file.is_file() or _sha256_file(database_file) != database["sha256"]:
        raise BackupError(f"{database_file.name} is missing or does not match its checksum")
    bad = [entry["path"] for entry in manifest["media"] if not _media_entry_intact(directory, entry)]
    if bad:
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise BackupError(f"media files missing or not matching their checksums: {shown}")
    return manifest


def _check_target_is_empty(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        tables = [
            name for name in connection.introspection.table_names(cursor) if not name.startswith("sqlite_")
        ]
    if tables:
        raise BackupError(
            f"the target database is not empty ({len(tables)} tables); restore only into a new, empty "
            "database"
        )
    media_root = Path(settings.MEDIA_ROOT)
    if next(_media_files(media_root), None) is not None:
        raise BackupError(f"MEDIA_ROOT ({media_root}) already holds files; restore only into an empty one")


def _restore_sqlite(connection: BaseDatabaseWrapper, source: Path) -> None:
    connection.ensure_connection()
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        backup.backup(connection.connection)
    finally:
        backup.close()
    connection.close()  # the next connection applies the WAL and busy-timeout pragmas again


def _restore_postgres(connection: BaseDatabaseWrapper, source: Path) -> None:
    env = _postgres_env(connection)
    connection.close()
    _run_tool(
        [
            _postgres_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={env.get('PGDATABASE', '')}",
            str(source),
        ],
        env,
    )


def restore_backup(directory: Path, *, using: str = "default") -> BackupSummary:
    """Bring the backup in `directory` back into the empty database `using` and MEDIA_ROOT.

    Verifies every checksum before writing anything, refuses a non-empty target or another
    engine, and after restoring checks that every table holds the rows the manifest counted.
    """
    directory = Path(directory)
    manifest = read_verified_manifest(directory)
    connection = connections[using]
    engine = _engine(connection)
    if manifest["engine"] != engine:
        raise BackupError(
            f"this backup is of a {manifest['engine']} database and the target is {engine}; "
            "restore into the same engine"
        )
    _check_target_is_empty(connection)

    source = directory / Path(manifest["database"]["file"]).name
    if engine == "sqlite":
        _restore_sqlite(connection, source)
    else:
        _restore_postgres(connection, source)

    media_root = Path(settings.MEDIA_ROOT)
    media_bytes = 0
    for entry in manifest["media"]:
        target = media_root / entry["path"]
        sha256, size = _copy_with_sha256(directory / MEDIA_DIR / entry["path"], target)
        if sha256 != entry["sha256"]:
            raise BackupError(f"{entry['path']} changed while it was being restored")
        os.chmod(target, settings.FILE_UPLOAD_PERMISSIONS or 0o640)
        media_bytes += size

    with connection.cursor() as cursor:
        tables = _table_counts(connection, cursor)
    if tables != manifest["tables"]:
        differing = sorted(
            name
            for name in set(tables) | set(manifest["tables"])
            if tables.get(name) != manifest["tables"].get(name)
        )
        raise BackupError(f"restored row counts differ from the backup in: {', '.join(differing[:10])}")
    forget_cached_state()
    return BackupSummary(directory, engine, tables, len(manifest["media"]), media_bytes)


def forget_cached_state() -> None:
    """Drop everything the caches hold about the database that was there before the restore:
    sessions (a cached session names a user id, which may now be someone else), the site policy,
    the guidelines and each person's write-gate state, rendered cards. A shared Redis loses only
    this site's cache keys (its KEY_PREFIX), not other sites' keys or the channel layer's."""
    for cache in caches.all():
        if not isinstance(cache, RedisCache):
            cache.clear()  # in this process only (local memory): nothing else to reach
            continue
        client = cache._cache.get_client(write=True)
        batch: list[bytes] = []
        for key in client.scan_iter(match=cache.make_key("*"), count=1000):
            batch.append(key)
            if len(batch) == 500:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)
