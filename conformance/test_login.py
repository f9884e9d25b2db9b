"""login: docker login against each host:port, refused credentials, and the token flow behind it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from docker.errors import APIError

from fixtures.clients.engine import Engine, cli_login
from fixtures.clients.registry import RegistryClient, parse_challenge
from fixtures.stacks.defs import Endpoint
from fixtures.targets import Target

# docker login is a GET of /v2/ and of the realm: every check here reads only.
pytestmark = [pytest.mark.capability("login"), pytest.mark.auth, pytest.mark.read_only]


def admin_of(target: Target) -> tuple[str, str]:
    """The admin's user and password (a target without users is unsupported before these checks run)."""
    assert target.admin is not None, "the login checks need the target's admin credentials"
    return target.admin


def test_docker_login_succeeds(docker: Engine, endpoint: Endpoint, target: Target) -> None:
    """docker login with the admin's credentials answers Login Succeeded."""
    assert docker.login(endpoint.registry_host, *admin_of(target))["Status"] == "Login Succeeded"


def test_wrong_password_is_refused(docker: Engine, endpoint: Endpoint, target: Target) -> None:
    """docker login with a wrong password is refused by the engine with an unauthorized error."""
    with pytest.raises(APIError, match=r"(?i)unauthorized|401"):
        user, password = admin_of(target)
        docker.login(endpoint.registry_host, user, "not-" + password)


def test_login_is_stored_per_host_port(docker: Engine, endpoint: Endpoint, target: Target, tmp_path: Path) -> None:
    """The CLI keeps the login under exactly the host[:port] of the image references."""
    done = cli_login(endpoint.registry_host, *admin_of(target), config_dir=tmp_path)
    assert done.returncode == 0, done.stderr.strip()
    assert "Login Succeeded" in done.stdout
    assert list(json.loads((tmp_path / "config.json").read_text())["auths"]) == [endpoint.registry_host]


@pytest.mark.token
def test_token_endpoint_issues_scoped_tokens(anonymous: RegistryClient, target: Target, image_name: str) -> None:
    """The realm issues a token for a pull scope to a good password and refuses a wrong one."""
    challenge = anonymous.request("GET", f"{image_name}/tags/list").headers.get("WWW-Authenticate", "")
    scheme, params = parse_challenge(challenge)
    assert scheme == "bearer" and "scope" in params, challenge
    query = {k: params[k] for k in ("service", "scope")}
    user, password = admin_of(target)
    granted = anonymous.ask_token(params["realm"], query, (user, password), expect=200)
    assert granted.json().get("token") or granted.json().get("access_token")
    anonymous.ask_token(params["realm"], query, (user, "not-" + password), expect=401)


@pytest.mark.token
def test_token_opens_the_registry(registry: RegistryClient) -> None:
    """A Bearer token from the realm is accepted on /v2/ (the flow docker login performs)."""
    registry.request("GET", "/v2/", expect=200)
    assert registry.bearer, "the registry answered without asking for a token"
