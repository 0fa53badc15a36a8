"""`lrs-bridge serve` as an operator runs it: the start-up report on stdout, JSON log lines on stderr
(one per request, uvicorn's plain access log gone)."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from lrs import __version__

pytestmark = pytest.mark.uvicorn
SECRET = "s3cret-never-logged"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _entry_point() -> list[str]:
    script = Path(sys.executable).with_name("lrs-bridge")
    return [str(script)] if script.exists() else [sys.executable, "-m", "lrs.cli"]


def test_serve_reports_at_startup_and_logs_one_json_line_per_request(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("LRS_") and k != "PROMETHEUS_MULTIPROC_DIR"
    }
    env.update(LRS_DEFAULT_API_KEY="ops-key", LRS_DEFAULT_API_SECRET=SECRET)
    server = subprocess.Popen(
        [*_entry_point(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/health/live", timeout=1)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        auth = "Basic " + base64.b64encode(f"ops-key:{SECRET}".encode()).decode()
        request = urllib.request.Request(
            f"{base}/reports/courses", headers={"Authorization": auth, "X-Request-ID": "probe-1"}
        )
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.status == 200 and answer.headers["X-Request-ID"] == "probe-1"
    finally:
        server.terminate()
        stdout, stderr = server.communicate(timeout=30)
    assert f"lrs-bridge {__version__}" in stdout
    assert "in-memory" in stdout and "'ops-key'" in stdout and "metrics" in stdout
    assert f"{base}/docs" in stdout and f"{base}/xapi/" in stdout
    assert "LRS_LMS_HOMEPAGE is still the example value" in stdout
    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]  # every line is JSON
    probes = [line for line in lines if line.get("request_id") == "probe-1"]
    assert len(probes) == 1
    assert probes[0]["logger"] == "lrs.access" and probes[0]["route"] == "/reports/courses"
    assert probes[0]["credential"] == "ops-key" and probes[0]["status"] == 200
    assert not any(line["logger"] == "uvicorn.access" for line in lines)
    assert SECRET not in stdout + stderr
