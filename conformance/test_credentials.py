"""credentials: access tokens as the password of docker login and as Bearer on REST calls; what a token grants.

An access token is how OAuth and SSO users log the engine in, what the Kubernetes section's pull
secret calls an identity token, and what the multi-arch delete example sends as ``Authorization:
Bearer``.  A registry token (the realm's) grants only the scopes it names: on the registry API
``*`` is every action the user has on the name (skopeo and podman ask for it to delete), and on
REST routes it does no more than its scopes cover.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from fixtures.clients.admin import ACCESS_TOKENS, SECURITY_TOKEN, AdminClient
from fixtures.clients.engine import Engine
from fixtures.clients.expect import SUCCESS
from fixtures.clients.registry import RegistryClient, Session, parse_challenge
from fixtures.content import images
from fixtures.report import collect
from fixtures.report.outcomes import unsupported
from fixtures.stacks.defs import Endpoint
from fixtures.targets import Target

pytestmark = [pytest.mark.capability("credentials"), pytest.mark.auth]

TOKEN_LIFETIME = "600"  # seconds: outlives any check, and a non-admin may ask for it too
NO_API = {404, 405, 501}


@dataclass(frozen=True)
class AccessToken:
    user: str
    value: str
    token_id: str | None  # None: made by the older API, revoked by value


@pytest.fixture
def make_token(admin: AdminClient, target: Target, request: pytest.FixtureRequest) -> Callable[[], AccessToken]:
    """Makes an access token of the admin (its own rights, ten minutes)."""
    assert target.admin is not None, "the credentials checks need the target's admin credentials"
    user = target.admin[0]

    def make() -> AccessToken:
        answer = admin.create_token(username=user, expires_in=TOKEN_LIFETIME)
        if answer.status_code in NO_API:
            tried = f"POST {ACCESS_TOKENS}, then /artifactory/{SECURITY_TOKEN}"
            unsupported(f"no access-token API: {tried} answered {answer.status_code}")
        assert answer.status_code == 200, f"creating an access token: {answer.status_code} {answer.text[:300]}"
        doc = answer.json()
        # A live admin token: scrubbed from the HTTP exchanges a failure shows (its creation's answer holds it).
        collect.register_secret(request.config, doc["access_token"])
        return AccessToken(user, doc["access_token"], doc.get("token_id"))

    return make


@pytest.fixture
def access_token(admin: AdminClient, make_token: Callable[[], AccessToken]) -> Iterator[AccessToken]:
    """An access token of the admin, revoked after the check."""
    token = make_token()
    yield token
    admin.revoke_token(token.value, token.token_id)


@pytest.fixture
def bearer(curl: Callable[[bool | str], Session], target: Target, endpoint: Endpoint) -> Callable[[str], AdminClient]:
    """Artifactory REST clients sending ``Authorization: Bearer <token>`` and nothing else."""

    def client(token: str) -> AdminClient:
        rest = AdminClient(endpoint.base_url, None, verify=target.verify)
        rest.session = curl(target.verify)
        rest.session.headers["Authorization"] = f"Bearer {token}"
        return rest

    return client


def test_docker_login_with_an_access_token_pushes_and_pulls(
    docker: Engine, registry: RegistryClient, endpoint: Endpoint, access_token: AccessToken, image_name: str
) -> None:
    """docker login with an access token as the password, then push and pull: one digest throughout."""
    assert docker.login(endpoint.registry_host, access_token.user, access_token.value)["Status"] == "Login Succeeded"
    ref = endpoint.image_ref(image_name, "1")
    docker.build(ref, {"token.txt": f"pushed with an access token {image_name}\n".encode()})
    digest = docker.push(ref).check()
    assert registry.digest_of(image_name, "1") == digest
    docker.remove(ref)
    assert f"{endpoint.image_ref(image_name)}@{digest}" in docker.pull(ref).attrs["RepoDigests"]


def test_multiarch_delete_with_an_access_token_as_bearer(
    registry: RegistryClient,
    bearer: Callable[[str], AdminClient],
    endpoint: Endpoint,
    access_token: AccessToken,
    image_name: str,
) -> None:
    """The documentation's multi-arch delete, with Authorization: Bearer <access token>, removes the list."""
    amd, arm = images.image(f"{image_name}-amd"), images.image(f"{image_name}-arm", platform="linux/arm64/v8")
    listing = images.index([amd, arm], oci=False)
    registry.push(listing, image_name, "1.0").raise_for_status()
    bearer(access_token.value).delete_multiarch(endpoint.repo, image_name, "1.0", expect=SUCCESS)
    registry.manifest(image_name, "1.0", expect=404)


def test_revoked_access_token_is_refused(
    admin: AdminClient,
    make_token: Callable[[], AccessToken],
    bearer: Callable[[str], AdminClient],
    endpoint: Endpoint,
) -> None:
    """An access token works as Bearer until it is revoked, and is refused with 401 after."""
    token = make_token()
    bearer(token.value).repository(endpoint.repo, expect=200)
    admin.revoke_token(token.value, token.token_id, expect=SUCCESS)
    bearer(token.value).repository(endpoint.repo, expect=401, why="a revoked token")


def test_pull_token_cannot_delete_through_rest(
    registry: RegistryClient,
    bearer: Callable[[str], AdminClient],
    target: Target,
    endpoint: Endpoint,
    image_name: str,
) -> None:
    """A registry token for pulling one image, even the admin's, deletes nothing through the REST API."""
    image = images.image(image_name)
    registry.push(image, image_name, "1").raise_for_status()
    puller = RegistryClient(endpoint.registry_url, endpoint.root, target.admin, verify=target.verify)
    puller.session = registry.session  # the same logged session: the exchanges land in the report
    puller.manifest(image_name, "1", expect=200)
    if puller.bearer is None:
        unsupported("the registry answered without asking for a token: no registry token to try")
    bearer(puller.bearer).delete(endpoint.repo, f"{image_name}/1", expect={401, 403}, why="a pull token")
    assert registry.digest_of(image_name, "1") == image.digest


def test_token_for_every_action_reads_and_deletes(
    registry: RegistryClient,
    anonymous: RegistryClient,
    curl: Callable[[bool | str], Session],
    target: Target,
    endpoint: Endpoint,
    image_name: str,
) -> None:
    """skopeo delete: a token asked of the first challenge's realm for "*" on the image reads its
    tag and deletes it by digest (the client spells the scope itself)."""
    image = images.image(image_name)
    registry.push(image, image_name, "1").raise_for_status()
    _, params = parse_challenge(anonymous.ping().headers.get("WWW-Authenticate", ""))
    if "realm" not in params:
        unsupported(f"GET /v2/ without credentials names no token realm: {params}")
    query = {"service": params.get("service", ""), "scope": f"repository:{endpoint.name_of(image_name)}:*"}
    granted = anonymous.ask_token(params["realm"], query, target.admin, expect=200).json()
    plain = curl(target.verify)
    plain.headers["Authorization"] = f"Bearer {granted.get('token') or granted.get('access_token')}"
    manifests = registry.url(f"{image_name}/manifests")
    head = plain.request("HEAD", f"{manifests}/1", headers={"Accept": images.DOCKER_MANIFEST}, expect=200)
    plain.request("DELETE", f"{manifests}/{head.headers['Docker-Content-Digest']}", expect=202)
    registry.manifest(image_name, "1", expect=404)
