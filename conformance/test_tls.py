"""tls: the registry's certificate is really verified by the engine, through certs.d."""

from __future__ import annotations

import pytest

from fixtures.engine import Engine
from fixtures.stackdefs import Endpoint
from fixtures.targets import Target

pytestmark = pytest.mark.capability("tls")


def test_push_with_the_ca_in_certs_d_succeeds(
    docker: Engine, tls_endpoint: Endpoint, target: Target, image_name: str
) -> None:
    """With the CA in /etc/docker/certs.d/<host:port>/ the push verifies and succeeds, no engine restart."""
    ref = tls_endpoint.image_ref(image_name, "1")
    docker.build(ref, {"tls.bin": image_name.encode()})
    docker.login(tls_endpoint.registry_host, *target.deployer)
    docker.push(ref).check()


@pytest.mark.usefixtures("untrusted")
def test_push_without_the_ca_fails_with_unknown_authority(docker: Engine, endpoint: Endpoint, image_name: str) -> None:
    """Without the CA in certs.d the engine refuses the certificate: x509: certificate signed by unknown authority."""
    ref = endpoint.image_ref(image_name, "1")
    docker.build(ref, {"tls.bin": image_name.encode()})
    errors = docker.push(ref).errors
    assert any("x509: certificate signed by unknown authority" in e for e in errors), errors
