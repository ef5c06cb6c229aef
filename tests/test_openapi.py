"""Schemathesis against the app's own OpenAPI document: no 5xx, every answer as declared.

Every operation is exercised in-process over ASGI (one test per operation), with the lifespan
running on a data dir that holds one finished 1-scene project, so the job and project routes
answer with real records: every operation runs twice, once with the drawn ids (mostly 404s)
and once with the ids of stored records. Nothing is excluded:

* POST /generate, /edit-scene and /batches start real jobs: each accepted job is cancelled
  at once, so the run costs a few render starts, not full renders.
* A callback URL that would be accepted is pointed at a closed loopback port, so no webhook
  ever leaves the machine.
* DELETE /projects/{id} gets the id of a spare project (a generate cancelled before any
  render), so deleting it leaves the finished project to the other operations.
* The SSE stream is tested too: the real jobs have ended, so their streams end.
* POST /assets is judged by decoding the file: drawn bytes are rarely an image or audio
  file, so its refusals (422) do not count against schema-valid data; every other check holds.
* Each drawn Idempotency-Key is made unique: a key reused with another body is a 422 by
  design (tested in test_api.py), which schemathesis would read as valid data rejected.

The schema is read from `app.openapi()` at import (building the app opens nothing); the
fixture's app, whose lifespan schemathesis runs, is the one that answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis import Case
from schemathesis.specs.openapi.checks import positive_data_acceptance

from server.main import create_app
from server.settings import Settings
from server.webhooks import validate_callback_url
from tests.api_helpers import make_client, wait_for

pytestmark = [
    pytest.mark.slow,
    # schemathesis 4.32's own strategies call `random`; Hypothesis deprecates that. Not ours.
    pytest.mark.filterwarnings(
        "ignore:Do not use the `random` module inside strategies"
        ":hypothesis.errors.HypothesisDeprecationWarning"
    ),
]

CLOSED_PORT_HOOK = "http://127.0.0.1:9/hook"
SUBMITS = {"/api/v1/generate", "/api/v1/edit-scene"}
BATCHES = "/api/v1/batches"
SPARE_ONLY = "/api/v1/projects/{project_id}"
UPLOADS = "/api/v1/assets"
WITH_IDS = r"\{(job|project)_id\}|/edit-scene$"

schema = schemathesis.openapi.from_dict(
    create_app().openapi(),
    config=schemathesis.Config.from_dict(
        {
            "seed": 20_260_101,
            "generation": {"max-examples": 25, "deterministic": True, "database": "none"},
        }
    ),
)


@pytest.fixture(scope="module")
def real_ids(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A data dir with a finished 1-scene project and a spare one, and their ids."""
    with pytest.MonkeyPatch.context() as env:
        for provider_key in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
            env.delenv(provider_key, raising=False)
        data_dir = tmp_path_factory.mktemp("openapi") / "data"
        with make_client(data_dir) as client:
            done = client.post(
                "/api/v1/generate", json={"prompt": "Explain circles", "scene_count": 1}
            ).json()
            assert wait_for(client, done["job_id"])["status"] == "completed"
            spare = client.post(
                "/api/v1/generate", json={"prompt": "Spare", "scene_count": 1}
            ).json()
            assert client.delete(f"/api/v1/jobs/{spare['job_id']}").status_code == 200
        yield {
            "data_dir": data_dir,
            "job_id": done["job_id"],
            "project_id": done["project_id"],
            "spare_project_id": spare["project_id"],
        }


@pytest.fixture(scope="module")
def app(real_ids: dict[str, Any]) -> FastAPI:
    """The app under test; schemathesis starts (and stops) its lifespan around each test."""
    settings = Settings(
        data_dir=real_ids["data_dir"], rate_limit="100000/minute", webhook_attempts=1
    )
    return create_app(settings)


def _use_real_ids(case: Case, ids: dict[str, Any]) -> None:
    """Point the case's job and project ids at stored records."""
    path = case.path_parameters or {}
    if "job_id" in path:
        path["job_id"] = ids["job_id"]
    if "project_id" in path:
        spare = case.method == "DELETE" and case.operation.path == SPARE_ONLY
        path["project_id"] = ids["spare_project_id" if spare else "project_id"]
    if isinstance(case.body, dict) and "project_id" in case.body:
        case.body["project_id"] = ids["project_id"]


def _keep_webhooks_local(case: Case) -> None:
    """Point an acceptable callback URL at a closed loopback port; invalid ones stay as drawn."""
    body = case.body
    if not isinstance(body, dict):
        return
    url = body.get("callback_url")
    if not isinstance(url, str):
        return
    try:
        validate_callback_url(url)
    except ValueError:
        return
    body["callback_url"] = CLOSED_PORT_HOOK


def _cancel(case: Case, job_id: str, app: FastAPI) -> None:
    """Stop a job a submit case started; it may already have ended on its own."""
    cancel = case.operation.schema["/api/v1/jobs/{job_id}"]["DELETE"]
    response = cancel.Case(path_parameters={"job_id": job_id}).call(app=app)
    assert response.status_code in (200, 409), response.text


def _check(case: Case, app: FastAPI) -> None:
    """Call, stop any job the call started (even if the answer is wrong), then validate."""
    _keep_webhooks_local(case)
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = uuid4().hex
    response = case.call(app=app)
    if case.operation.path in SUBMITS and response.status_code == 202:
        _cancel(case, response.json()["job_id"], app)
    if case.operation.path == BATCHES and response.status_code == 202:
        for member in response.json()["jobs"]:
            _cancel(case, member["job_id"], app)
    # An upload is judged by decoding it: bytes the schema allows are mostly no image.
    refusable = [positive_data_acceptance] if case.operation.path == UPLOADS else []
    case.validate_response(response, excluded_checks=refusable, transport_kwargs={"app": app})


@schema.parametrize()
def test_drawn_ids(case: Case, app: FastAPI) -> None:
    _check(case, app)


@schema.include(path_regex=WITH_IDS).parametrize()
def test_real_ids(case: Case, app: FastAPI, real_ids: dict[str, Any]) -> None:
    _use_real_ids(case, real_ids)
    _check(case, app)
