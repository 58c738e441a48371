"""deploy/local/prod-stack.sh's own logic, run in bash without starting any server."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "local" / "prod-stack.sh"


def claim(state: Path, cluster: Path) -> subprocess.CompletedProcess:
    """Run `claim_pg_root` for a cluster folder outside the state folder (as under /var/tmp)."""
    return subprocess.run(
        ["bash", "-c", f'source "{SCRIPT}" && claim_pg_root /nonexistent/bin "$1"', "-", str(cluster)],
        env={"PATH": "/usr/bin:/bin", "PROD_STATE_DIR": str(state)},
        capture_output=True,
        text=True,
        check=True,
    )


def leftover(cluster: Path) -> Path:
    (cluster / "data").mkdir(parents=True, exist_ok=True)
    marker = cluster / "data" / "PG_VERSION"
    marker.write_text("15\n")
    return marker


def test_a_new_state_folder_at_the_same_path_does_not_inherit_the_old_cluster(tmp_path):
    """CI on a fresh clone where an earlier clone was: the old database named uploaded files
    that went with the old folder (the browser suite saw their images answer 404)."""
    state, cluster = tmp_path / "state", tmp_path / "var-tmp" / "postgres"
    state.mkdir()
    marker = leftover(cluster)

    result = claim(state, cluster)

    assert "discarding the PostgreSQL cluster" in result.stdout
    assert not marker.exists()
    assert (cluster / "state-id").read_text() == (state / "postgres-cluster-id").read_text()


def test_the_same_state_folder_keeps_its_cluster_across_restarts(tmp_path):
    state, cluster = tmp_path / "state", tmp_path / "var-tmp" / "postgres"
    state.mkdir()
    claim(state, cluster)
    marker = leftover(cluster)

    result = claim(state, cluster)

    assert marker.exists()
    assert "discarding" not in result.stdout


def test_a_recreated_state_folder_discards_the_cluster_it_no_longer_owns(tmp_path):
    state, cluster = tmp_path / "state", tmp_path / "var-tmp" / "postgres"
    state.mkdir()
    claim(state, cluster)
    marker = leftover(cluster)
    shutil.rmtree(state)
    state.mkdir()

    claim(state, cluster)

    assert not marker.exists()


def test_a_cluster_inside_the_state_folder_is_left_alone(tmp_path):
    state = tmp_path / "state"
    marker = leftover(state / "postgres")

    claim(state, state / "postgres")

    assert marker.exists()
    assert not (state / "postgres-cluster-id").exists()


def test_an_unclaimed_cluster_of_this_same_state_folder_is_adopted(tmp_path):
    """A cluster made before clusters were claimed, by a state folder that still holds its
    password: someone's `make prod-run` database survives the upgrade."""
    state, cluster = tmp_path / "state", tmp_path / "var-tmp" / "postgres"
    (state / "secrets").mkdir(parents=True)
    (state / "secrets" / "db-password").write_text("secret\n")
    marker = leftover(cluster)

    claim(state, cluster)

    assert marker.exists()
    assert (cluster / "state-id").read_text() == (state / "postgres-cluster-id").read_text()
    # ...and from now on it is claimed: a recreated state folder discards it.
    shutil.rmtree(state)
    state.mkdir()
    claim(state, cluster)
    assert not marker.exists()
