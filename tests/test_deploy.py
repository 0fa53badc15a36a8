"""The production deployment files: docker-compose.yml (secrets required, MongoDB with authentication,
restart policies, pinned images), the MongoDB init script, the Dockerfile and the dependency lock.
No Docker engine runs here: the compose file is read as YAML and its interpolation evaluated the
way compose does (`${VAR:-default}`, `${VAR:?message}`)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SECRETS = ("LRS_DEFAULT_API_SECRET", "LRS_SECRET_KEY", "MONGO_ROOT_PASSWORD", "LRS_MONGODB_PASSWORD")
_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}")


class Unset(Exception):
    pass


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's variable substitution over a loaded file."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, kind, arg = match.groups()
        if env.get(name):
            return env[name]
        if kind == "?":
            raise Unset(f"{name}: {arg}")
        return arg if kind == "-" else ""

    return _VARIABLE.sub(substitute, value.replace("$$", "\0")).replace("\0", "$")


FILLED = {name: f"value-of-{name.lower()}" for name in SECRETS}


@pytest.mark.parametrize("secret", SECRETS)
def test_compose_refuses_to_start_without_each_secret(secret: str) -> None:
    with pytest.raises(Unset, match=secret):
        interpolate(COMPOSE, {k: v for k, v in FILLED.items() if k != secret})
    interpolate(COMPOSE, FILLED)  # and starts with all of them


def test_compose_has_no_default_secret() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert "change-me" not in text
    for secret in SECRETS:
        assert re.search(rf"\$\{{{secret}:-", text) is None, f"{secret} has a default"


def test_compose_runs_mongodb_with_authentication_and_an_app_user() -> None:
    services = interpolate(COMPOSE, FILLED)["services"]
    mongo_env = services["mongodb"]["environment"]
    assert mongo_env["MONGO_INITDB_ROOT_PASSWORD"] == FILLED["MONGO_ROOT_PASSWORD"]
    assert "--keyFile" in services["mongodb"]["command"]
    mount = next(v for v in services["mongodb"]["volumes"] if "docker-entrypoint-initdb.d" in v)
    script = (ROOT / mount.split(":")[0]).read_text()
    assert "createUser" in script and '"readWrite"' in script and "LRS_MONGODB_PASSWORD" in script
    url = services["lrs"]["environment"]["LRS_MONGODB_URL"]
    assert url == (
        "mongodb://lrs:value-of-lrs_mongodb_password@mongodb:27017/lrs?replicaSet=rs0&authSource=lrs"
    )


def test_compose_restarts_services_and_pins_images() -> None:
    for name, service in COMPOSE["services"].items():
        assert service["restart"] == "unless-stopped", name
    assert re.fullmatch(r"mongo:\d+\.\d+\.\d+", COMPOSE["services"]["mongodb"]["image"])
    base = re.search(r"^FROM (\S+)", (ROOT / "Dockerfile").read_text(), flags=re.M)
    assert base and re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", base.group(1))


def test_compose_surfaces_lms_settings_at_their_example_values() -> None:
    env = interpolate(COMPOSE, FILLED)["services"]["lrs"]["environment"]
    assert env["LRS_LMS_HOMEPAGE"] == "https://lms.example.com"  # warned about at start-up
    assert (
        interpolate(COMPOSE, {**FILLED, "LRS_LMS_HOMEPAGE": "https://lms.school.edu"})["services"]["lrs"][
            "environment"
        ]["LRS_LMS_HOMEPAGE"]
        == "https://lms.school.edu"
    )


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_lock_pins_every_runtime_dependency_and_the_image_installs_it() -> None:
    lines = [
        line
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+==[A-Za-z0-9.+!-]+", line) for line in lines)
    locked = {_name(line) for line in lines}
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert {_name(d) for d in declared} - locked == set()
    assert not locked & {"pytest", "ruff", "mypy", "tincan"}  # the service only
    assert "pip install --no-cache-dir -r requirements.lock" in (ROOT / "Dockerfile").read_text()
