"""Actor checks: Agents, Groups, inverse functional identifiers, authority (xAPI Data 2.4.2, 2.4.9)."""

from __future__ import annotations

from typing import Any

from lrs.errors import InvalidParameter, InvalidStatement
from lrs.xapi.validation.primitives import (
    MAILTO_RE,
    SHA1_RE,
    Path,
    check_iri,
    check_keys,
    check_string,
    fail,
    is_valid_iri,
    require_array,
    require_object,
    type_name,
)

IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
AGENT_KEYS = ("objectType", "name", *IFIS)
GROUP_KEYS = (*AGENT_KEYS, "member")

# property sets for check_keys (frozensets: one subset test when every property is known)
_AGENT_KEYS = frozenset(AGENT_KEYS)
_GROUP_KEYS = frozenset(GROUP_KEYS)
_ACCOUNT_KEYS = frozenset(("homePage", "name"))


def check_actor(value: Any, path: Path) -> None:
    """An Agent (objectType absent or "Agent") or a Group (objectType "Group")."""
    actor = require_object(value, path, "an actor")
    if actor.get("objectType") == "Group":
        check_group(actor, path)
    else:
        check_agent(actor, path)


def check_agent(value: Any, path: Path) -> None:
    """An Agent: optional objectType "Agent", optional name, exactly one IFI (Data 2.4.2.1)."""
    agent = require_object(value, path, "an Agent")
    if "objectType" in agent and agent["objectType"] != "Agent":
        fail((path, "objectType"), f'an Agent\'s objectType must be "Agent", got {agent["objectType"]!r}')
    check_keys(agent, _AGENT_KEYS, path, "an Agent")
    if "name" in agent:
        check_string(agent["name"], (path, "name"))
    present = [k for k in IFIS if k in agent]
    if len(present) != 1:
        fail(
            path,
            f"an Agent must have exactly one of mbox, mbox_sha1sum, openid, account; has {present or 'none'}",
        )
    check_ifi(agent, present[0], path)


def check_group(value: Any, path: Path) -> None:
    """A Group: objectType "Group"; anonymous (no IFI, member required) or identified (one IFI)."""
    group = require_object(value, path, "a Group")
    if group.get("objectType") != "Group":
        fail((path, "objectType"), 'a Group must have objectType "Group"')
    check_keys(group, _GROUP_KEYS, path, "a Group")
    if "name" in group:
        check_string(group["name"], (path, "name"))
    present = [k for k in IFIS if k in group]
    if len(present) > 1:
        fail(path, f"a Group must have at most one of mbox, mbox_sha1sum, openid, account; has {present}")
    if present:
        check_ifi(group, present[0], path)
    elif "member" not in group:
        fail((path, "member"), "an anonymous Group (no identifier) requires 'member'")
    if "member" in group:
        members = require_array(group["member"], (path, "member"), "member", non_empty=not present)
        for i, member in enumerate(members):
            member_path = ((path, "member"), i)
            if isinstance(member, dict) and member.get("objectType") == "Group":
                fail((member_path, "objectType"), "a Group's members must be Agents, not Groups")
            check_agent(member, member_path)


def check_ifi(actor: dict[str, Any], key: str, path: Path) -> None:
    """Check the one inverse functional identifier an actor carries (Data 2.4.2.3, 2.4.2.4)."""
    value, ifi_path = actor[key], (path, key)
    if key == "mbox":
        if not isinstance(value, str) or not MAILTO_RE.match(value):
            fail(ifi_path, f'{value!r} is not a mailto: IRI ("mailto:name@example.com")')
    elif key == "mbox_sha1sum":
        if not isinstance(value, str) or not SHA1_RE.match(value):
            fail(ifi_path, f"{value!r} is not a 40-character hex SHA1 sum")
    elif key == "openid":
        check_iri(value, ifi_path)
    else:
        account = require_object(value, ifi_path, "an account")
        check_keys(account, _ACCOUNT_KEYS, ifi_path, "an account")
        for field in ("homePage", "name"):
            if field not in account:
                fail((ifi_path, field), f"an account requires {field!r}")
        if not is_valid_iri(account["homePage"]):
            fail((ifi_path, "homePage"), f"{account['homePage']!r} is not an absolute IRL")
        check_string(account["name"], (ifi_path, "name"))


def check_authority(value: Any, path: Path) -> None:
    """Authority: an Agent, or an anonymous OAuth Group of exactly two Agents (Data 2.4.9)."""
    authority = require_object(value, path, "authority")
    if authority.get("objectType") == "Group":
        check_group(authority, path)
        identified = [k for k in IFIS if k in authority]
        if identified:
            fail((path, identified[0]), "an authority Group must be anonymous (OAuth consumer + user)")
        members = authority.get("member")
        if not isinstance(members, list) or len(members) != 2:
            fail((path, "member"), "an authority Group must have exactly two Agent members (OAuth)")
    else:
        check_agent(authority, path)


def agent_identifier(agent: dict[str, Any]) -> str:
    """Canonical IFI string of an Agent or identified Group, e.g. "mbox:mailto:a@b" (Data 2.4.2.3)."""
    for key in ("mbox", "mbox_sha1sum", "openid"):
        if key in agent:
            return f"{key}:{agent[key]}"
    account = agent.get("account")
    if isinstance(account, dict):
        return f"account:{account.get('homePage')} {account.get('name')}"
    raise InvalidStatement("the actor has no inverse functional identifier", field="agent")


def validate_agent_param(agent: Any) -> None:
    """Check an `agent` request parameter: an Agent or identified Group with one IFI (Communication 2.3)."""
    if not isinstance(agent, dict):
        raise InvalidParameter(f"agent must be a JSON object, got {type_name(agent)}", field="agent")
    try:
        if agent.get("objectType") == "Group":
            check_group(agent, "agent")
            if not any(k in agent for k in IFIS):
                fail("agent", "a Group used as agent parameter needs an identifier")
        else:
            check_agent(agent, "agent")
    except InvalidStatement as exc:
        raise InvalidParameter(exc.message, field="agent") from None
