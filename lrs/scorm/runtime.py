"""The browser runtime: GET /scorm/runtime/v1/lrs-bridge-runtime.js, the file built from js/ (make js).

The URL names the runtime's major version: compatible fixes ship under it and reach browsers within
CACHE_SECONDS (sooner when they revalidate with the ETag); an incompatible change gets /v2/.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from lrs.errors import NotFound

RUNTIME_FILE = Path(__file__).resolve().parent.parent / "static" / "runtime" / "lrs-bridge-runtime.js"
CACHE_SECONDS = 7 * 24 * 3600
MEDIA_TYPE = "text/javascript; charset=utf-8"


@dataclass(frozen=True)
class Asset:
    """A static file as served: its bytes, their gzip encoding and its ETag."""

    body: bytes
    gzipped: bytes
    etag: str


@lru_cache(maxsize=4)
def load_asset(path: Path, mtime_ns: int) -> Asset:
    """The file's bytes, gzipped copy and ETag (cached per modification time, so a rebuild is seen)."""
    body = path.read_bytes()
    return Asset(body, gzip.compress(body, mtime=0), '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


def runtime_asset() -> Asset:
    """The built runtime; NotFound when the file is missing from this installation."""
    try:
        mtime_ns = RUNTIME_FILE.stat().st_mtime_ns
    except FileNotFoundError:
        raise NotFound("the browser runtime is not built (make js)") from None
    return load_asset(RUNTIME_FILE, mtime_ns)


async def runtime_script(request: Request) -> Response:
    """The runtime script, cached for a week, revalidated by ETag, gzipped when the browser accepts it."""
    asset = runtime_asset()
    headers = {
        "Cache-Control": f"public, max-age={CACHE_SECONDS}",
        "ETag": asset.etag,
        "Vary": "Accept-Encoding",
    }
    if asset.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    body = asset.body
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = asset.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=MEDIA_TYPE, headers=headers)
