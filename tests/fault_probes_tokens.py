"""Probes of the token faults (refregistry/faults/tokens.py): what a registry token or an access token grants."""

from __future__ import annotations

import requests

from fixtures.services.process import RefRegistryProcess
from tests.conftest import ADMIN
from tests.fault_probes import IMAGE, admin, probe


def access_token(server: RefRegistryProcess) -> str:
    answer = requests.post(f"{server.url}/access/api/v1/tokens", auth=ADMIN, timeout=30)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def status_with_registry_token(server: RefRegistryProcess, actions: str, method: str, path: str) -> int:
    """The status of ``method path`` with a token for ``actions`` on docker-local/app, app:1 pushed first."""
    admin(server).push(IMAGE, "app", "1")
    scope = {"scope": f"repository:docker-local/app:{actions}"}
    token = requests.get(f"{server.url}/v2/token", params=scope, auth=ADMIN, timeout=30).json()["token"]
    return requests.request(method, server.url + path, headers=bearer(token), timeout=30).status_code


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@probe("access-token-refused-as-password")
def access_token_is_a_password(server: RefRegistryProcess) -> None:
    token = access_token(server)
    assert requests.get(f"{server.url}/v2/token", auth=("admin", token), timeout=30).status_code == 200


@probe("registry-token-allows-rest-writes")
def pull_token_deletes_nothing_over_rest(server: RefRegistryProcess) -> None:
    assert status_with_registry_token(server, "pull", "DELETE", "/artifactory/docker-local/app/1") == 403


@probe("star-scope-grants-delete-only")
def star_token_reads(server: RefRegistryProcess) -> None:
    assert status_with_registry_token(server, "*", "HEAD", "/v2/docker-local/app/manifests/1") == 200


@probe("revoked-token-accepted")
def revoked_token_is_refused(server: RefRegistryProcess) -> None:
    token = access_token(server)
    revoked = requests.delete(f"{server.url}/access/api/v1/tokens/me", headers=bearer(token), timeout=30)
    assert revoked.status_code == 200
    repos = f"{server.url}/artifactory/api/repositories"
    assert requests.get(repos, headers=bearer(token), timeout=30).status_code == 401
