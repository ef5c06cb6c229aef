"""Batches through the real API: many generate jobs at once, all or none, their status
aggregated; each member is a normal job (offline model, low quality, one scene each)."""

from __future__ import annotations

from pathlib import Path

from tests.api_helpers import make_client, wait_for
from tests.stores import StoreAt

ONE_SCENE = {"scene_count": 1, "narration": {"voice": "none"}}


def _counts(store: StoreAt) -> tuple[int, int]:
    return store.count_jobs(), store.count_projects()


def test_batch_runs_each_member_as_a_job_and_aggregates_them(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = StoreAt(data_dir)
    keys = {name: store.create_api_key(name)[1] for name in ("alice", "bob")}
    alice, bob = ({"X-API-Key": keys[n]} for n in ("alice", "bob"))
    with make_client(data_dir, max_jobs_per_key=3, max_concurrent_jobs=1) as client:
        # Refused whole, nothing written: a bad member, too many members, past the key's cap.
        bad = {"jobs": [{"prompt": "circles", **ONE_SCENE}, {"prompt": "  "}]}
        refused = client.post("/api/v1/batches", json=bad, headers=alice)
        assert refused.status_code == 422 and "jobs" in refused.text
        many = {"jobs": [{"prompt": f"topic {i}"} for i in range(21)]}
        refused = client.post("/api/v1/batches", json=many, headers=alice)
        assert refused.status_code == 422 and "20" in refused.json()["detail"]
        model = {"jobs": [{"prompt": "a"}, {"prompt": "b", "models": {"scene": {"model": "x:y"}}}]}
        refused = client.post("/api/v1/batches", json=model, headers=alice)
        assert refused.status_code == 422 and "jobs.1.models" in refused.json()["detail"]
        over = {"jobs": [{"prompt": f"topic {i}", **ONE_SCENE} for i in range(4)]}
        refused = client.post("/api/v1/batches", json=over, headers=alice)
        assert refused.status_code == 429 and "cap is 3" in refused.json()["detail"]
        assert _counts(store) == (0, 0)

        body = {"jobs": [{"prompt": p, **ONE_SCENE} for p in ("circles", "triangles")]}
        accepted = client.post("/api/v1/batches", json=body, headers=alice)
        assert accepted.status_code == 202, accepted.text
        batch = accepted.json()
        assert batch["status"] in ("queued", "running") and len(batch["jobs"]) == 2
        assert sum(batch["counts"].values()) == 2
        assert _counts(store) == (2, 2)
        assert client.get(batch["status_url"], headers=bob).status_code == 404

        # One job runs at a time: the second is still queued, and is cancelled like any job.
        first, second = (m["job_id"] for m in batch["jobs"])
        assert client.delete(f"/api/v1/jobs/{second}", headers=alice).status_code == 200
        job = wait_for(client, first, headers=alice)
        assert job["status"] == "completed", job
        done = client.get(batch["status_url"], headers=alice).json()
        assert done["status"] == "failed"
        assert done["counts"] == {
            "queued": 0,
            "running": 0,
            "completed": 1,
            "failed": 0,
            "cancelled": 1,
        }
        assert done["progress"] == (1.0 + done["jobs"][1]["progress"]) / 2
        assert [m["job_id"] for m in done["jobs"]] == [first, second]
        prompts = [
            client.get(f"/api/v1/projects/{m['project_id']}", headers=alice).json()["prompt"]
            for m in done["jobs"]
        ]
        assert prompts == ["circles", "triangles"]
