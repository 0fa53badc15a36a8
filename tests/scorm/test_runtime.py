"""The browser runtime's route: the built file, its content type, cache headers, ETag and gzip."""

from __future__ import annotations

import gzip

from starlette.testclient import TestClient

from lrs.scorm.runtime import RUNTIME_FILE
from lrs.storage import Database

RUNTIME_URL = "/scorm/runtime/v1/lrs-bridge-runtime.js"


def test_runtime_script_served_as_javascript_with_a_long_cache(client: TestClient) -> None:
    response = client.get(RUNTIME_URL, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=604800"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content == RUNTIME_FILE.read_bytes()
    assert b"window.LrsBridge" in response.content


def test_runtime_script_needs_no_credential(database: Database) -> None:
    from lrs.app import create_app
    from tests.support import make_settings

    settings = make_settings()
    with TestClient(create_app(settings, database)) as anonymous:
        assert anonymous.get(RUNTIME_URL).status_code == 200


def test_runtime_script_revalidates_with_its_etag(client: TestClient) -> None:
    etag = client.get(RUNTIME_URL).headers["etag"]
    again = client.get(RUNTIME_URL, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    changed = client.get(RUNTIME_URL, headers={"If-None-Match": '"other"'})
    assert changed.status_code == 200


def test_runtime_script_gzipped_when_the_browser_accepts_it(client: TestClient) -> None:
    response = client.get(RUNTIME_URL, headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["vary"]
    # the client decodes transparently: the bytes are the file's
    assert response.content == RUNTIME_FILE.read_bytes()
    assert int(response.headers["content-length"]) == len(gzip.compress(RUNTIME_FILE.read_bytes(), mtime=0))


def test_runtime_script_head_answers_headers_only(client: TestClient) -> None:
    response = client.head(RUNTIME_URL)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.content == b""
