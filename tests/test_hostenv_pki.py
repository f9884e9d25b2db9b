"""The run's host changes (/etc/hosts lines, certs.d entries) and its certificates."""

from __future__ import annotations

import ssl
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import requests
from cryptography import x509

from fixtures.stacks import hostenv
from fixtures.stacks.pki import RunCA


@pytest.fixture
def hosts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "hosts"
    path.write_text("127.0.0.1 localhost\n::1 localhost ip6-localhost\n")
    monkeypatch.setattr(hostenv, "HOSTS", path)
    return path


@pytest.fixture
def certs_d(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "certs.d"
    monkeypatch.setattr(hostenv, "CERTS_D", path)
    return path


def test_hosts_lines_are_added_and_removed_per_owner(hosts: Path) -> None:
    """Each stack's line carries run and stack; removing one stack's line leaves the rest alone."""
    hostenv.add_hosts("r1", "nginx-subdomain-tls", "172.19.0.2", ["a.r1.art.local", "docker-local.a.r1.art.local"])
    hostenv.add_hosts("r1", "apache-ports-tls", "172.20.0.2", ["b.r1.art.local"])
    hostenv.add_hosts("r2", "apache-ports-tls", "172.21.0.2", ["b.r2.art.local"])
    assert "172.19.0.2 a.r1.art.local docker-local.a.r1.art.local # refconf r1 nginx-subdomain-tls" in hosts.read_text()
    hostenv.remove_hosts("r1", "nginx-subdomain-tls")
    lines = hosts.read_text().splitlines()
    assert lines[:2] == ["127.0.0.1 localhost", "::1 localhost ip6-localhost"]
    assert [line.split()[1] for line in lines[2:]] == ["b.r1.art.local", "b.r2.art.local"]


def test_removing_a_run_removes_only_its_lines(hosts: Path) -> None:
    """A sweep of run r1 keeps the lines of run r10 and everything that is not ours."""
    hostenv.add_hosts("r1", "s", "172.19.0.2", ["x.r1.art.local"])
    hostenv.add_hosts("r10", "s", "172.19.0.3", ["x.r10.art.local"])
    hostenv.remove_hosts("r1")
    assert hosts.read_text().splitlines()[2:] == ["172.19.0.3 x.r10.art.local # refconf r10 s"]


def test_certs_d_entry_is_removed_only_by_its_run(certs_d: Path, tmp_path: Path) -> None:
    """A certs.d directory made by another run (or by hand) is never removed."""
    ca = tmp_path / "ca.crt"
    ca.write_text("CA")
    made = hostenv.add_ca("a.r1.art.local:5001", ca, "r1")
    assert (made / "ca.crt").read_text() == "CA"
    hostenv.remove_ca("a.r1.art.local:5001", "r2")
    assert made.exists()
    hostenv.remove_ca("a.r1.art.local:5001", "r1")
    assert not made.exists()
    (certs_d / "by-hand").mkdir()
    hostenv.remove_ca("by-hand", "r1")
    assert (certs_d / "by-hand").exists()


def test_run_ca_is_shared_through_its_directory(tmp_path: Path) -> None:
    """A second RunCA on the same directory (another worker) loads the same CA."""
    first, second = RunCA(tmp_path / "ca"), RunCA(tmp_path / "ca")
    assert first.ca.cert_pem.bytes() == second.ca.cert_pem.bytes()


def test_server_certificate_covers_exactly_its_names(tmp_path: Path) -> None:
    """The leaf names the stack's names and nothing else, and chains to the run CA."""
    files = RunCA(tmp_path / "ca").issue(["s.r1.art.local", "docker-local.s.r1.art.local"], tmp_path / "tls")
    leaf = x509.load_pem_x509_certificates(files.cert_chain.read_bytes())[0]
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["s.r1.art.local", "docker-local.s.r1.art.local"]
    assert files.ca.read_bytes() in files.cert_chain.read_bytes()
    assert files.pem.read_bytes().startswith(files.key.read_bytes())


class Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *args: object) -> None:
        pass


def test_server_certificate_verifies_for_its_ip_only_against_the_run_ca(tmp_path: Path) -> None:
    """A real TLS server with the leaf verifies against the CA, and fails with the system store."""
    files = RunCA(tmp_path / "ca").issue(["127.0.0.1"], tmp_path / "tls")
    server = HTTPServer(("127.0.0.1", 0), Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files.cert_chain, files.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}/"
    try:
        assert requests.get(url, verify=str(files.ca), timeout=10).text == "hello"
        with pytest.raises(requests.exceptions.SSLError, match="certificate verify failed"):
            requests.get(url, timeout=10)
    finally:
        server.shutdown()
        server.server_close()
