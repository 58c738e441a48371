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


def test_processes_starting_together_share_one_secret_key(tmp_path):
    script = (
        "import sys; from pathlib import Path; from socialco.environment import secret_key; "
        "print(secret_key(Path(sys.argv[1])))"
    )
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path / "var")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        for _ in range(8)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    keys = {out.strip() for out, _ in outputs}
    assert len(keys) == 1
    assert len(keys.pop()) >= 50


def test_var_dir_and_sqlite_database_are_private(tmp_path):
    var = tmp_path / "fresh-var"
    assert _manage(["migrate", "-v0"], var).returncode == 0
    assert oct(var.stat().st_mode & 0o777) == "0o700"
    for path in var.glob("db.sqlite3*"):
        assert oct(path.stat().st_mode & 0o077) == "0o0", path


@pytest.mark.parametrize(
    ("name", "value"),
    [("LOG_LEVEL", "verbose"), ("TIME_ZONE", "Mars/Base"), ("API_THROTTLE_USER", "lots")],
)
def test_more_malformed_values_fail_with_one_line(tmp_path, name, value):
    result = _manage(["check"], tmp_path, **{name: value})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"socialco: configuration error: {name}:")
