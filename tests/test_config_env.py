"""refregistry configured by its environment: REFREGISTRY_CONFIG_* variables, one per top-level key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from refregistry.config import DEFAULT_REPOS, ConfigError, User
from refregistry.configfile import env_name, load_config

USERS = "{admin: {password: s3cret, admin: true}, reader: {password: r}}"


def test_names_are_the_keys_in_upper_snake_case() -> None:
    """dockerReverseProxyMethod is REFREGISTRY_CONFIG_DOCKER_REVERSE_PROXY_METHOD."""
    assert env_name("dockerReverseProxyMethod") == "REFREGISTRY_CONFIG_DOCKER_REVERSE_PROXY_METHOD"
    assert env_name("users") == "REFREGISTRY_CONFIG_USERS"


def test_environment_alone_changes_only_its_keys() -> None:
    """Without a file: the variables' keys are theirs, every other key is the default."""
    config = load_config(None, {"REFREGISTRY_CONFIG_USERS": USERS, "REFREGISTRY_CONFIG_ANONYMOUS_ACCESS": "true"})
    assert config.users["admin"] == User("admin", "s3cret", admin=True) and set(config.users) == {"admin", "reader"}
    assert config.anonymous_access and tuple(config.repositories) == DEFAULT_REPOS


def test_environment_replaces_the_files_key(tmp_path: Path) -> None:
    """A variable replaces its key of the file; the file's other keys stay."""
    path = tmp_path / "refregistry.yaml"
    path.write_text("dockerReverseProxyMethod: SUBDOMAIN\nlocalRepositories: {team-local: {}}\n")
    config = load_config(path, {"REFREGISTRY_CONFIG_DOCKER_REVERSE_PROXY_METHOD": "PORTPERREPO", "HOME": "/root"})
    assert (config.proxy_method, tuple(config.repositories)) == ("PORTPERREPO", ("team-local",))


@pytest.mark.parametrize(
    ("environ", "match"),
    [
        ({"REFREGISTRY_CONFIG_COLOUR": "blue"}, r"^REFREGISTRY_CONFIG_COLOUR: not a configuration key \(known: "),
        ({"REFREGISTRY_CONFIG_USERS": "{admin: [}"}, r"^REFREGISTRY_CONFIG_USERS: not valid YAML$"),
        (
            {"REFREGISTRY_CONFIG_USERS": "{bob: {admin: true}}"},
            r"^environment REFREGISTRY_CONFIG_USERS: users\.bob\.password: a non-empty string is required",
        ),
    ],
)
def test_mistake_is_one_line_naming_the_variable(environ: dict[str, str], match: str) -> None:
    """A wrong name, bad YAML or a wrong value: one ConfigError line naming the variable."""
    with pytest.raises(ConfigError, match=match):
        load_config(None, environ)


def test_serve_reads_its_environment(tmp_path: Path) -> None:
    """refregistry serve takes the variables from its own environment: a mistake exits 2 naming it."""
    argv = [sys.executable, "-m", "refregistry", "serve", "--listen", "127.0.0.1:0", "--data", str(tmp_path)]
    done = subprocess.run(
        argv, env={"REFREGISTRY_CONFIG_TRASHCAN_ENABLED": "maybe"}, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    where = "environment REFREGISTRY_CONFIG_TRASHCAN_ENABLED: top level.trashcanEnabled"
    assert done.stderr.strip() == f"refregistry: {where}: expected bool, got 'maybe'"
