"""The Agents resource service: the Person object the LRS knows for an agent (xAPI 1.0.3
Communication 2.4, xAPI 2.0.0 4.1.6.3)."""

from __future__ import annotations

from typing import Any

from lrs.storage import Database
from lrs.storage.indexes import STATEMENTS
from lrs.xapi.validation import agent_identifier

IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def actor_match(agent: dict[str, Any]) -> dict[str, Any]:
    """Statements whose actor carries the agent's IFI (served by the `statements_agent` index)."""
    match: dict[str, Any] = {"agent": agent_identifier(agent)}
    for key in IFIS:
        if key == "account" and isinstance(agent.get("account"), dict):
            match["statement.actor.account.homePage"] = agent["account"].get("homePage")
            match["statement.actor.account.name"] = agent["account"].get("name")
        elif key in agent:
            match[f"statement.actor.{key}"] = agent[key]
    return match


def person_pipeline(agent: dict[str, Any]) -> list[dict[str, Any]]:
    """The names given to this agent as actor of stored statements, in one aggregation."""
    return [
        {"$match": actor_match(agent)},
        {"$group": {"_id": None, "names": {"$addToSet": "$statement.actor.name"}}},
    ]


async def find_person(db: Database, agent: dict[str, Any]) -> dict[str, Any]:
    """A Person object: the agent's identifier and every name the LRS has seen for it."""
    rows = await db.collection(STATEMENTS).aggregate(person_pipeline(agent))
    seen = sorted({n for n in (rows[0]["names"] if rows else []) if isinstance(n, str)})
    own = agent.get("name")
    names = ([own] if isinstance(own, str) else []) + [n for n in seen if n != own]
    person: dict[str, Any] = {"objectType": "Person"}
    if names:
        person["name"] = names
    for key in IFIS:
        if key in agent:
            person[key] = [agent[key]]
    return person
