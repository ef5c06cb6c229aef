"""An S3-protocol server on loopback, and a fresh bucket per test.

moto's server mode (`ThreadedMotoServer`) speaks the S3 protocol over real HTTP; it is a
stand-in for object storage, so only the tests import it: the product reaches it through
the same obstore client and AWS_* settings it would use against S3 or MinIO. Tests read
the bucket back with boto3, a second client, to see what really landed there.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

__all__ = ["S3Bucket", "artifacts_url", "s3_bucket", "s3_server"]

REGION = "us-east-1"
PREFIX = "manimgraph"


class S3Bucket:
    """A bucket on the test server, with the `s3://` URL the store is given."""

    def __init__(self, endpoint: str, name: str) -> None:
        self.endpoint = endpoint
        self.name = name
        self.url = f"s3://{name}/{PREFIX}"
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def stored_keys(self) -> set[str]:
        """The artifact keys stored under the prefix (as the store names them)."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return {
            item["Key"].removeprefix(f"{PREFIX}/")
            for page in pages
            for item in page.get("Contents", [])
        }

    def get(self, key: str) -> Any:
        """The object of artifact `key`: its `Body`, `ContentType`, `LastModified`..."""
        return self.client.get_object(Bucket=self.name, Key=f"{PREFIX}/{key}")

    def put(self, key: str, data: bytes) -> None:
        """Write an object behind the store's back (unconditionally)."""
        self.client.put_object(Bucket=self.name, Key=f"{PREFIX}/{key}", Body=data)

    def empty(self) -> None:
        for key in self.stored_keys():
            self.client.delete_object(Bucket=self.name, Key=f"{PREFIX}/{key}")


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """The endpoint URL of an S3-protocol server on a free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Bucket]:
    """A fresh, empty bucket for this test, deleted afterwards; the AWS_* variables point
    at the server, so a store (or a process started now) given `bucket.url` uses it."""
    for name, value in {
        "AWS_ENDPOINT_URL": s3_server,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    bucket = S3Bucket(s3_server, f"mg-{uuid.uuid4().hex[:16]}")
    bucket.client.create_bucket(Bucket=bucket.name)
    yield bucket
    bucket.empty()
    bucket.client.delete_bucket(Bucket=bucket.name)


@pytest.fixture(params=["local", "s3"])
def artifacts_url(request: pytest.FixtureRequest) -> str | None:
    """Each artifact back end in turn: None (the data directory) or a fresh bucket's URL."""
    if request.param == "local":
        return None
    bucket: S3Bucket = request.getfixturevalue("s3_bucket")
    return bucket.url
