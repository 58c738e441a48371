"""Backup and restore through the real commands: a fresh instance gets back every row and file.

Runs on SQLite in `make test` and on PostgreSQL (pg_dump / pg_restore) when the suite runs
with a postgres:// DATABASE_URL (CI job 2).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.prod.instances import manage, table_rows

MEDIA = {
    "avatars/2026/ana.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40,
    "attachments/report.pdf": b"%PDF-1.7 quarterly numbers",
    "attachments/nested/deeper/ünïcode name.txt": "grüße".encode(),
    "empty.bin": b"",
}


def _media_checksums(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def source(instances):
    """A populated instance: migrated, the demo company, and a few uploaded files."""
    env = instances.new("source")
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "seed_demo")
    media_root = Path(env["SOCIALCO_VAR_DIR"]) / "media"
    for name, content in MEDIA.items():
        (media_root / name).parent.mkdir(parents=True, exist_ok=True)
        (media_root / name).write_bytes(content)
    return env


def test_backup_restores_into_fresh_instance_with_same_rows_and_media(instances, source, tmp_path):
    backup_dir = tmp_path / "backup"
    result = manage(source, "backup", str(backup_dir))
    assert "Backed up" in result.stdout

    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["tables"]["profiles_user"] >= 55
    source_files = set(_media_checksums(Path(source["SOCIALCO_VAR_DIR"]) / "media"))
    assert {entry["path"] for entry in manifest["media"]} == source_files  # every file, demo images too
    assert set(MEDIA) <= source_files
    assert oct(backup_dir.stat().st_mode & 0o777) == "0o700"

    target = instances.new("target")  # empty: not even migrated
    result = manage(target, "restore", str(backup_dir))
    assert "Restored" in result.stdout

    # Every table has the same rows (count and content), and every file the same bytes.
    source_rows = table_rows(source)
    assert table_rows(target) == source_rows
    assert source_rows["profiles_user"][0] == manifest["tables"]["profiles_user"]
    source_media = _media_checksums(Path(source["SOCIALCO_VAR_DIR"]) / "media")
    assert _media_checksums(Path(target["SOCIALCO_VAR_DIR"]) / "media") == source_media
    assert set(MEDIA) <= set(source_media)

    # The restored instance is a working one: schema up to date, demo logins present.
    manage(target, "migrate", "--check", "--no-input")
    manage(target, "check")


def test_restore_refuses_a_non_empty_target(instances, source, tmp_path):
    backup_dir = tmp_path / "backup"
    manage(source, "backup", str(backup_dir))
    before = table_rows(source)

    result = manage(source, "restore", str(backup_dir), check=False)

    assert result.returncode == 1
    assert "not empty" in result.stderr
    assert table_rows(source) == before


def test_restore_refuses_a_tampered_backup_and_writes_nothing(instances, source, tmp_path):
    backup_dir = tmp_path / "backup"
    manage(source, "backup", str(backup_dir))
    (backup_dir / "media" / "attachments" / "report.pdf").write_bytes(b"%PDF-1.7 edited numbers")
    target = instances.new("target")

    result = manage(target, "restore", str(backup_dir), check=False)

    assert result.returncode == 1
    assert "attachments/report.pdf" in result.stderr
    assert table_rows(target) == {}
    assert not (Path(target["SOCIALCO_VAR_DIR"]) / "media").exists()


def test_backup_refuses_a_folder_in_use(source, tmp_path):
    backup_dir = tmp_path / "backup"
    backup_dir.mkdir()
    (backup_dir / "keep.txt").write_text("someone else's file")

    result = manage(source, "backup", str(backup_dir), check=False)

    assert result.returncode == 1
    assert "not empty" in result.stderr
    assert [p.name for p in backup_dir.iterdir()] == ["keep.txt"]


def test_unfinished_backup_is_refused(instances, tmp_path):
    (tmp_path / "partial").mkdir()
    target = instances.new("target")

    result = manage(target, "restore", str(tmp_path / "partial"), check=False)

    assert result.returncode == 1
    assert "manifest.json" in result.stderr


def test_restore_forgets_this_sites_cached_state_and_nothing_else():
    """After a restore nothing cached from the database that was there before may be served
    (a cached session names a user id); in a shared Redis other sites' keys stay."""
    from django.core.cache import cache
    from django.core.cache.backends.redis import RedisCache

    from socialco.backups import forget_cached_state

    cache.set_many({f"session-{n}": f"user {n}" for n in range(1200)})  # more than one batch
    elsewhere = cache._cache.get_client(write=True) if isinstance(cache, RedisCache) else None
    if elsewhere is not None:
        elsewhere.set("another-site:1:policy", b"kept")
    try:
        forget_cached_state()
        assert cache.get_many([f"session-{n}" for n in range(1200)]) == {}
        if elsewhere is not None:
            assert elsewhere.get("another-site:1:policy") == b"kept"
    finally:
        if elsewhere is not None:
            elsewhere.delete("another-site:1:policy")
