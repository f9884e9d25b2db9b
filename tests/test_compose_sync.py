"""compose/ is generated from the stack definitions the suite runs, and stays in sync with them."""

from __future__ import annotations

from pathlib import Path

import yaml

from fixtures import compose
from fixtures.stackdefs import EMBEDDED


def test_compose_directory_matches_the_definitions() -> None:
    """Every file under compose/ is what `python -m fixtures.compose` generates today."""
    differ = compose.stale()
    assert differ == [], f"compose/ is stale, run `python -m fixtures.compose`: {differ}"


def test_stale_file_is_reported(tmp_path: Path) -> None:
    """An edited config and a stray file are both named by the check."""
    compose.generate(tmp_path)
    (tmp_path / "nginx-ports-tls" / "nginx.conf").write_text("edited by hand\n")
    (tmp_path / "stray.txt").write_text("x")
    assert compose.stale(tmp_path) == ["nginx-ports-tls/nginx.conf", "stray.txt"]


def test_each_stack_has_a_compose_project_with_its_ports() -> None:
    """One project per stack id, publishing the ports the stack listens on."""
    for stack in EMBEDDED:
        doc = yaml.safe_load((compose.ROOT / stack.id / "docker-compose.yml").read_text())
        service = doc["services"][stack.id]
        assert service["ports"] == [f"{p}:{p}" for p in stack.ports()]
