"""Artifactory's side: system REST, auth and permissions, proxies, storage layout, deletion."""

from __future__ import annotations

import base64
import http.client
from urllib.parse import urlsplit

import pytest
import requests

from fixtures.clients.registry import RegistryClient, parse_challenge
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from tests.conftest import ADMIN, PERMISSIONS_CONFIG, StartServer

BASE_IMAGE = images.image("base", labels={"org.example.team": "platform", "version": "1.0"})
SHARED = BASE_IMAGE.layers[0]
CHILD = images.image("child", shared=(SHARED,))


def as_user(server: RefRegistryProcess, user: str, password: str, repo: str = "docker-local") -> RegistryClient:
    return RegistryClient(server.url, f"/v2/{repo}/", (user, password))


def rest(server: RefRegistryProcess, path: str, method: str = "GET", auth=ADMIN, **kw) -> requests.Response:
    return requests.request(method, f"{server.url}{path}", auth=auth, timeout=30, **kw)


def test_system_ping_and_version_need_no_credentials(server: RefRegistryProcess) -> None:
    """Workflow: /artifactory/api/system/ping is 200 OK text; version names Artifactory and refregistry."""
    ping = rest(server, "/artifactory/api/system/ping", auth=None)
    assert (ping.status_code, ping.text, ping.headers["Content-Type"].split(";")[0]) == (200, "OK", "text/plain")
    version = rest(server, "/artifactory/api/system/version", auth=None).json()
    assert version["version"].startswith("7.") and "refregistry" in version


@pytest.mark.parametrize(
    ("path", "realm_path", "scope"),
    [
        ("/v2/", "/v2/token", None),
        ("/v2/docker-local/app/manifests/1", "/v2/token", "repository:docker-local/app:pull"),
        (
            "/artifactory/api/docker/docker-local/v2/app/tags/list",
            "/artifactory/api/docker/docker-local/v2/token",
            "repository:app:pull",
        ),
    ],
    ids=["ping", "repopath", "api-form"],
)
def test_anonymous_requests_get_a_bearer_challenge(
    server: RefRegistryProcess, path: str, realm_path: str, scope: str | None
) -> None:
    """Workflow: no credentials -> 401 UNAUTHORIZED with realm, service and the scope the client needs."""
    answer = rest(server, path, auth=None)
    assert answer.status_code == 401
    assert answer.json()["errors"][0]["code"] == "UNAUTHORIZED"
    scheme, params = parse_challenge(answer.headers["WWW-Authenticate"])
    assert (scheme, params["realm"], params.get("scope")) == ("bearer", server.url + realm_path, scope)
    assert params["service"]


def test_token_flow_and_bad_credentials(server: RefRegistryProcess) -> None:
    """Workflow: the realm issues an expiring token for good credentials; a wrong password is 401 'Bad Credential'."""
    good = rest(server, "/v2/token", params={"scope": "repository:docker-local/app:pull,push"})
    assert good.status_code == 200 and good.json()["expires_in"] == 3600
    bearer = {"Authorization": f"Bearer {good.json()['token']}"}
    assert requests.get(f"{server.url}/v2/", headers=bearer, timeout=30).status_code == 200
    bad = rest(server, "/v2/token", auth=("admin", "wrong"))
    assert (bad.status_code, bad.json()) == (401, {"statusCode": 401, "details": "Bad Credential"})
    forged = {"Authorization": f"Bearer {good.json()['token'][:-4]}AAAA"}
    assert requests.get(f"{server.url}/v2/", headers=forged, timeout=30).status_code == 401


def test_basic_credentials_work_on_every_route(server: RefRegistryProcess) -> None:
    """Workflow: a client sending Basic on every request pushes and pulls without the token flow."""
    client = RegistryClient(server.url, "/v2/docker-local/", ADMIN, basic=True)
    assert client.push(BASE_IMAGE, "app", "1").status_code == 201
    assert client.digest_of("app", "1") == BASE_IMAGE.digest


def test_permissions_per_action(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: reader pulls but may not push (DENIED); deployer pushes but may not delete; repos are separate."""
    registry.push(BASE_IMAGE, "app", "1")
    reader = as_user(server, "reader", "reader-pw")
    assert reader.digest_of("app", "1") == BASE_IMAGE.digest
    refused = reader.request("POST", "app/blobs/uploads/")
    assert (refused.status_code, refused.json()["errors"][0]["code"]) == (403, "DENIED")
    deployer = as_user(server, "deployer", "deployer-pw")
    assert deployer.push(CHILD, "app", "2").status_code == 201
    assert deployer.delete("app", "2").status_code == 403
    assert (
        as_user(server, "deployer", "deployer-pw", "docker-prod-local")
        .request("POST", "app/blobs/uploads/")
        .status_code
        == 403
    )


def test_anonymous_access_reads_when_enabled(start_server: StartServer) -> None:
    """Workflow: with anonymousAccess and a read permission, anonymous pulls; pushing still needs a user."""
    config = {
        **PERMISSIONS_CONFIG,
        "anonymousAccess": True,
        "permissions": [*PERMISSIONS_CONFIG["permissions"], {"user": "anonymous", "actions": ["read"]}],
    }
    server = start_server(config)
    as_user(server, *ADMIN).push(BASE_IMAGE, "app", "1")
    anonymous = RegistryClient(server.url, "/v2/docker-local/")
    assert anonymous.digest_of("app", "1") == BASE_IMAGE.digest
    assert anonymous.request("POST", "app/blobs/uploads/").status_code == 401


def test_docker_auth_endpoint_returns_a_config_json_entry(server: RefRegistryProcess) -> None:
    """Workflow: GET .../v2/auth with Basic returns {base: {auth: b64(user:pass), email}}."""
    answer = rest(server, "/artifactory/api/docker/docker-local/v2/auth").json()
    assert base64.b64decode(answer[server.url]["auth"]).decode() == "admin:password"
    assert rest(server, "/artifactory/api/docker/docker-local/v2/auth", auth=None).status_code == 401


@pytest.mark.parametrize(
    ("method", "headers", "expected_root"),
    [
        ("REPOPATHPREFIX", {"X-JFrog-Override-Base-Url": "https://art.local"}, "https://art.local/v2/docker-local/"),
        (
            "SUBDOMAIN",
            {"X-JFrog-Override-Base-Url": "https://docker-local.art.local:8443"},
            "https://docker-local.art.local:8443/v2/",
        ),
        (
            "PORTPERREPO",
            {"X-Artifactory-Override-Base-Url": "https://art.local:5001/artifactory"},
            "https://art.local:5001/v2/",
        ),
        (
            "SUBDOMAIN",
            {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "docker-local.art.local", "X-Forwarded-Port": "443"},
            "https://docker-local.art.local/v2/",
        ),
    ],
    ids=["jfrog-override-repopath", "jfrog-override-subdomain", "artifactory-override-ports", "x-forwarded"],
)
def test_urls_follow_the_proxy(
    start_server: StartServer, method: str, headers: dict[str, str], expected_root: str
) -> None:
    """Workflow: behind a proxy, Location and the realm use its base URL and the client-facing path form;
    the realm is one per host the client sees, and its scopes are spelled as the client spells the image."""
    server = start_server({"dockerReverseProxyMethod": method})
    root = "/artifactory/api/docker/docker-local/v2/"
    started = rest(server, f"{root}app/blobs/uploads/", "POST", headers=headers)
    assert started.headers["Location"].startswith(f"{expected_root}app/blobs/uploads/")
    base = expected_root.split("/v2/")[0]
    repopath = method == "REPOPATHPREFIX"
    realm = f"{base}/v2/token" if repopath else f"{base}/artifactory/api/docker/docker-local/v2/token"
    for path, scope in ((root, None), (f"{root}app/tags/list", "docker-local/app" if repopath else "app")):
        challenge = rest(server, path, auth=None, headers=headers).headers["WWW-Authenticate"]
        params = parse_challenge(challenge)[1]
        assert (params["realm"], params.get("scope")) == (realm, scope and f"repository:{scope}:pull")


def test_storage_api_presents_artifactorys_layout(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: a pushed tag is a folder with manifest.json and sha256__ files; labels are properties."""
    registry.push(BASE_IMAGE, "team/app", "1.0")
    root = rest(server, "/artifactory/api/storage/docker-local").json()
    assert root["children"] == [{"uri": "/team", "folder": True}]
    folder = rest(server, "/artifactory/api/storage/docker-local/team/app/1.0").json()
    names = {c["uri"] for c in folder["children"]}
    assert names == {"/manifest.json", *(f"/{b.digest.replace(':', '__')}" for b in BASE_IMAGE.blobs)}
    item = rest(server, "/artifactory/api/storage/docker-local/team/app/1.0/manifest.json").json()
    assert item["checksums"]["sha256"] == BASE_IMAGE.digest.split(":")[1]
    assert item["size"] == str(len(BASE_IMAGE.manifest.data))
    props = rest(server, "/artifactory/api/storage/docker-local/team/app/1.0/manifest.json?properties").json()
    assert props["properties"] == {
        "artifactory.content-type": [images.DOCKER_MANIFEST],
        "docker.label.org.example.team": ["platform"],
        "docker.label.version": ["1.0"],
        "docker.manifest": ["1.0"],
        "docker.manifest.digest": [BASE_IMAGE.digest],
        "docker.manifest.type": [images.DOCKER_MANIFEST],
        "docker.repoName": ["team/app"],
        "sha256": [BASE_IMAGE.digest.split(":")[1]],
    }
    download = rest(server, "/artifactory/docker-local/team/app/1.0/manifest.json")
    assert download.content == BASE_IMAGE.manifest.data


def test_lists_are_list_manifest_json_with_digest_folders(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: an index is <tag>/list.manifest.json; its untagged members live in sha256:<hex> folders."""
    idx = images.index([images.image(2, oci=True), images.image(3, platform="linux/arm64/v8", oci=True)])
    registry.push(idx, "multi", "1")
    folder = rest(server, "/artifactory/api/storage/docker-local/multi").json()
    assert {c["uri"] for c in folder["children"]} == {"/1", *(f"/{i.digest}" for i in idx.images)}
    tag = rest(server, "/artifactory/api/storage/docker-local/multi/1").json()
    assert tag["children"] == [{"uri": "/list.manifest.json", "folder": False}]


def test_property_search(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: search/prop finds the manifest item by label; all keys must match; repos= narrows."""
    registry.push(BASE_IMAGE, "app", "1")
    found = rest(server, "/artifactory/api/search/prop", params={"docker.label.version": "0.9,1.0"}).json()
    assert [r["uri"] for r in found["results"]] == [
        f"{server.url}/artifactory/api/storage/docker-local/app/1/manifest.json"
    ]
    both = {"docker.label.version": "1.0", "docker.repoName": "other"}
    assert rest(server, "/artifactory/api/search/prop", params=both).json()["results"] == []
    elsewhere = {"docker.label.version": "1.0", "repos": "docker-dev-local"}
    assert rest(server, "/artifactory/api/search/prop", params=elsewhere).json()["results"] == []


def test_rest_delete_of_a_tag_keeps_shared_layers(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: DELETE /artifactory/<repo>/<image>/<tag> removes the tag; layers another tag uses survive."""
    registry.push(BASE_IMAGE, "app", "base")
    registry.push(CHILD, "app", "child")
    assert rest(server, "/artifactory/docker-local/app/base", "DELETE").status_code == 204
    assert registry.manifest("app", "base").status_code == 404
    assert registry.has_blob("app", SHARED.digest)
    assert not registry.has_blob("app", BASE_IMAGE.config.digest)
    assert registry.request("GET", f"app/blobs/{SHARED.digest}").content == SHARED.data


def test_rest_delete_of_an_image_and_of_nothing(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: DELETE /artifactory/<repo>/<image> removes every tag, and its files once the trash is emptied."""
    registry.push(BASE_IMAGE, "app", "1")
    registry.push(CHILD, "app", "2")
    assert rest(server, "/artifactory/docker-local/app", "DELETE").status_code == 204
    assert registry.tags("app").status_code == 404
    assert [p for p in (server.data / "blobs").rglob("*") if p.is_file()], "the trash can holds the files"
    assert rest(server, "/artifactory/api/trash/empty", "POST").status_code == 204
    assert [p for p in (server.data / "blobs").rglob("*") if p.is_file()] == []
    missing = rest(server, "/artifactory/docker-local/app", "DELETE")
    assert missing.status_code == 404
    assert missing.json() == {"errors": [{"status": 404, "message": "Unable to find item"}]}


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/artifactory/api/docker/v2/app/tags/list", 400, "Unsupported docker repository request for 'v2'"),
        ("/artifactory/api/storage/no-such-repo", 404, "repository 'no-such-repo' does not exist"),
    ],
)
def test_artifactory_error_bodies(server: RefRegistryProcess, path: str, status: int, message: str) -> None:
    """Workflow: Artifactory REST errors are {"errors":[{"status","message"}]} (registry form when it is one)."""
    answer = rest(server, path)
    assert answer.status_code == status
    assert answer.json()["errors"][0]["message"] == message


def test_literal_dot_segments_are_refused(server: RefRegistryProcess) -> None:
    """Workflow: a raw '..' path segment (no client normalisation) is 400, not a route elsewhere."""
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(str(parts.hostname), parts.port, timeout=30)
    conn.request(
        "GET",
        "/v2/docker-local/app/../../../etc/manifests/1",
        headers={"Authorization": "Basic " + base64.b64encode(b"admin:password").decode()},
    )
    answer = conn.getresponse()
    assert answer.status == 400
    conn.close()
