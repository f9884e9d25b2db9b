"""compose/ is generated from the stack definitions the suite runs, and stays in sync with them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fixtures.stacks import compose
from fixtures.stacks.defs import EMBEDDED
from fixtures.stacks.proxyconf import CONFIG_FILES, proxy_command


def test_compose_directory_matches_the_definitions() -> None:
    """Every file under compose/ is what `python -m fixtures.stacks.compose` generates today."""
    differ = compose.stale()
    assert differ == [], f"compose/ is stale; regenerate with `{compose.REGENERATE}`. Stale files: {differ}"


def test_stale_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edited config, a missing file and a stray file are all named by `--check`, which exits non-zero."""
    compose.generate(tmp_path)
    (tmp_path / "nginx-ports-tls" / "nginx.conf").write_text("edited by hand\n")
    (tmp_path / "README.md").unlink()
    (tmp_path / "stray.txt").write_text("x")
    (tmp_path / "nginx-ports-tls" / "tls").mkdir()
    (tmp_path / "nginx-ports-tls" / "tls" / "server.key").write_text("the user's, not ours")
    assert compose.stale(tmp_path) == ["README.md", "nginx-ports-tls/nginx.conf", "stray.txt"]
    monkeypatch.setattr(compose, "ROOT", tmp_path)
    with pytest.raises(SystemExit) as exit_:
        compose.main(["--check"])
    assert "nginx-ports-tls/nginx.conf" in str(exit_.value.code) and compose.REGENERATE in str(exit_.value.code)


def test_each_stack_has_a_compose_project_running_its_proxy() -> None:
    """One project per stack id: the stack image, its proxy command, /stack read-only, the ports it listens on."""
    for stack in EMBEDDED:
        text = (compose.ROOT / stack.id / "docker-compose.yml").read_text()
        service = yaml.safe_load(text)["services"][stack.id]
        assert service["image"] == compose.IMAGE and service["volumes"] == ["./:/stack:ro"]
        assert service["ports"] == [f"{p}:{p}" for p in stack.ports()]
        if stack.proxy != "direct":
            assert service["command"] == ["--", *proxy_command(stack)]
            config = CONFIG_FILES[stack.proxy]
            assert f"/stack/{config}" in service["command"] and (compose.ROOT / stack.id / config).exists()
        assert f"# /etc/hosts: {compose.hosts_line(stack)}\n" in text


def test_image_references_name_the_port_the_stack_listens_on() -> None:
    """The plain direct stack is reached on 8081, subdomains by name, ports by port."""
    refs = {s.id: (compose.ROOT / s.id / "docker-compose.yml").read_text().splitlines()[2] for s in EMBEDDED}
    assert "art.local:8081/docker-local/app:1" in refs["direct-repopath-plain"]
    assert " art.local/docker-local/app:1" in refs["direct-repopath-tls"]
    assert "docker-dev-local.art.local/app:1" in refs["nginx-subdomain-tls"]
    assert "art.local:5003/app:1" in refs["haproxy-ports-tls"]


def test_tls_files_for_a_stack(tmp_path: Path) -> None:
    """`--tls` writes what the proxies read, for the names of the stack's hosts line."""
    stack = next(s for s in EMBEDDED if s.id == "haproxy-subdomain-tls")
    tls = compose.write_tls(stack, tmp_path)
    assert {p.name for p in tls.iterdir() if p.is_file()} == {"server.crt", "server.key", "server.pem", "ca.crt"}
