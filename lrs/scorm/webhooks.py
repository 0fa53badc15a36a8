"""Postback webhooks: URLs an LMS registers to be told when an enrollment changes, and their signature.

A webhook belongs to the credential that registered it and fires for every enrollment whose commits
come through that credential (its Basic commits and the launches it opened), or, when registered
with a package, for every enrollment of that package's course. Its secret is derived from the
server key (signing kind "postback"), so no instance stores it and every instance signs alike.

Signature (docs/lms-integration.md): header `X-LRS-Signature: t=<unix seconds>,v1=<hex>` where
`<hex>` = HMAC-SHA256(secret, "<t>.<raw body>"); the receiver recomputes it over the raw body,
compares in constant time and refuses a `t` older than a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from lrs.errors import InvalidRequest, NotFound
from lrs.scorm.packages import find_package
from lrs.signing import Signer
from lrs.storage import Database
from lrs.storage.indexes import SCORM_WEBHOOKS

SIGNATURE_HEADER = "X-LRS-Signature"


def webhook_secret(signer: Signer, webhook_id: str) -> str:
    """The webhook's signing secret (the same on every instance sharing LRS_SECRET_KEY)."""
    return "whsec_" + signer.sign("postback", {"webhook": webhook_id}).rsplit(".", 1)[1]


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The X-LRS-Signature header value of a postback body sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: str, header: str, body: bytes, now: float, tolerance_s: float = 300) -> bool:
    """What a receiver does: the header's MAC matches the body and its time is recent."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if not parts.get("t", "").isdigit() or abs(now - int(parts["t"])) > tolerance_s:
        return False
    return hmac.compare_digest(
        signature(secret, int(parts["t"]), body), f"t={parts['t']},v1={parts.get('v1', '')}"
    )


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest("url: an absolute http(s) URL", field="url")
    return url


def webhook_view(doc: dict[str, Any], signer: Signer, with_secret: bool = False) -> dict[str, Any]:
    view = {
        "id": doc["_id"],
        "url": doc["url"],
        "credential": doc["credential"],
        "package": doc.get("package"),
        "course": doc.get("course_id"),
        "created": doc["created"],
    }
    if with_secret:
        view["secret"] = webhook_secret(signer, doc["_id"])
    return view


async def create_webhook(
    db: Database, credential: str, url: str, package: str | None, now: datetime
) -> dict[str, Any]:
    """Register a webhook for a credential (or for a package's course)."""
    course = (await find_package(db, package))["course_id"] if package else None
    doc = {
        "_id": str(uuid.uuid4()),
        "url": _check_url(url),
        "credential": credential,
        "package": package,
        "course_id": course,
        "created": now,
    }
    await db.collection(SCORM_WEBHOOKS).insert_one(doc)
    return doc


async def list_webhooks(db: Database, credential: str) -> list[dict[str, Any]]:
    return await db.collection(SCORM_WEBHOOKS).find({"credential": credential}, sort=[("created", 1)])


async def delete_webhook(db: Database, credential: str, webhook_id: str) -> None:
    if not await db.collection(SCORM_WEBHOOKS).delete_one({"_id": webhook_id, "credential": credential}):
        raise NotFound(f"no webhook {webhook_id!r} of this credential", field="id")


async def find_webhook(db: Database, webhook_id: str) -> dict[str, Any] | None:
    return await db.collection(SCORM_WEBHOOKS).find_one({"_id": webhook_id})


async def webhooks_for(db: Database, credential: str, courses: list[str]) -> list[dict[str, Any]]:
    """The webhooks commits of this credential in these courses may fire (see fires_for)."""
    return await db.collection(SCORM_WEBHOOKS).find(
        {"$or": [{"credential": credential, "course_id": None}, {"course_id": {"$in": courses}}]},
        {"_id": 1, "course_id": 1},
    )


def fires_for(webhook: dict[str, Any], course_id: str) -> bool:
    """Whether one of webhooks_for's webhooks fires for a commit in this course."""
    return webhook.get("course_id") in (None, course_id)
