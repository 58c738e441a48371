"""Configuration from the environment: a malformed value stops start-up with one clear line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(args, tmp_path, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    full_env.update({"SOCIALCO_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "socialco.settings"})
    full_env.update(env)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "mysql://db/socialco"),
        ("REDIS_URL", "http://localhost:6379"),
        ("EMAIL_PORT", "twenty-five"),
        ("CSRF_TRUSTED_ORIGINS", "intranet.example.com"),
        ("SECRET_KEY", "short"),
        ("SIGNUP_EMAIL_DOMAINS", ","),
    ],
)
def test_malformed_value_fails_startup_with_one_line_naming_it(tmp_path, name, value):
    env = {name: value}
    if name == "EMAIL_PORT":
        env["EMAIL_HOST"] = "smtp.internal"
    result = _manage(["check"], tmp_path, **env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"socialco: configuration error: {name}:")


def test_secret_key_is_generated_into_var_once(tmp_path):
    assert _manage(["check"], tmp_path).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert _manage(["check"], tmp_path).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key


def test_production_environment_passes_check_deploy(tmp_path):
    result = _manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        DEBUG="false",
        HTTPS="true",
        SECRET_KEY="x" * 20 + "a-production-secret-from-the-environment-0123456789",
        ALLOWED_HOSTS="social.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
