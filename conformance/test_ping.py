"""ping: the Artifactory ping, the Docker API version check and its Bearer challenge."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from fixtures.clients.admin import AdminClient
from fixtures.clients.registry import RegistryClient, parse_challenge
from fixtures.stacks.defs import Endpoint
from fixtures.targets import Target

pytestmark = [pytest.mark.capability("ping"), pytest.mark.read_only]  # GETs only


@pytest.mark.artifactory
def test_system_ping_answers_ok(admin: AdminClient) -> None:
    """GET /artifactory/api/system/ping answers 200 with the body OK."""
    answer = admin.ping(expect=200)
    assert answer.text.strip() == "OK", answer.text[:200]


@pytest.mark.artifactory
def test_system_ping_answers_head_as_curl_i_asks(admin: AdminClient) -> None:
    """HEAD /artifactory/api/system/ping (the documentation's own test is `curl -I`) answers 200, typed as
    GET's answer, with no body."""
    head = admin.ping("HEAD", expect=200, why="the documentation's curl -I")
    assert head.content == b"", head.content[:200]
    assert head.headers.get("Content-Type") == admin.ping(expect=200).headers.get("Content-Type")


@pytest.mark.auth
@pytest.mark.token
def test_v2_challenges_anonymous_clients_with_bearer(anonymous: RegistryClient) -> None:
    """GET /v2/ without credentials answers 401 with a Bearer challenge naming realm and service."""
    answer = anonymous.request("GET", "/v2/", expect=401)
    scheme, params = parse_challenge(answer.headers.get("WWW-Authenticate", ""))
    assert scheme == "bearer", answer.headers.get("WWW-Authenticate")
    assert {"realm", "service"} <= params.keys()
    assert answer.headers.get("Docker-Distribution-Api-Version") == "registry/2.0"


@pytest.mark.auth
@pytest.mark.token
def test_challenge_realm_is_reachable_where_the_client_is(
    anonymous: RegistryClient, endpoint: Endpoint, target: Target
) -> None:
    """The realm uses the client's scheme and answers a token request with the user's credentials."""
    challenge = anonymous.request("GET", "/v2/").headers.get("WWW-Authenticate", "")
    realm = parse_challenge(challenge)[1].get("realm", "")
    assert urlsplit(realm).scheme == urlsplit(endpoint.registry_url).scheme, f"realm {realm!r}"
    answer = anonymous.ask_token(realm, credentials=target.admin, expect=200)
    assert answer.json().get("token") or answer.json().get("access_token")


def test_v2_answers_200_once_authenticated(registry: RegistryClient) -> None:
    """With credentials (after the token flow) GET /v2/ answers 200."""
    registry.request("GET", "/v2/", expect=200)
