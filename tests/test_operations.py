"""Operations: server-wide stats, cleanup with an admin key, `keys list` and `keys revoke`
from the real CLI (a revoked key gets a 401 at once), /health with version and time."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from tests.api_helpers import make_client, wait_for
from tests.servers import CLI, cli_env

pytestmark = pytest.mark.slow


def cli(data_dir: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args, "--data-dir", str(data_dir), "--database-url", database_url],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=120,
    )


def create_key(data_dir: Path, database_url: str, name: str, *flags: str) -> dict[str, str]:
    done = cli(data_dir, database_url, "keys", "create", name, *flags, "--json")
    assert done.returncode == 0, done.stderr
    return {"X-API-Key": json.loads(done.stdout)["key"]}


def test_stats_cleanup_keys_and_health(tmp_path: Path, database_url: str) -> None:
    data_dir = tmp_path / "data"
    admin = create_key(data_dir, database_url, "ops", "--admin")
    user = create_key(data_dir, database_url, "user")
    with make_client(data_dir, database_url) as client:
        job = client.post(
            "/api/v1/generate", json={"prompt": "Explain circles", "scene_count": 1}, headers=user
        ).json()
        assert wait_for(client, job["job_id"], headers=user)["status"] == "completed"

        stats = client.get("/api/v1/system/stats", headers=user)
        assert stats.status_code == 200, stats.text
        counts: dict[str, Any] = stats.json()
        assert counts["jobs"]["generate"]["completed"] == 1
        assert counts["active_jobs"] == 0 and counts["active_jobs_by_stage"] == {}
        assert (counts["projects"], counts["project_versions"], counts["scene_versions"]) == (
            1,
            1,
            1,
        )
        assert counts["artifacts"] > 0 and counts["artifact_bytes"] > 0

        everything = {"max_age_hours": 0}
        refused = client.post("/api/v1/system/cleanup", json=everything, headers=user)
        assert refused.status_code == 403
        assert refused.json()["error_code"] == "admin_key_required"
        dry = client.post(
            "/api/v1/system/cleanup", json={**everything, "dry_run": True}, headers=admin
        )
        assert dry.status_code == 200, dry.text
        assert dry.json()["dry_run"] is True and dry.json()["jobs_deleted"] == 1
        assert client.get(f"/api/v1/jobs/{job['job_id']}", headers=user).status_code == 200
        done = client.post("/api/v1/system/cleanup", json=everything, headers=admin)
        assert done.json()["jobs_deleted"] == 1 and done.json()["dry_run"] is False
        assert client.get(f"/api/v1/jobs/{job['job_id']}", headers=user).status_code == 404
        assert client.get(f"/api/v1/projects/{job['project_id']}", headers=user).status_code == 200

        listed = cli(data_dir, database_url, "keys", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        keys = {row["name"]: row for row in json.loads(listed.stdout)["data"]}
        assert keys["ops"]["admin"] is True and keys["user"]["admin"] is False
        assert keys["user"]["revoked_at"] is None
        assert "key" not in keys["user"] and "key_hash" not in keys["user"]

        revoked = cli(data_dir, database_url, "keys", "revoke", "user")
        assert revoked.returncode == 0, revoked.stderr
        gone = client.get("/api/v1/projects", headers=user)
        assert gone.status_code == 401 and gone.json()["error_code"] == "invalid_api_key"
        assert client.get("/api/v1/projects", headers=admin).status_code == 200
        again = cli(data_dir, database_url, "keys", "revoke", "user")
        assert again.returncode == 2
        assert again.stderr.strip() == "error: no active API key named 'user'"
        table = cli(data_dir, database_url, "keys", "list")
        assert "ops" in table.stdout and "user" in table.stdout

        health = client.get("/health").json()
        assert health["version"] == version("manimgraph")
        stamp = datetime.fromisoformat(health["timestamp"])
        assert abs(datetime.now(UTC) - stamp) < timedelta(minutes=1)
