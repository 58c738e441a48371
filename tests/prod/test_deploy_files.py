"""The files in deploy/ that are not run elsewhere: systemd units, gunicorn settings, the example env."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_are_valid(tmp_path):
    for unit in (DEPLOY / "systemd").iterdir():
        text = (
            unit.read_text().replace("/srv/socialco/venv", sys.prefix).replace("/srv/socialco/app", str(ROOT))
        )
        (tmp_path / unit.name).write_text(text)
    (tmp_path / "socialco-daphne@8002.service").write_text(
        (tmp_path / "socialco-daphne@.service").read_text()
    )
    units = [
        "socialco-gunicorn.service",
        "socialco-daphne@8002.service",
        "socialco.target",
        "socialco-backup.service",
        "socialco-backup.timer",
    ]

    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(f"./{name}" for name in units)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


def test_gunicorn_settings_read_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:9999")
    monkeypatch.setenv("GUNICORN_WORKERS", "4")
    namespace: dict = {}
    exec((DEPLOY / "gunicorn.conf.py").read_text(), namespace)

    assert namespace["bind"] == "127.0.0.1:9999"
    assert namespace["workers"] == 4
    assert namespace["worker_class"] == "sync"
    assert namespace["wsgi_app"] == "socialco.wsgi:application"


def test_example_environment_passes_check_deploy(tmp_path):
    """deploy/socialco.env.example, as shipped (but on SQLite, no Redis), has no deploy warnings."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    for line in (DEPLOY / "socialco.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    env.update(
        SOCIALCO_VAR_DIR=str(tmp_path),
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_SETTINGS_MODULE="socialco.settings",
    )
    env.pop("REDIS_URL")

    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_ci_installs_an_emoji_font_with_chromium_in_one_step():
    """The browser job's screenshots show emoji, not empty boxes: Debian's colour emoji font is
    installed by the same ensure-packages step as Chromium (which skips what is installed)."""
    script = (ROOT / ".ci" / "run").read_text()
    steps = [
        line.split()
        for line in script.splitlines()
        if line.startswith("bash deploy/local/ensure-packages.sh")
    ]
    assert len(steps) == 1
    assert {"chromium", "fonts-noto-color-emoji"} <= set(steps[0][2:])
    assert subprocess.run(["bash", "-n", str(ROOT / ".ci" / "run")], timeout=30).returncode == 0
