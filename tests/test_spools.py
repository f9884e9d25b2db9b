"""Nothing left on disk: upload spools go with a client gone mid-body, an idle session, a deleted
repository, and at start-up when nothing owns them."""

from __future__ import annotations

import hashlib
import time

import pytest
import requests

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from refregistry.config import ConfigError
from refregistry.configfile import parse_config
from tests.conftest import ADMIN, StartServer
from tests.test_crash import send_part, spooled, wait_until

DATA = hashlib.sha256(b"spool").digest() * (1 << 15)  # 1 MiB: still streaming when the client goes
DIGEST = images.digest_of(DATA)
# Long enough that a session's POST and PATCH never straddle it on a loaded machine, short enough to wait for.
AGE = 2.0
AGING = {
    "artifactory.docker.cleanup.maxAgeMillis": int(AGE * 1000),
    "artifactory.docker.cleanup.uploadsTmpFolderJobSecs": 1,
}


def client(server: RefRegistryProcess, repo: str = "docker-local") -> RegistryClient:
    return RegistryClient(server.url, f"/v2/{repo}/", ADMIN, basic=True)


def spools(server: RefRegistryProcess) -> set[str]:
    return {path.name for path in (server.data / "uploads").iterdir()}


def open_session(reg: RegistryClient, data: bytes = DATA[:1000]) -> str:
    """POST a session and PATCH some bytes into it; its Location."""
    started = reg.request("POST", "app/blobs/uploads/", expect=202)
    location = reg.location("app", started)
    reg.request("PATCH", location, data=data, expect=202)
    return location


def session_id(location: str) -> str:
    return location.rstrip("/").rsplit("/", 1)[1]


def test_client_gone_mid_monolithic_post_leaves_no_spool(start_server: StartServer) -> None:
    """A monolithic POST ?digest= whose client disconnects mid-body leaves no spool, and no blob."""
    server = start_server()
    sock = send_part(server, "POST", f"/v2/docker-local/app/blobs/uploads/?digest={DIGEST}", DATA, len(DATA) // 2)
    try:
        wait_until(lambda: spooled(server.data) > 0)
    finally:
        sock.close()
    wait_until(lambda: not spools(server))
    assert not client(server).has_blob("app", DIGEST)


def test_idle_session_expires_and_its_spool_goes(start_server: StartServer) -> None:
    """A session idle past maxAgeMillis is swept from disk; then it answers BLOB_UPLOAD_UNKNOWN."""
    server = start_server({"systemProperties": AGING})
    reg = client(server)
    location = open_session(reg)
    assert session_id(location) in spools(server)
    wait_until(lambda: not spools(server))
    answer = reg.request("PATCH", location, data=b"more", expect=404)
    assert answer.json()["errors"][0]["code"] == "BLOB_UPLOAD_UNKNOWN"


def test_expired_session_answers_unknown_before_any_sweep(start_server: StartServer) -> None:
    """Between sweeps, a session found idle past its age expires when asked for: 404, spool gone."""
    server = start_server({"systemProperties": {"artifactory.docker.cleanup.maxAgeMillis": int(AGE * 1000)}})
    reg = client(server)
    location = open_session(reg)
    spool = server.data / "uploads" / session_id(location)
    wait_until(lambda: time.time() - spool.stat().st_mtime > AGE)
    reg.request("GET", location, expect=404)
    assert not spool.exists()


def test_deleting_a_repository_removes_its_spools(start_server: StartServer) -> None:
    """DELETE /api/repositories/KEY takes its open sessions' spools along; other repositories keep theirs."""
    server = start_server()
    repos = f"{server.url}/artifactory/api/repositories"
    requests.put(f"{repos}/team-local", json={"rclass": "local"}, auth=ADMIN, timeout=30).raise_for_status()
    team, kept = client(server, "team-local"), open_session(client(server))
    gone = open_session(team)
    assert spools(server) == {session_id(kept), session_id(gone)}
    requests.delete(f"{repos}/team-local", auth=ADMIN, timeout=30).raise_for_status()
    assert spools(server) == {session_id(kept)}
    requests.put(f"{repos}/team-local", json={"rclass": "local"}, auth=ADMIN, timeout=30).raise_for_status()
    team.request("GET", gone, expect=404)
    client(server).request("GET", kept, expect=204)


def test_start_up_sweep_reclaims_what_no_session_owns(start_server: StartServer) -> None:
    """At start-up, a planted spool and a killed monolithic POST's spool go; an open session's stays, resumable."""
    server = start_server()
    reg = client(server)
    location = open_session(reg, DATA[:1000])
    sock = send_part(server, "POST", f"/v2/docker-local/app/blobs/uploads/?digest={DIGEST}", DATA, len(DATA) // 2)
    try:
        wait_until(lambda: len(spools(server)) == 2)
        server.kill()
    finally:
        sock.close()
    (server.data / "uploads" / "planted").write_bytes(b"x" * 4096)
    server.start()
    assert spools(server) == {session_id(location)}
    reg.request("PUT", f"{location}?digest={DIGEST}", data=DATA[1000:], expect=201)
    assert reg.has_blob("app", DIGEST)


def test_expiry_is_configured_as_artifactory_system_properties() -> None:
    """maxAgeMillis and uploadsTmpFolderJobSecs set expiry and sweep period (a day each by default)."""
    assert (parse_config({}).upload_max_age, parse_config({}).upload_sweep_interval) == (86400, 86400)
    config = parse_config({"systemProperties": AGING})
    assert (config.upload_max_age, config.upload_sweep_interval) == (AGE, 1)
    with pytest.raises(ConfigError, match="maxAgeMillis: expected a positive integer, got 0"):
        parse_config({"systemProperties": {"artifactory.docker.cleanup.maxAgeMillis": 0}})
