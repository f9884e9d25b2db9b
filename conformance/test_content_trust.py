"""content_trust: Docker Content Trust with a Notary server, driven through the docker CLI.

Each check gets a Notary server (an empty one beside an embedded stack, or ``--notary-url`` on a
live target) and an empty trust directory (the ``trust_cli`` actor); the registry itself is
configured for none of it: signatures live in Notary, the registry only stores the images.
"""

from __future__ import annotations

import re

import pytest

from fixtures.clients.engine import Engine
from fixtures.clients.trust import TrustCli
from fixtures.stacks.defs import Endpoint

pytestmark = pytest.mark.capability("content_trust")


def build(docker: Engine, ref: str, content: str) -> None:
    docker.build(ref, {"trust.txt": content.encode()})


def signed_push(trust_cli: TrustCli, docker: Engine, ref: str, content: str) -> str:
    """Build and push ``ref`` with content trust on; the digest it was signed with."""
    build(docker, ref, content)
    pushed = trust_cli.push(ref)
    assert pushed.returncode == 0, pushed.stderr.strip()
    assert f"Successfully signed {ref}" in pushed.stdout, pushed.stdout
    (digest,) = re.findall(r"digest: (sha256:[0-9a-f]{64})", pushed.stdout)
    return digest


def test_signed_push_shows_in_trust_inspect(
    trust_cli: TrustCli, docker: Engine, endpoint: Endpoint, image_name: str
) -> None:
    """A push with DOCKER_CONTENT_TRUST=1 signs the tag: trust inspect shows its digest and the Repo Admin signer."""
    digest = signed_push(trust_cli, docker, endpoint.image_ref(image_name, "1"), image_name)
    assert trust_cli.signed_tags(endpoint.image_ref(image_name)) == {"1": (digest, ["Repo Admin"])}


def test_trusted_pull_verifies_the_signed_tag(
    trust_cli: TrustCli, docker: Engine, endpoint: Endpoint, image_name: str
) -> None:
    """With the local image removed, a trusted pull resolves the tag through Notary and pulls the signed digest."""
    ref = endpoint.image_ref(image_name, "1")
    digest = signed_push(trust_cli, docker, ref, image_name)
    docker.remove(ref)
    pulled = trust_cli.pull(ref)
    assert pulled.returncode == 0, pulled.stderr.strip()
    assert f"Pull (1 of 1): {ref}@{digest}" in pulled.stdout, pulled.stdout
    assert f"{endpoint.image_ref(image_name)}@{digest}" in docker.repo_digests(ref)


def test_trusted_pull_of_an_unsigned_tag_fails(
    trust_cli: TrustCli, docker: Engine, endpoint: Endpoint, image_name: str
) -> None:
    """A tag pushed without content trust is refused by a trusted pull: No valid trust data."""
    signed_push(trust_cli, docker, endpoint.image_ref(image_name, "signed"), image_name)
    ref = endpoint.image_ref(image_name, "unsigned")
    build(docker, ref, f"{image_name} unsigned")
    assert trust_cli.push(ref, signed=False).returncode == 0
    docker.remove(ref)
    pulled = trust_cli.pull(ref)
    assert pulled.returncode != 0
    assert "No valid trust data for unsigned" in pulled.stderr, pulled.stderr


def test_tag_repushed_unsigned_is_not_what_a_trusted_pull_gets(
    trust_cli: TrustCli, docker: Engine, endpoint: Endpoint, image_name: str
) -> None:
    """A signed tag overwritten by an unsigned push of other content: a trusted pull never gets the new content."""
    ref = endpoint.image_ref(image_name, "1")
    signed = signed_push(trust_cli, docker, ref, image_name)
    docker.remove(ref)  # the signed image goes before the tag is rebuilt, or it would be left dangling
    build(docker, ref, f"{image_name} tampered")
    repushed = trust_cli.push(ref, signed=False)
    assert repushed.returncode == 0, repushed.stderr.strip()
    assert signed not in repushed.stdout, "the new content must have another digest"
    docker.remove(ref)
    pulled = trust_cli.pull(ref)
    # The trusted pull asks for the signed digest only: it fails when the registry no longer holds it
    # (Tag Retention 1 replaced it), or gets exactly the signed image.
    assert signed in pulled.stdout + pulled.stderr, pulled.stdout + pulled.stderr
    if pulled.returncode == 0:
        assert f"{endpoint.image_ref(image_name)}@{signed}" in docker.repo_digests(ref)


@pytest.fixture
def notary_ca(trust_cli: TrustCli) -> None:
    """The docker CLI is given a CA for the Notary server (in $DOCKER_CONFIG/tls), one a check can take away."""
    if trust_cli.notary.ca is None:
        pytest.skip("the Notary server's certificate is verified against the system's CAs: no CA to take away")


@pytest.mark.usefixtures("notary_ca")
def test_notary_certificate_is_verified(
    trust_cli: TrustCli, docker: Engine, tls_endpoint: Endpoint, image_name: str
) -> None:
    """Without the Notary CA in $DOCKER_CONFIG/tls a signing push fails: x509 unknown authority."""
    ref = tls_endpoint.image_ref(image_name, "1")
    build(docker, ref, image_name)
    trust_cli.distrust_notary()
    pushed = trust_cli.push(ref)
    assert pushed.returncode != 0
    assert "error contacting notary server" in pushed.stderr, pushed.stderr
    assert "x509: certificate signed by unknown authority" in pushed.stderr, pushed.stderr
