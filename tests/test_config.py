"""Configuration: defaults, a full file, one-line mistakes, permissions, and the CLI's exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from refregistry.config import DEFAULT_REPOS, Config, ConfigError, LocalRepo, User
from refregistry.configfile import load_config, parse_config

FULL = """\
anonymousAccess: true
dockerReverseProxyMethod: SUBDOMAIN
tokenExpirySecs: 600
maxManifestBytes: 1048576
users:
  admin: {password: password, admin: true}
  reader: {password: reader-pw}
  deployer: {password: deployer-pw}
localRepositories:
  docker-local:
    type: docker
    dockerApiVersion: V2
    maxUniqueTags: 5
    dockerTagRetention: 3
    blockPushingSchema1: false
  legacy.v1:
    dockerApiVersion: V1
permissions:
  - {user: reader, repositories: ["*"], actions: [read]}
  - {user: deployer, repositories: [docker-local], actions: [read, deploy]}
  - {user: anonymous, repositories: [legacy.v1], actions: [read]}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "refregistry.yaml"
    path.write_text(text)
    return path


def test_default_config() -> None:
    """Without a file: admin/password is an administrator, three local repos, no anonymous access."""
    config = load_config(None)
    assert config.users == {"admin": User("admin", "password", admin=True)}
    assert tuple(config.repositories) == DEFAULT_REPOS == ("docker-local", "docker-dev-local", "docker-prod-local")
    assert all(repo == LocalRepo(key) for key, repo in config.repositories.items())
    assert not config.anonymous_access
    assert (config.proxy_method, config.permissions) == ("REPOPATHPREFIX", ())


def test_empty_file_is_the_default(tmp_path: Path) -> None:
    """An empty file changes nothing."""
    assert load_config(write(tmp_path, "")) == load_config(None)


def test_full_file_parses(tmp_path: Path) -> None:
    """Every documented key of a complete file lands in the Config."""
    config = load_config(write(tmp_path, FULL))
    assert config.anonymous_access
    assert (config.proxy_method, config.token_ttl, config.max_manifest_bytes) == ("SUBDOMAIN", 600, 1048576)
    assert config.users["reader"] == User("reader", "reader-pw")
    assert config.users["admin"].admin and not config.users["deployer"].admin
    assert config.repositories == {
        "docker-local": LocalRepo("docker-local", "V2", 5, 3, False),
        "legacy.v1": LocalRepo("legacy.v1", "V1", 0, 1, True),
    }
    assert [(p.user, p.repositories, p.actions) for p in config.permissions] == [
        ("reader", ("*",), frozenset({"read"})),
        ("deployer", ("docker-local",), frozenset({"read", "deploy"})),
        ("anonymous", ("legacy.v1",), frozenset({"read"})),
    ]


REPO = "localRepositories:\n  docker-local: {%s}\n"
PERM = "users: {admin: {password: p, admin: true}, bob: {password: b}}\npermissions:\n  - {%s}\n"
MISTAKES = [
    ("colour: blue\n", r"top level: unknown key 'colour'"),
    ("- users\n", r"top level: expected a mapping, got list"),
    ("users: [admin]\n", r"users: expected a mapping, got list"),
    ("users: {bob: {admin: true}}\n", r"users\.bob\.password: a non-empty string is required"),
    ("users: {bob: {password: b, email: x}}\n", r"users\.bob: unknown key 'email'"),
    ("users: {bob: {password: b, admin: 'yes'}}\n", r"users\.bob\.admin: expected bool"),
    (REPO % "maxTags: 3", r"localRepositories\.docker-local: unknown key 'maxTags'"),
    (REPO % "maxUniqueTags: true", r"localRepositories\.docker-local\.maxUniqueTags: expected int, got True"),
    (REPO % "maxUniqueTags: '3'", r"localRepositories\.docker-local\.maxUniqueTags: expected int, got '3'"),
    (REPO % "maxUniqueTags: -1", r"localRepositories\.docker-local: maxUniqueTags must be >= 0"),
    (REPO % "dockerTagRetention: 1.5", r"localRepositories\.docker-local\.dockerTagRetention: expected int"),
    (REPO % "blockPushingSchema1: 1", r"localRepositories\.docker-local\.blockPushingSchema1: expected bool"),
    (REPO % "dockerApiVersion: V3", r"localRepositories\.docker-local\.dockerApiVersion: expected V1 or V2"),
    (REPO % "type: maven", r"localRepositories\.docker-local\.type: only 'docker'"),
    ("localRepositories: {Docker-Local: {}}\n", r"localRepositories\.Docker-Local: invalid repository key"),
    ("localRepositories: {-local: {}}\n", r"localRepositories\.-local: invalid repository key"),
    (f"localRepositories: {{{'r' * 65}: {{}}}}\n", r"localRepositories\.r{65}: invalid repository key"),
    ("anonymousAccess: 'false'\n", r"top level\.anonymousAccess: expected bool"),
    ("tokenExpirySecs: 0\n", r"tokenExpirySecs and maxManifestBytes must be positive"),
    ("dockerReverseProxyMethod: NGINX\n", r"dockerReverseProxyMethod: expected one of .*got 'NGINX'"),
    ("permissions: {user: admin}\n", r"permissions: expected a list"),
    (PERM % "user: mallory, actions: [read]", r"permissions\[0\]\.user: unknown user 'mallory'"),
    (PERM % "user: bob, repositories: [nope-local]", r"permissions\[0\]\.repositories: unknown repository 'nope"),
    (PERM % "user: bob, actions: [read, write]", r"permissions\[0\]\.actions: unknown action 'write'"),
    (PERM % "user: bob, repositories: '*'", r"permissions\[0\]: repositories and actions must be lists"),
    (PERM % "user: bob, role: admin", r"permissions\[0\]: unknown key 'role'"),
    (PERM % "user: [bob], actions: [read]", r"permissions\[0\]\.user: unknown user \['bob'\]"),
    (PERM % "user: bob, repositories: [[docker-local]]", r"permissions\[0\]\.repositories: unknown repository"),
    ("virtualRepositories: {v: {repositories: [{k: docker-local}]}}\n", r"virtualRepositories\.v\.repositories: "),
    ("remoteRepositories: {r: {url: 'http://u', password: [p]}}\n", r"remoteRepositories\.r\.password: expected a"),
    ("anonymousAccess: false\nusers:\n\tadmin: x\n", r"not valid YAML at line 3$"),
    ("a: b\nc: d\n  e: f\n", r"not valid YAML at line 3$"),
    ("1: one\ncolour: blue\n", r"top level: unknown key '1'"),
]


@pytest.mark.parametrize(("text", "match"), MISTAKES)
def test_mistake_is_one_line_naming_the_key(tmp_path: Path, text: str, match: str) -> None:
    """A config mistake raises one ConfigError line: the file, then the key at fault."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=match) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"config {path}: ")
    assert "\n" not in str(caught.value)


def test_remote_keeps_its_key_and_credentials() -> None:
    """A remote repository's entry parses to its own key, URL and credentials."""
    config = parse_config(
        {"remoteRepositories": {"docker-remote": {"url": "http://u/", "username": "a", "password": "b"}}}
    )
    remote = config.remotes["docker-remote"]
    assert (remote.key, remote.url, remote.username, remote.password) == ("docker-remote", "http://u", "a", "b")


def test_missing_file(tmp_path: Path) -> None:
    """A missing file is a ConfigError naming it, not an OSError."""
    with pytest.raises(ConfigError, match=r"^config .*missing\.yaml: No such file or directory$"):
        load_config(tmp_path / "missing.yaml")


def test_file_not_utf8(tmp_path: Path) -> None:
    """A file that is not UTF-8 is a ConfigError, not a traceback."""
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b'users:\n  admin: {password: "p\xe4ss", admin: true}\n')
    with pytest.raises(ConfigError, match=r"^config .*latin1\.yaml: not UTF-8 \(byte \d+\)$"):
        load_config(path)


def permissions(anonymous: bool) -> Config:
    return parse_config(
        {
            "anonymousAccess": anonymous,
            "users": {
                "admin": {"password": "password", "admin": True},
                "reader": {"password": "r"},
                "deployer": {"password": "d"},
            },
            "permissions": [
                {"user": "reader", "repositories": ["*"], "actions": ["read"]},
                {"user": "deployer", "repositories": ["docker-local"], "actions": ["read", "deploy"]},
                {"user": "anonymous", "repositories": ["docker-local"], "actions": ["read"]},
            ],
        }
    )


@pytest.mark.parametrize(
    ("anonymous", "user", "repo", "action", "allowed"),
    [
        (False, "admin", "docker-prod-local", "delete", True),
        (False, "reader", "docker-dev-local", "read", True),
        (False, "reader", "docker-local", "deploy", False),
        (False, "deployer", "docker-local", "deploy", True),
        (False, "deployer", "docker-local", "delete", False),
        (False, "deployer", "docker-dev-local", "read", False),
        (False, "mallory", "docker-local", "read", False),
        (False, None, "docker-local", "read", False),
        (True, None, "docker-local", "read", True),
        (True, None, "docker-local", "deploy", False),
        (True, None, "docker-dev-local", "read", False),
    ],
)
def test_allows(anonymous: bool, user: str | None, repo: str, action: str, allowed: bool) -> None:
    """Admins may do anything; others what a permission grants; anonymous only when switched on."""
    assert permissions(anonymous).allows(user, repo, action) is allowed


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "refregistry", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("text", ["colour: blue\n", "users:\n\tadmin: x\n", None])
def test_cli_bad_config_exits_2(tmp_path: Path, text: str | None) -> None:
    """serve with a bad (or missing) config exits 2 with one `refregistry: config` line on stderr."""
    config = tmp_path / "bad.yaml"
    if text is not None:
        config.write_text(text)
    done = run_cli("serve", "--listen", "127.0.0.1:0", "--data", str(tmp_path / "data"), "--config", str(config))
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith(f"refregistry: config {config}: ")
    assert "listening" not in done.stdout


def test_cli_unknown_fault_exits_2(tmp_path: Path) -> None:
    """serve --fault nope exits 2 with one line naming the fault."""
    done = run_cli("serve", "--listen", "127.0.0.1:0", "--data", str(tmp_path / "data"), "--fault", "nope")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith("refregistry: unknown fault 'nope'")


def test_cli_faults_json() -> None:
    """faults --json lists the catalogue: at least 8 faults, each with name, summary and checks."""
    done = run_cli("faults", "--json")
    assert done.returncode == 0, done.stderr
    catalogue = json.loads(done.stdout)
    assert len(catalogue) >= 8
    for fault in catalogue:
        assert set(fault) >= {"name", "summary", "checks"}
        assert fault["name"] and fault["summary"]
        assert fault["checks"] and all(isinstance(c, str) for c in fault["checks"])
    assert len({f["name"] for f in catalogue}) == len(catalogue)
