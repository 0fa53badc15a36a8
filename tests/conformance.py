"""Responses checked against the OpenAPI description: the shared `client` fixture runs every response of
the HTTP tests through `check_response` (a described route must answer a described status, a described
media type and, for JSON, a body its schema accepts)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import httpx2
import orjson
from jsonschema import Draft202012Validator

from lrs.openapi import build_document
from lrs.routes import routes


@cache
def document() -> dict[str, Any]:
    return build_document(routes)


@cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    compiled = [
        (re.compile("^" + "[^/]+".join(re.escape(part) for part in re.split(r"\{[^}]+\}", t)) + "$"), t)
        for t in document()["paths"]
    ]
    return sorted(compiled, key=lambda c: c[1].count("{"))  # literal paths before templated ones


def template_of(path: str) -> str | None:
    """The described path template a request path falls under."""
    for pattern, template in _templates():
        if pattern.match(path):
            return template
    return None


@cache
def _validator(template: str, method: str, status: str, media: str) -> Draft202012Validator:
    content = document()["paths"][template][method]["responses"][status]["content"]
    schema = {**content[media]["schema"], "components": document()["components"]}
    return Draft202012Validator(schema)


def _media_key(content: dict[str, Any], media: str) -> str | None:
    for key in (media, media.split("/")[0] + "/*", "*/*"):
        if key in content:
            return key
    return None


def problems(response: httpx2.Response) -> list[str]:
    """What in a response disagrees with the description (empty when it conforms or is not described)."""
    request = response.request
    method = request.method.lower()
    if method == "post" and "method" in request.url.params:  # xAPI alternate request syntax
        method = request.url.params["method"].lower()
    template = template_of(request.url.path)
    if template is None or method == "head":
        return []
    operation = document()["paths"][template].get(method)
    if operation is None:
        return []
    where = f"{request.method} {template} -> {response.status_code}"
    answers = operation["responses"]
    status = next(
        (
            s
            for s in (str(response.status_code), f"{response.status_code // 100}XX", "default")
            if s in answers
        ),
        None,
    )
    if status is None:
        return [f"{where}: status not described"]
    content = answers[status].get("content")
    response.read()
    if not content:
        return [f"{where}: body where none is described"] if response.content else []
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    key = _media_key(content, media)
    if key is None:
        return [f"{where}: media type {media!r} not described ({', '.join(content)})"]
    if media != "application/json" or request.method == "HEAD":
        return []
    body = orjson.loads(response.content)
    return [
        f"{where}: {'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in _validator(template, method, status, key).iter_errors(body)
    ][:5]


def check_response(response: httpx2.Response) -> None:
    """An httpx event hook: fail the test when a response does not conform."""
    found = problems(response)
    assert not found, "response does not conform to the OpenAPI description:\n" + "\n".join(found)
