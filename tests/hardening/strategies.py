"""Hypothesis strategies for hostile requests: parameters, headers and bodies for every endpoint."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from tests.support import basic_auth

NASTY_TEXT = [
    "",
    " ",
    "9" * 5000,
    "-1",
    "0",
    "1e400",
    "NaN",
    "true",
    "null",
    "[]",
    "{}",
    '{"$gt": ""}',
    '{"$regex": ".*"}',
    "$where",
    "$learner",
    "a.b.c",
    "\x00",
    "nope",
    "%00",
    "../../etc/passwd",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "2026-11-20T10:00:00Z",
    "2026-11-20T10:00:00-00:00",
    "100000000w",
    "24h",
    "0s",
    "P" + "9" * 30 + "Y",
    "http://example.com/a",
    "mailto:a@example.com",
    "6f3b1a0e-3d1c-4e7e-9a3b-2b8f0a4c1d2e",
    '{"mbox": "mailto:a@example.com"}',
    '{"account": {"homePage": "https://lms.example.com", "name": "$u"}}',
    '{"objectType": "Group", "member": []}',
    str(2**63),
    str(2**64),
    "1" * 20,
    "\U0001f600" * 50,
    "x" * 10_000,
]
text_value = st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=40))
ascii_value = st.one_of(
    st.sampled_from([v for v in NASTY_TEXT if v.isascii() and v.isprintable() and len(v) < 200]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
)

# JSON values as a hostile client builds them: extreme numbers, odd strings, deep nesting
json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=False, allow_infinity=False),
    text_value,
)
json_value = st.recursive(
    json_scalar,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(text_value, st.just("$set")), children, max_size=4),
    ),
    max_leaves=12,
)


def nest(value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = [value]
    return value


deep_value = st.builds(nest, json_scalar, st.integers(min_value=40, max_value=300))

STATEMENT = {
    "actor": {"account": {"homePage": "https://lms.example.com", "name": "u1"}},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
    "object": {"id": "https://lms.example.com/xapi/courses/c1"},
}
COMMIT = {
    "learner": {"id": "u1"},
    "course": {"id": "c1"},
    "sco": {"id": "s1"},
    "version": "2004",
    "session_id": "fuzz",
    "sequence": 1,
    "cmi": {"cmi.session_time": "PT1S"},
}


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> Any:
    """A valid document with one value anywhere replaced, removed, or given a hostile sibling."""
    doc = json.loads(json.dumps(base))
    paths: list[list[str]] = []

    def walk(node: Any, path: list[str]) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                paths.append([*path, key])
                walk(child, [*path, key])

    walk(doc, [])
    path = draw(st.sampled_from(paths))
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    action = draw(st.sampled_from(["replace", "remove", "sibling", "deep"]))
    if action == "replace":
        parent[path[-1]] = draw(json_value)
    elif action == "remove":
        del parent[path[-1]]
    elif action == "sibling":
        parent[draw(text_value)] = draw(json_value)
    else:
        parent[path[-1]] = draw(deep_value)
    return doc


def encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


raw_body = st.one_of(
    st.just(b""),
    st.binary(max_size=200),
    st.sampled_from(
        [
            b'{"a": 1, "a": 2}',
            b'{"n": 1e400}',
            b'{"n": NaN}',
            b'{"s": "\\ud800"}',
            b"[" * 5000 + b"]" * 5000,
            b'{"k\\u0000": 1}',
            ('{"n": ' + "9" * 5000 + "}").encode(),
            b"\xff\xfe",
        ]
    ),
    json_value.map(encode),
    deep_value.map(encode),
)
statement_body = st.one_of(
    raw_body,
    mutated(STATEMENT).map(encode),
    st.lists(mutated(STATEMENT), min_size=1, max_size=3).map(encode),
)
commit_body = st.one_of(
    raw_body,
    mutated(COMMIT).map(encode),
    st.lists(mutated(COMMIT), min_size=1, max_size=3).map(encode),
    mutated(COMMIT).map(lambda c: encode({"commits": [c]})),
)

LAUNCH = {
    "learner": {"id": "u1", "name": "Ann"},
    "course": {"id": "c1"},
    "package": "p1",
    "sco": "s1",
    "return_url": "https://lms.example.com/back",
}
launch_body = st.one_of(raw_body, mutated(LAUNCH).map(encode))

AUTHORIZATIONS = [
    basic_auth(),
    basic_auth(),
    basic_auth(),
    basic_auth("test-key", "wrong"),
    "Basic !!!",
    "Bearer x",
    "",
]
header_sets = st.fixed_dictionaries(
    {},
    optional={
        "X-Experience-API-Version": st.sampled_from(["1.0.3", "2.0.0", "1.0", "3.0", "", "1.0.3.4", "x"]),
        "Content-Type": st.sampled_from(
            [
                "application/json",
                "application/json; charset=utf-8",
                "multipart/mixed; boundary=x",
                "multipart/mixed",
                "application/x-www-form-urlencoded",
                "text/plain",
                "application/octet-stream",
            ]
        ),
        "If-Match": ascii_value,
        "If-None-Match": st.sampled_from(["*", '"abc"', "W/x", ""]),
        "Accept": st.sampled_from(["text/csv", "application/json", "*/*", ""]),
        "Accept-Language": ascii_value,
        "X-Forwarded-For": st.sampled_from(["1.2.3.4", "::1, 10.0.0.1", "garbage", ""]),
    },
)
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


def params(names: list[str]) -> st.SearchStrategy[dict[str, str]]:
    """Any subset of the endpoint's parameters (and sometimes a stranger) with hostile values."""
    return st.dictionaries(st.one_of(st.sampled_from(names), text_value), text_value, max_size=len(names) + 1)
