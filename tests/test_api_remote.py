"""Remote repositories at HTTP level: pull-through with the upstream's token flow, the cache when
upstream is gone, revalidation after the retrieval period, read-only, config errors."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
import requests

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from refregistry.config import ConfigError
from refregistry.configfile import parse_config
from tests.conftest import ADMIN, StartServer

UPSTREAM = {"users": {"admin": {"password": "password", "admin": True}}, "localRepositories": {"upstream-local": {}}}
Remote = Callable[..., tuple[RegistryClient, RegistryClient, RefRegistryProcess]]


@pytest.fixture
def remote(start_server: StartServer) -> Remote:
    """(client of the upstream's repository, client of the remote repository caching it, upstream)."""

    def start(**settings: object) -> tuple[RegistryClient, RegistryClient, RefRegistryProcess]:
        upstream = start_server(UPSTREAM, name="upstream")
        cache = {"url": f"{upstream.url}/artifactory/api/docker/upstream-local", "username": "admin"}
        config = {
            "localRepositories": {"docker-local": {}},
            "remoteRepositories": {"docker-remote": {**cache, "password": "password", **settings}},
        }
        downstream = start_server(config, name="downstream")
        return (
            RegistryClient(upstream.url, "/v2/upstream-local/", ADMIN),
            RegistryClient(downstream.url, "/v2/docker-remote/", ADMIN),
            upstream,
        )

    return start


def pull(registry: RegistryClient, name: str, tag: str) -> str | None:
    """Pull as the engine does: the manifest, then every blob it names; the digest, or None."""
    answer = registry.manifest(name, tag)
    if answer.status_code != 200:
        return None
    for blob in [*answer.json().get("layers", []), answer.json()["config"]]:
        got = registry.request("GET", f"{name}/blobs/{blob['digest']}")
        assert got.status_code == 200, got.text[:200]
        assert images.digest_of(got.content) == blob["digest"]
    return answer.headers["Docker-Content-Digest"]


def test_pull_through_fetches_from_upstream_and_caches(remote: Remote) -> None:
    """A pull through the remote gets upstream's image; once upstream is gone the cache serves it."""
    upstream, cache, process = remote()
    image = images.image("through", layers=2)
    upstream.push(image, "lib/app", "1").raise_for_status()
    assert pull(cache, "lib/app", "1") == image.digest
    process.stop()
    assert pull(cache, "lib/app", "1") == image.digest
    missing = cache.manifest("lib/app", "2")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "MANIFEST_UNKNOWN"
    assert "cannot be reached" in missing.json()["errors"][0]["message"]


@pytest.mark.parametrize(("period", "seen"), [(0, "second"), (3600, "first")])
def test_tag_is_revalidated_after_the_retrieval_period(remote: Remote, period: int, seen: str) -> None:
    """A tag re-pushed upstream shows at once with retrievalCachePeriodSecs 0, not within an hour's period."""
    upstream, cache, _ = remote(retrievalCachePeriodSecs=period)
    pushed = {name: images.image(name) for name in ("first", "second")}
    upstream.push(pushed["first"], "app", "1").raise_for_status()
    assert cache.digest_of("app", "1") == pushed["first"].digest
    upstream.push(pushed["second"], "app", "1").raise_for_status()
    assert cache.digest_of("app", "1") == pushed[seen].digest


def test_remote_refuses_pushes(remote: Remote) -> None:
    """A push to a remote repository is DENIED: it is a cache."""
    _, cache, _ = remote()
    answer = cache.upload("app", images.layer("pushed"))
    assert answer.status_code == 403
    assert answer.json()["errors"][0]["code"] == "DENIED"
    assert "remote repository" in answer.json()["errors"][0]["message"]


def test_offline_remote_serves_only_its_cache(remote: Remote) -> None:
    """offline: true never asks upstream; what is not cached is unknown."""
    upstream, cache, _ = remote(offline=True)
    upstream.push(images.image("never"), "app", "1").raise_for_status()
    assert cache.manifest("app", "1").status_code == 404


@pytest.mark.parametrize(
    ("remote_doc", "error"),
    [
        ({}, "url: an http:// or https:// URL"),
        ({"url": "ftp://x"}, "url: an http:// or https:// URL"),
        ({"url": "http://x", "retrievalCachePeriodSecs": -1}, "must be >= 0"),
        ({"url": "http://x", "proxy": "p"}, "unknown key 'proxy'"),
    ],
)
def test_bad_remote_config_is_one_line(remote_doc: dict[str, object], error: str) -> None:
    """Each mistake in remoteRepositories is named."""
    with pytest.raises(ConfigError, match=error):
        parse_config({"remoteRepositories": {"docker-remote": remote_doc}})


def test_remote_key_clashing_with_a_local_one_is_refused() -> None:
    """A remote repository cannot take a local repository's key."""
    with pytest.raises(ConfigError, match="another repository has that key"):
        parse_config({"remoteRepositories": {"docker-local": {"url": "http://x"}}})


def test_unanswering_upstream_costs_only_the_socket_timeout(remote: Remote) -> None:
    """An upstream that accepts but never answers: after socketTimeoutMillis the cache serves what it has."""
    upstream, cache, _ = remote(socketTimeoutMillis=300)
    image = images.image("timeout")
    upstream.push(image, "app", "1").raise_for_status()
    assert cache.digest_of("app", "1") == image.digest
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        moved = {"url": f"http://127.0.0.1:{silent.getsockname()[1]}"}
        requests.post(f"{cache.base}/artifactory/api/repositories/docker-remote", json=moved, auth=ADMIN, timeout=30)
        # Without the 300 ms socket timeout the cache would wait on the silent upstream past this read timeout.
        answer = cache.request("HEAD", "app/manifests/1", timeout=10)
        assert answer.headers["Docker-Content-Digest"] == image.digest
