"""tls: the registry's certificate is really verified, by the engine through certs.d and by HTTP clients.

A certificate the engine cannot trust and one that does not name the host are each refused
with the engine's own message (that an expired one is refused is the engine's doing, whatever
the target: what the target owes is a certificate far from expiry, checked below); plain HTTP to a TLS port is sent to
https; ``curl -k`` clients reach the registry; and an engine told ``--insecure-registry``
pushes to a registry whose certificate it does not trust, and to a plain-HTTP one.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import certifi
import docker as docker_sdk
import pytest
import requests

from fixtures.clients.engine import Engine
from fixtures.clients.enginetrust import untrusted_reason
from fixtures.clients.registry import RegistryClient, Session
from fixtures.services import tlsfront
from fixtures.services.private_engine import PrivateEngine, beside, private_engine
from fixtures.stacks import certchain
from fixtures.stacks.defs import REPOS, Endpoint, Proxy
from fixtures.targets import Target

pytestmark = pytest.mark.capability("tls")
# OpenSSL's reason when the server sends its self-signed root, and when it sends only the leaf.
UNTRUSTED = r"(self-signed certificate in certificate chain|unable to get local issuer certificate)"
REDIRECT = range(300, 400)


@pytest.fixture
def engine_trusts(target: Target, tls_endpoint: Endpoint, docker: Engine) -> None:
    """The local engine verifies the target's certificate and trusts it: an embedded stack's CA is in
    certs.d (the harness put it there); a live target's must be already, or in the system's CA store."""
    if target.run is None:
        reason = untrusted_reason(docker.client.info().get("RegistryConfig") or {}, tls_endpoint.registry_host)
        if reason:
            pytest.skip(reason)


@pytest.mark.usefixtures("engine_trusts")
def test_push_with_the_ca_in_certs_d_succeeds(
    docker: Engine, tls_endpoint: Endpoint, target: Target, image_name: str
) -> None:
    """With the CA in /etc/docker/certs.d/<host:port>/ (or the system's store) the push verifies and succeeds,
    no engine restart."""
    ref = tls_endpoint.image_ref(image_name, "1")
    docker.build(ref, {"tls.bin": image_name.encode()})
    docker.sign_in(tls_endpoint.registry_host, target.deployer)
    docker.push(ref).check()


@pytest.mark.usefixtures("untrusted")
def test_push_without_the_ca_fails_with_unknown_authority(docker: Engine, endpoint: Endpoint, image_name: str) -> None:
    """Without the CA in certs.d the engine refuses the certificate: x509: certificate signed by unknown authority."""
    ref = endpoint.image_ref(image_name, "1")
    docker.build(ref, {"tls.bin": image_name.encode()})
    errors = docker.push(ref).errors
    assert errors == [f'Get "https://{endpoint.registry_host}/v2/": x509: certificate signed by unknown authority']


# -- names and validity ---------------------------------------------------------------------------
@pytest.fixture
def run_ca(target: Target, tls_endpoint: Endpoint) -> tuple[str, Path]:
    """(run id, CA file) of an embedded TLS stack: checks that change /etc/hosts and certs.d need both."""
    if target.run is None or not isinstance(target.verify, str):
        pytest.skip(
            "this check writes /etc/hosts and certs.d for names of its own: embedded stacks only "
            "(on a live target they are the user's)"
        )
    return target.run, Path(target.verify)


@pytest.fixture
def unlisted(target: Target, tls_endpoint: Endpoint, run_ca: tuple[str, Path]) -> Iterator[str]:
    """The endpoint's host[:port] under an extra name for the stack's address, one its certificate does not list."""
    run, ca = run_ca
    hostport = tls_endpoint.registry_host.replace(target.host, f"unlisted-{secrets.token_hex(3)}.{target.host}")
    with tlsfront.unlisted_name(run, socket.gethostbyname(target.host), hostport, ca):
        yield hostport


def test_push_to_a_name_the_certificate_does_not_cover_fails(
    docker: Engine, tls_endpoint: Endpoint, target: Target, unlisted: str, image_name: str
) -> None:
    """The CA is trusted but the certificate does not name the host: x509: certificate is valid for …, not …."""
    host, port = tlsfront.split_hostport(unlisted)
    names = tlsfront.served_names(socket.gethostbyname(host), port, target.host)
    ref = f"{unlisted}/{tls_endpoint.name_of(image_name)}:1"
    docker.build(ref, {"tls.bin": image_name.encode()})
    errors = docker.push(ref).errors
    assert errors == [f'Get "https://{unlisted}/v2/": x509: certificate is valid for {", ".join(names)}, not {host}']


@pytest.mark.read_only
# -- plain HTTP and curl -k ---------------------------------------------------------------------------
def test_plain_http_to_the_tls_port_is_redirected_to_https(
    tls_endpoint: Endpoint, target: Target, anonymous: RegistryClient
) -> None:
    """Plain HTTP sent to the TLS port is answered with a redirect to https (nginx: 497 -> 307), not an HTML error."""
    if tls_endpoint.stack.proxy == Proxy.DIRECT:
        pytest.skip("refregistry serves TLS itself here: redirecting plain HTTP is the reverse proxy's job")
    host, port = tlsfront.split_hostport(tls_endpoint.registry_host)
    answer = anonymous.request("GET", f"http://{host}:{port}/v2/", timeout=15, expect=REDIRECT)
    location = urlsplit(answer.headers.get("Location", ""))
    got = (location.scheme, location.port or 443, location.hostname in (host, target.host))
    assert got == ("https", port, True), f"{answer.status_code} {answer.headers} {answer.text[:200]!r}"


@pytest.mark.read_only
@pytest.mark.artifactory
@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_ping_answers_without_verification_as_curl_k_does(
    tls_endpoint: Endpoint, curl: Callable[[bool | str], Session]
) -> None:
    """`curl -k`: /v2/ (its challenge) and the Artifactory ping answer over TLS with verification off."""
    _assert_pings(tls_endpoint, curl(False))


@pytest.mark.read_only
@pytest.mark.artifactory
def test_ping_answers_with_verification_against_the_ca(
    tls_endpoint: Endpoint, target: Target, curl: Callable[[bool | str], Session]
) -> None:
    """`curl --cacert ca.crt`: the same answers with the certificate verified against the target's CA."""
    _assert_pings(tls_endpoint, curl(target.verify))


@pytest.mark.read_only
def test_ping_without_the_ca_fails_verification(
    tls_endpoint: Endpoint, run_ca: tuple[str, Path], curl: Callable[[bool | str], Session]
) -> None:
    """Plain `curl` (the system's CAs, not the run CA): certificate verify failed, self-signed in the chain."""
    with pytest.raises(requests.exceptions.SSLError, match=rf"\[SSL: CERTIFICATE_VERIFY_FAILED\] .*{UNTRUSTED}"):
        curl(certifi.where()).request("GET", f"{tls_endpoint.registry_url}/v2/", timeout=15)


def _assert_pings(ep: Endpoint, session: Session) -> None:
    v2 = session.request("GET", f"{ep.registry_url}/v2/", timeout=15, expect={200, 401})
    ping = session.request("GET", f"{ep.base_url}/artifactory/api/system/ping", timeout=15, expect=200)
    assert ping.text == "OK", ping.text[:200]
    assert v2.headers.get("Docker-Distribution-Api-Version") == "registry/2.0"


# -- --insecure-registry --------------------------------------------------------------------------------
@pytest.fixture
def insecure_engine(
    target: Target, endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[tuple[Engine, PrivateEngine, str]]:
    """(engine, its dockerd, the host:port it pushes to): a private engine on the stack's network, started with
    --insecure-registry for that host:port, not trusting the stack's CA (its certs.d entry withdrawn); a
    plain-HTTP stack is named at its network address, where nothing makes it insecure but the flag."""
    if target.run is None:
        pytest.skip(
            "starts a second engine and changes certs.d on this machine: embedded stacks only "
            "(on a live target they are the user's)"
        )
    with contextlib.ExitStack() as cleanup:  # undone in reverse, whatever failed
        client = docker_sdk.from_env(timeout=120)
        cleanup.callback(client.close)
        pid, address = cleanup.enter_context(beside(client, target.run, target.id))
        hostport = endpoint.registry_host
        if isinstance(target.verify, str):
            cleanup.enter_context(tlsfront.withdrawn_ca(target.run, hostport, Path(target.verify)))
        else:
            hostport = f"insecure-{secrets.token_hex(3)}.{endpoint.stack.host(target.run)}:{endpoint.stack.ports()[0]}"
            cleanup.enter_context(tlsfront.named(target.run, address, [hostport]))
        private = cleanup.enter_context(private_engine([hostport], pid))
        monkeypatch.setenv("DOCKER_HOST", f"unix://{private.socket}")
        monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
        engine = Engine.connect(tmp_path)
        cleanup.callback(engine.close)
        yield engine, private, hostport


def test_insecure_registry_engine_pushes_without_trusting_the_certificate(
    insecure_engine: tuple[Engine, PrivateEngine, str],
    endpoint: Endpoint,
    target: Target,
    registry: RegistryClient,
    image_name: str,
) -> None:
    """An engine started with --insecure-registry name:port pushes to a registry whose certificate it does not
    trust (TLS not verified), or over plain HTTP."""
    engine, private, hostport = insecure_engine
    assert hostport in private.insecure_registries()
    ref = f"{hostport}/{endpoint.name_of(image_name)}:1"
    engine.build(ref, {"tls.bin": image_name.encode()})
    engine.sign_in(hostport, target.deployer)
    digest = engine.push(ref).check()
    assert registry.digest_of(image_name, "1") == digest


# -- the served certificate, as a live target's operator needs to know it ---------------------------
MIN_DAYS = 14  # warn early enough to renew before clients start failing


def names_in_use(target: Target) -> list[str]:
    """Every host name clients use for the target: each repository's registry host and the REST API's."""
    repos = REPOS if target.run is not None else [target.repo, target.promote_to, target.retention_repo]
    hosts = {urlsplit(target.endpoint(r).registry_url).hostname for r in repos if r}
    return sorted({*hosts, urlsplit(target.api_url).hostname} - {None})  # type: ignore[arg-type]  # None is removed by the set difference


def chain_for(tls_endpoint: Endpoint, name: str) -> list:
    parts = urlsplit(tls_endpoint.registry_url)
    return certchain.served_chain(name, parts.port or 443, name)


@pytest.mark.read_only
def test_certificate_is_valid_for_weeks_ahead(tls_endpoint: Endpoint) -> None:
    """The served certificate is in its validity period and has at least 14 days left."""
    (leaf, *_) = chain_for(tls_endpoint, str(urlsplit(tls_endpoint.registry_url).hostname))
    left = certchain.days_left(leaf)
    assert left >= MIN_DAYS, (
        f"the certificate of {tls_endpoint.registry_host} expires {leaf.not_valid_after_utc:%Y-%m-%d %H:%M} UTC"
        f" ({left:.1f} days left; renew it before clients refuse it)"
    )


@pytest.mark.read_only
def test_certificate_names_cover_every_name_in_use(target: Target, tls_endpoint: Endpoint) -> None:
    """Each host name clients use gets a certificate that names it (subdomain stacks: every repository's)."""
    uncovered = {}
    for name in names_in_use(target):
        (leaf, *_) = chain_for(tls_endpoint, name)
        if not any(certchain.covers(pattern, name) for pattern in certchain.names_of(leaf)):
            uncovered[name] = certchain.names_of(leaf)
    assert not uncovered, f"certificates do not name the hosts in use: {uncovered}"


@pytest.mark.read_only
def test_certificate_chain_is_complete(target: Target, tls_endpoint: Endpoint) -> None:
    """The server sends a chain in which each certificate is issued by the next, ending at a trusted CA."""
    chain = chain_for(tls_endpoint, str(urlsplit(tls_endpoint.registry_url).hostname))
    assert certchain.chain_gaps(chain) == []
    bundle = certchain.load_bundle(target.verify if isinstance(target.verify, str) else certifi.where())
    assert certchain.anchored(chain[-1], bundle), (
        f"the chain ends at {chain[-1].subject.rfc4514_string()}, issued by {chain[-1].issuer.rfc4514_string()},"
        " which is no CA the client trusts: an intermediate certificate is missing"
    )
