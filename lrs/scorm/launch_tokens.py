"""Launch tokens: what a browser runtime presents instead of a credential (signing kind "launch").

A token binds one launch: the learner, course, SCO, attempt number and session, the SCORM version,
the mode, the package (when launched from one), and the credential that asked for the launch (its key and name become the `authority` of
the statements). Any instance verifies it with the shared key and no database read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lrs.errors import InvalidToken, Unauthorized
from lrs.signing import Signer

KIND = "launch"


@dataclass(frozen=True)
class LaunchClaims:
    """What a launch token binds."""

    session_id: str
    learner_id: str
    course_id: str
    sco_id: str
    attempt: int
    version: str
    mode: str
    credential: str
    credential_name: str
    package: str = ""

    def payload(self) -> dict[str, Any]:
        return {
            "sid": self.session_id,
            "lid": self.learner_id,
            "cid": self.course_id,
            "sco": self.sco_id,
            "att": self.attempt,
            "ver": self.version,
            "mode": self.mode,
            "key": self.credential,
            "kn": self.credential_name,
            "pkg": self.package,
        }


def mint_token(signer: Signer, claims: LaunchClaims, ttl_s: float) -> str:
    """A signed launch token for these claims, valid `ttl_s` seconds."""
    return signer.sign(KIND, claims.payload(), ttl_s=ttl_s)


def read_token(signer: Signer, token: str) -> LaunchClaims:
    """The claims of a launch token; Unauthorized (401) when it is tampered, of another kind or expired."""
    try:
        p = signer.verify(KIND, token)
        return LaunchClaims(
            str(p["sid"]),
            str(p["lid"]),
            str(p["cid"]),
            str(p["sco"]),
            int(p["att"]),
            str(p["ver"]),
            str(p["mode"]),
            str(p["key"]),
            str(p["kn"]),
            str(p.get("pkg") or ""),
        )
    except InvalidToken as exc:
        raise Unauthorized(exc.message, field="Authorization") from None
    except (KeyError, TypeError, ValueError):
        raise Unauthorized("launch token: payload lacks its claims", field="Authorization") from None


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, None for any other scheme."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None
