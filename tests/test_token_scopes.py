"""Every Artifactory REST write × every kind of token: a token does only what its scope and its user allow.

The routes come from refregistry/routes.py: a write route without a request in ``CASES`` fails
``test_every_rest_write_has_a_case``, and is still tried with a scope-less token below.  One
server serves the whole table; before each request it is reset over fault control (content and
repository changes forgotten, issued and revoked tokens kept) and the image ``docker-local/app:1``
pushed again, so each row starts from the same state.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from refregistry.auth import Authenticator, Identity
from refregistry.configfile import parse_config
from refregistry.errors import Shape
from refregistry.routes import all_routes
from tests.conftest import ADMIN, PERMISSIONS_CONFIG

DEPLOYER = ("deployer", "deployer-pw")
DOCKER_API = "/artifactory/api/docker/docker-local/v2"
IMAGE = {"dockerRepository": "app", "tag": "1"}


@dataclass(frozen=True)
class Case:
    """One REST write: its request, and what must exist before it (``trashed``: app:1 deleted first)."""

    method: str
    path: str
    json: dict[str, Any] | None = None
    form: dict[str, str] | None = None
    text: str | None = None  # a body that is neither JSON nor a form (an AQL query)
    trashed: bool = False
    fresh_token: bool = False  # the path's / form's {token_id} is an admin's token made for the row


CASES: dict[tuple[str, str], Case] = {
    ("promote", "POST"): Case(
        "POST", f"{DOCKER_API}/promote", {"targetRepo": "docker-prod-local", "dockerRepository": "app", "copy": True}
    ),
    ("multiarch-delete", "DELETE"): Case("DELETE", f"{DOCKER_API}/delete", IMAGE),
    ("parent-lists", "POST"): Case("POST", f"{DOCKER_API}/parentManifests", IMAGE),
    ("trash-restore", "POST"): Case("POST", "/artifactory/api/trash/restore/docker-local/app/1", trashed=True),
    ("trash-empty", "POST"): Case("POST", "/artifactory/api/trash/empty", trashed=True),
    ("repository", "PUT"): Case("PUT", "/artifactory/api/repositories/team-local", {"rclass": "local"}),
    ("repository", "POST"): Case("POST", "/artifactory/api/repositories/docker-local", {"maxUniqueTags": 5}),
    ("repository", "DELETE"): Case("DELETE", "/artifactory/api/repositories/docker-local"),
    ("item", "DELETE"): Case("DELETE", "/artifactory/docker-local/app/1"),
    ("access-token", "POST"): Case("POST", "/access/api/v1/tokens", form={"scope": "applied-permissions/user"}),
    ("access-token", "DELETE"): Case("DELETE", "/access/api/v1/tokens/{token_id}", fresh_token=True),
    ("properties", "PUT"): Case("PUT", "/artifactory/api/storage/docker-local/app/1?properties=qa=done"),
    ("properties", "DELETE"): Case("DELETE", "/artifactory/api/storage/docker-local/app/1?properties=qa"),
    ("metadata", "PATCH"): Case("PATCH", "/artifactory/api/metadata/docker-local/app/1", {"props": {"qa": "done"}}),
    ("copy", "POST"): Case("POST", "/artifactory/api/copy/docker-local/app/1?to=/docker-prod-local/app/1"),
    ("move", "POST"): Case("POST", "/artifactory/api/move/docker-local/app/1?to=/docker-prod-local/app/1"),
    ("aql", "POST"): Case("POST", "/artifactory/api/search/aql", text='items.find({"repo":"docker-local"})'),
    ("security-token", "POST"): Case("POST", "/artifactory/api/security/token", form={"expires_in": "60"}),
    ("security-token", "POST revoke"): Case(
        "POST", "/artifactory/api/security/token/revoke", form={"token_id": "{token_id}"}, fresh_token=True
    ),
}

# Token kinds: a registry token of the admin (the user may do anything; its scopes are the limit),
# or an access token.  Columns of the table below, in this order.
KINDS = ("none", "pull", "push", "star", "other", "acc-user", "acc-deployer", "acc-admin", "revoked", "expired")
SCOPES = {
    "none": [],
    "pull": ["repository:docker-local/app:pull"],
    "push": ["repository:docker-local/app:pull,push"],
    "star": ["repository:docker-local/app:*"],
    "other": ["repository:docker-local/other:*"],
}
R, U = 403, 401  # refused: the token or its user may not; unauthenticated: the token is no good
ADMIN_ONLY = (R, R, R, R, R, 200, R, 200, U, U)
ANNOTATE = (R, R, 204, 204, R, 204, 204, 204, U, U)  # push grants annotate, as deploy does
EXPECTED: dict[tuple[str, str], tuple[int, ...]] = {
    ("promote", "POST"): (R, R, R, R, R, 200, R, 200, U, U),  # deploy on docker-prod-local/app: no scope names it
    ("multiarch-delete", "DELETE"): (R, R, R, 200, R, 200, R, 200, U, U),
    ("parent-lists", "POST"): (R, 200, 200, 200, R, 200, 200, 200, U, U),
    ("trash-restore", "POST"): (R, R, 200, 200, R, 200, 200, 200, U, U),
    ("trash-empty", "POST"): (R, R, R, R, R, 204, R, 204, U, U),
    ("repository", "PUT"): ADMIN_ONLY,
    ("repository", "POST"): ADMIN_ONLY,
    ("repository", "DELETE"): ADMIN_ONLY,
    ("item", "DELETE"): (R, R, R, 204, R, 204, R, 204, U, U),
    ("properties", "PUT"): ANNOTATE,
    ("properties", "DELETE"): ANNOTATE,
    ("metadata", "PATCH"): ANNOTATE,
    ("copy", "POST"): (R, R, R, R, R, 200, R, 200, U, U),  # deploy on docker-prod-local/app: no scope names it
    ("move", "POST"): (R, R, R, R, R, 200, R, 200, U, U),
    ("aql", "POST"): (R, 200, 200, 200, 200, 200, 200, 200, U, U),  # "other" finds nothing of app (below)
    ("access-token", "POST"): (R, R, R, R, R, 200, 200, 200, U, U),
    ("access-token", "DELETE"): ADMIN_ONLY,
    ("security-token", "POST"): (R, R, R, R, R, 200, 200, 200, U, U),
    ("security-token", "POST revoke"): ADMIN_ONLY,
}
PARAMS = {"repo": "docker-local", "path": "app/1", "key": "docker-local", "token_id": "me"}  # for any route
ROWS = [(key, kind, EXPECTED[key][i]) for key in CASES for i, kind in enumerate(KINDS)]


def rest_writes() -> list[tuple[str, str, str]]:
    """(name, method, path) of every Artifactory REST route that changes something."""
    return [
        (r.name, r.method, r.path)
        for r in all_routes()
        if r.shape is Shape.ARTIFACTORY and r.method not in ("GET", "HEAD", "*")
    ]


class Table:
    """The server, the tokens of every kind, and the request of each row."""

    def __init__(self, server: RefRegistryProcess) -> None:
        self.server = server
        self.tokens = {kind: self._registry_token(scopes) for kind, scopes in SCOPES.items()}
        self.tokens["acc-user"] = self.access_token(ADMIN, "applied-permissions/user")
        self.tokens["acc-deployer"] = self.access_token(DEPLOYER, "applied-permissions/user")
        self.tokens["acc-admin"] = self.access_token(ADMIN, "applied-permissions/admin")
        self.tokens["revoked"] = self.access_token(ADMIN, "applied-permissions/user")
        self.call("DELETE", "/access/api/v1/tokens/me", self.tokens["revoked"], expect=200)
        self.tokens["expired"] = self._expired()

    def call(self, method: str, path: str, token: str | None = None, expect: int | None = None, **kw: Any):
        auth = None if token else ADMIN
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = requests.request(method, self.server.url + path, auth=auth, headers=headers, timeout=30, **kw)
        assert expect is None or answer.status_code == expect, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer

    def access_token(self, user: tuple[str, str], scope: str) -> str:
        answer = requests.post(f"{self.server.url}/access/api/v1/tokens", data={"scope": scope}, auth=user, timeout=30)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])

    def _registry_token(self, scopes: list[str]) -> str:
        answer = self.call("GET", "/v2/token", params={"service": "artifactory", "scope": scopes}, expect=200)
        return str(answer.json()["token"])

    def _expired(self) -> str:
        """An admin's token for every action on the image, signed with the server's secret, expired."""
        config = dataclasses.replace(parse_config(PERMISSIONS_CONFIG), token_ttl=-60)
        issuer = Authenticator(config, (self.server.data / "secret").read_bytes())
        return str(issuer.issue(Identity("admin", "basic"), [("docker-local/app", ["*"])])["token"])

    def prepare(self, case: Case) -> None:
        self.call("POST", "/artifactory/api/refregistry/reset", expect=200)
        RegistryClient(self.server.url, "/v2/docker-local/", ADMIN).push(images.image("scopes"), "app", "1")
        if case.trashed:
            self.call("DELETE", "/artifactory/docker-local/app/1", expect=204)

    def send(self, case: Case, token: str) -> requests.Response:
        token_id = self.call("POST", "/access/api/v1/tokens", expect=200).json()["token_id"] if case.fresh_token else ""
        form = {k: v.format(token_id=token_id) for k, v in (case.form or {}).items()} or None
        data = case.text.encode() if case.text is not None else form
        return self.call(case.method, case.path.format(token_id=token_id), token, json=case.json, data=data)


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Table]:
    server = RefRegistryProcess(
        tmp_path_factory.mktemp("scopes") / "rr", config=_config_file(tmp_path_factory), extra=("--fault-control",)
    )
    server.start()
    try:
        yield Table(server)
    finally:
        server.stop()


def _config_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scopes-config") / "rr.yaml"
    path.write_text(yaml.safe_dump(PERMISSIONS_CONFIG))
    return path


def test_every_rest_write_has_a_case() -> None:
    """Workflow: each REST write route of routes.py has a request and a row of expected answers here."""
    covered = {(name, method.split()[0]) for name, method in CASES}
    assert {(name, method) for name, method, _ in rest_writes()} <= covered
    assert set(CASES) == set(EXPECTED) and all(len(row) == len(KINDS) for row in EXPECTED.values())


@pytest.mark.parametrize(("key", "kind", "status"), ROWS, ids=[f"{k[0]}-{k[1]}-{kind}" for k, kind, _ in ROWS])
def test_token_does_what_its_scope_and_user_allow(table: Table, key: tuple[str, str], kind: str, status: int) -> None:
    """Workflow: a REST write with this kind of token gets the answer the table expects."""
    case = CASES[key]
    table.prepare(case)
    answer = table.send(case, table.tokens[kind])
    assert answer.status_code == status, f"{case.method} {case.path} with a {kind} token: {answer.text[:300]}"


@pytest.mark.parametrize(("name", "method", "path"), rest_writes(), ids=lambda v: str(v))
def test_a_token_without_scope_writes_nothing(table: Table, name: str, method: str, path: str) -> None:
    """Workflow: any REST write, a new one included, refuses a registry token that names no image."""
    filled = re.sub(r"\{(\w+)(?::[^}]*)?\}", lambda m: PARAMS.get(m.group(1), "x"), path)
    table.prepare(Case(method, filled))
    answer = table.call(method, filled, table.tokens["none"])
    assert answer.status_code in (401, 403), f"{method} {filled}: {answer.status_code} {answer.text[:300]}"


def test_promotion_with_a_token_naming_both_images(table: Table) -> None:
    """Workflow: a registry token with pull on the source and push on the target image promotes."""
    scopes = ["repository:docker-local/app:pull", "repository:docker-prod-local/app:pull,push"]
    token = str(table.call("GET", "/v2/token", params={"scope": scopes}, expect=200).json()["token"])
    case = CASES[("promote", "POST")]
    table.prepare(case)
    assert table.send(case, token).status_code == 200


def test_star_token_pulls_and_deletes_through_a_repopath_proxy(table: Table) -> None:
    """Workflow: skopeo delete behind a repository-path proxy: the image's challenge names the realm
    /v2/token, and a token from it for "*" reads the tag and deletes by digest (issue 17: "*" granted
    delete alone, so the read failed with 401)."""
    table.prepare(CASES[("item", "DELETE")])
    proxied = {"X-JFrog-Override-Base-Url": "https://art.local"}  # what the proxy adds to its rewrite
    manifest = f"{table.server.url}{DOCKER_API}/app/manifests/1"
    challenge = requests.head(manifest, headers=proxied, timeout=30).headers["WWW-Authenticate"]
    assert 'realm="https://art.local/v2/token"' in challenge and "repository:docker-local/app:pull" in challenge
    proxied["Authorization"] = f"Bearer {table._registry_token(['repository:docker-local/app:*'])}"
    head = requests.head(manifest, headers=proxied, timeout=30)
    assert head.status_code == 200, head.headers
    by_digest = f"{manifest.removesuffix('/1')}/{head.headers['Docker-Content-Digest']}"
    assert requests.delete(by_digest, headers=proxied, timeout=30).status_code == 202


def test_aql_with_a_registry_token_finds_only_the_images_it_names(table: Table) -> None:
    """Workflow: AQL with a pull token for app finds app's items; a token for another image finds none of them."""
    case = CASES[("aql", "POST")]
    table.prepare(case)
    paths = {kind: {r["path"] for r in table.send(case, table.tokens[kind]).json()["results"]} for kind in KINDS[1:5]}
    assert paths["pull"] and all(p.startswith("app/") for p in paths["pull"]), paths
    assert paths["other"] == set(), paths
