"""Package endpoints: POST /scorm/packages (register a manifest or zip), GET list and one."""

from __future__ import annotations

from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import Response

from lrs.auth import require
from lrs.bounds import parse_bounded_int
from lrs.responses import json_response
from lrs.scorm.package_zip import PackageLimits
from lrs.scorm.packages import find_package, list_packages, package_view, register_package

MAX_PAGE = 1000


def package_limits(request: Request) -> PackageLimits:
    settings = request.app.state.settings
    return PackageLimits(
        settings.package_max_manifest_bytes, settings.package_max_unpacked_bytes, settings.package_max_depth
    )


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    text = request.query_params.get(name)
    return default if text is None else parse_bounded_int(text, name, low, high)


class PackagesResource(HTTPEndpoint):
    """POST ?course=<LMS course id>[&course_title=] with imsmanifest.xml or the zip; GET lists."""

    async def post(self, request: Request) -> Response:
        await require(request, "scorm/launch")
        params = request.query_params
        package, created = await register_package(
            request.app.state.db,
            await request.body(),
            params.get("course", "").strip(),
            params.get("course_title", "").strip(),
            package_limits(request),
        )
        return json_response(package, status_code=201 if created else 200)

    async def get(self, request: Request) -> Response:
        await require(request, "scorm/launch")
        limit = int_param(request, "limit", 100, 1, MAX_PAGE)
        offset = int_param(request, "offset", 0, 0, 10**9)
        course = request.query_params.get("course") or None
        return json_response(await list_packages(request.app.state.db, course, limit, offset))


class PackageResource(HTTPEndpoint):
    """GET /scorm/packages/{id}."""

    async def get(self, request: Request) -> Response:
        await require(request, "scorm/launch")
        doc = await find_package(request.app.state.db, request.path_params["id"])
        return json_response(package_view(doc))
