"""API keys isolate callers; no key is 401; past the rate limit is 429; webhooks are signed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from server.webhooks import verify, webhook_secret
from tests.api_helpers import make_client, wait_for
from tests.stores import StoreAt

pytestmark = pytest.mark.slow


def make_keys(data_dir: Path, *names: str) -> dict[str, str]:
    store = StoreAt(data_dir)
    return {name: store.create_api_key(name)[1] for name in names}


def test_keys_isolate_projects_and_jobs(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    keys = make_keys(data_dir, "alice", "bob")
    alice, bob = ({"X-API-Key": keys[n]} for n in ("alice", "bob"))
    with make_client(data_dir) as client:
        assert client.get("/api/v1/jobs").status_code == 401
        assert client.get("/api/v1/jobs", headers={"X-API-Key": "mg_wrong"}).status_code == 401
        job = client.post(
            "/api/v1/generate", json={"prompt": "circles", "scene_count": 1}, headers=alice
        ).json()
        assert wait_for(client, job["job_id"], headers=alice)["status"] == "completed"

        for url in (
            f"/api/v1/jobs/{job['job_id']}",
            f"/api/v1/jobs/{job['job_id']}/result",
            f"/api/v1/projects/{job['project_id']}",
            f"/api/v1/projects/{job['project_id']}/download",
        ):
            assert client.get(url, headers=alice).status_code == 200
            assert client.get(url, headers=bob).status_code == 404
        edit = {"project_id": job["project_id"], "scene_number": 1, "edit_prompt": "make it red"}
        assert client.post("/api/v1/edit-scene", json=edit, headers=bob).status_code == 404
        assert client.get("/api/v1/projects", headers=bob).json() == {"data": [], "count": 0}
        assert client.get("/api/v1/jobs", headers=alice).json()["count"] == 1


def test_rate_limit_answers_429_with_headers(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    key = {"X-API-Key": make_keys(data_dir, "carol")["carol"]}
    with make_client(data_dir, rate_limit="3/minute") as client:
        answers = [client.get("/api/v1/presets", headers=key) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["X-RateLimit-Limit"] == "3"
    assert answers[2].headers["X-RateLimit-Remaining"] == "0"
    assert int(answers[3].headers["Retry-After"]) > 0
    assert set(answers[3].json()) == {"detail", "error_code", "timestamp"}


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A local HTTP receiver that records every webhook it gets."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"body": body, "headers": dict(self.headers)})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def test_webhook_arrives_signed(tmp_path: Path, receiver: tuple[str, list[dict[str, Any]]]) -> None:
    url, received = receiver
    data_dir = tmp_path / "data"
    with make_client(data_dir) as client:
        job = client.post(
            "/api/v1/generate", json={"prompt": "circles", "scene_count": 1, "callback_url": url}
        ).json()
        wait_for(client, job["job_id"])
        for _ in range(100):
            if received:
                break
            __import__("time").sleep(0.1)
    assert len(received) == 1
    secret = webhook_secret(None, data_dir)
    assert verify(received[0]["body"], received[0]["headers"], secret)
    payload = json.loads(received[0]["body"])
    assert (payload["job_id"], payload["status"]) == (job["job_id"], "completed")
    assert not verify(received[0]["body"] + b" ", received[0]["headers"], secret)
