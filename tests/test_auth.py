"""Basic credentials, Bearer tokens and their scopes, and the token-signing secret."""

from __future__ import annotations

import base64
import json
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from refregistry import auth
from refregistry.auth import Authenticator, AuthError, Identity, load_secret, parse_scopes
from refregistry.config import Config
from refregistry.configfile import parse_config

SECRET = b"s" * 32
CONFIG = parse_config(
    {
        "anonymousAccess": True,
        "users": {
            "admin": {"password": "password", "admin": True},
            "reader": {"password": "reader-pw"},
            "deployer": {"password": "deployer-pw"},
            "colon": {"password": "a:b:c"},
        },
        "permissions": [
            {"user": "reader", "repositories": ["*"], "actions": ["read"]},
            {"user": "deployer", "repositories": ["docker-local"], "actions": ["read", "deploy"]},
            {"user": "anonymous", "repositories": ["docker-local"], "actions": ["read"]},
        ],
    }
)


def basic(credentials: str | bytes) -> str:
    raw = credentials.encode() if isinstance(credentials, str) else credentials
    return base64.b64encode(raw).decode()


def token_for(user: str | None, *scopes: tuple[str, list[str]], config: Config = CONFIG) -> str:
    scheme = "anonymous" if user is None else "basic"
    return str(Authenticator(config, SECRET).issue(Identity(user, scheme), list(scopes))["token"])


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.mark.parametrize(
    ("header", "user"),
    [(basic("admin:password"), "admin"), (basic("reader:reader-pw"), "reader"), (basic("colon:a:b:c"), "colon")],
)
def test_basic_good(header: str, user: str) -> None:
    """Right user and password (split at the first colon) identify the user."""
    assert Authenticator(CONFIG, SECRET).basic(header) == Identity(user, "basic")


@pytest.mark.parametrize(
    ("header", "match"),
    [
        (basic("admin:wrong"), "Bad Credential"),
        (basic("admin:"), "Bad Credential"),
        (basic("admin"), "Bad Credential"),
        (basic("mallory:password"), "Bad Credential"),
        ("!!!not-base64!!!", "malformed Basic credentials"),
        ("YWRtaW4", "malformed Basic credentials"),
        (basic(b"\xff\xfe:\xfd"), "malformed Basic credentials"),
    ],
)
def test_basic_refused(header: str, match: str) -> None:
    """Wrong password, unknown user and malformed base64 are AuthErrors."""
    with pytest.raises(AuthError, match=match):
        Authenticator(CONFIG, SECRET).basic(header)


def test_any_password_still_needs_a_known_user() -> None:
    """The any-password fault accepts a wrong password, never an unknown user."""
    faulty = Authenticator(CONFIG, SECRET, any_password=True)
    assert faulty.basic(basic("admin:wrong")).user == "admin"
    with pytest.raises(AuthError, match="Bad Credential"):
        faulty.basic(basic("mallory:x"))


def test_token_round_trip() -> None:
    """An issued token verifies as a bearer identity holding exactly the granted scopes."""
    answer = Authenticator(CONFIG, SECRET).issue(
        Identity("deployer", "basic"), [("docker-local/app", ["pull", "push"])]
    )
    assert answer["token"] == answer["access_token"]
    assert answer["expires_in"] == CONFIG.token_ttl
    identity = Authenticator(CONFIG, SECRET).bearer(str(answer["token"]))
    assert (identity.user, identity.scheme) == ("deployer", "bearer")
    assert identity.access == {("docker-local/app", p) for p in ("read", "annotate", "deploy")}
    assert identity.token_allows("docker-local/app", "deploy")
    assert not identity.token_allows("docker-local/other", "read")


@pytest.mark.parametrize(
    ("user", "name", "asked", "granted"),
    [
        ("reader", "docker-local/app", ["pull", "push"], ["pull"]),
        ("reader", "docker-dev-local/app", ["pull", "delete"], ["pull"]),
        ("deployer", "docker-local/team/app", ["pull", "push", "delete"], ["pull", "push"]),
        ("deployer", "docker-dev-local/app", ["pull", "push"], []),
        ("admin", "docker-prod-local/app", ["pull", "push", "delete", "*"], ["delete", "pull", "push"]),
        # "*" (skopeo's and podman's delete) is every action the user has on the name.
        ("admin", "docker-local/app", ["*"], ["delete", "pull", "push"]),
        ("deployer", "docker-local/app", ["*"], ["pull", "push"]),
        ("reader", "docker-local/app", ["*"], ["pull"]),
        ("admin", "docker-local/app", ["pull", "frobnicate"], ["pull"]),
        (None, "docker-local/app", ["pull", "push"], ["pull"]),
        (None, "docker-dev-local/app", ["pull"], []),
    ],
)
def test_scopes_cut_to_permissions(user: str | None, name: str, asked: list[str], granted: list[str]) -> None:
    """A token holds each requested action only when the user may do it in that repository."""
    token = token_for(user, (name, asked))
    assert claims_of(token)["access"] == [{"type": "repository", "name": name, "actions": granted}]
    assert claims_of(token)["sub"] == (user or "anonymous")


def test_push_implies_read() -> None:
    """A token granted push alone still lets its holder read (HEAD blobs) and annotate the same name."""
    identity = Authenticator(CONFIG, SECRET).bearer(token_for("deployer", ("docker-local/app", ["push"])))
    assert identity.access == {("docker-local/app", p) for p in ("read", "annotate", "deploy")}
    assert not identity.token_allows("docker-local/app", "delete")


def forge(token: str) -> str:
    """The same token with its scope widened and the old signature kept."""
    header, _, signature = token.split(".")
    claims = claims_of(token)
    claims["access"] = [{"type": "repository", "name": "docker-local/app", "actions": ["pull", "push", "delete"]}]
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{payload}.{signature}"


@pytest.mark.parametrize(
    ("tamper", "match"),
    [
        (forge, "invalid token signature"),
        (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), "invalid token signature"),
        (lambda t: token_for("reader"), "token subject no longer exists"),
        (lambda t: t.rsplit(".", 1)[0], "malformed token"),
        (lambda t: "garbage", "malformed token"),
        (lambda t: t + ".x", "malformed token"),
    ],
)
def test_tampered_token_refused(tamper: Callable[[str], str], match: str) -> None:
    """A token altered after signing, cut, or for a user who is gone, is refused."""
    verifier = Authenticator(parse_config({"users": {"admin": {"password": "p", "admin": True}}}), SECRET)
    token = token_for("admin", ("docker-local/app", ["pull"]))
    assert verifier.bearer(token).user == "admin"
    with pytest.raises(AuthError, match=match):
        verifier.bearer(tamper(token))


def test_token_from_another_secret_refused() -> None:
    """A token signed with another data directory's secret is refused."""
    token = token_for("admin", ("docker-local/app", ["pull"]))
    with pytest.raises(AuthError, match="invalid token signature"):
        Authenticator(CONFIG, b"other" * 8).bearer(token)


def test_expired_token_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A token issued longer than tokenExpirySecs ago is refused as expired."""
    issued_at = time.time() - CONFIG.token_ttl - 60
    monkeypatch.setattr(auth.time, "time", lambda: issued_at)
    token = token_for("admin", ("docker-local/app", ["pull"]))
    monkeypatch.undo()
    assert claims_of(token)["exp"] < time.time()
    with pytest.raises(AuthError, match="token expired"):
        Authenticator(CONFIG, SECRET).bearer(token)


@pytest.mark.parametrize(
    ("values", "prefix", "scopes"),
    [
        (["repository:docker-local/app:pull,push"], None, [("docker-local/app", ["pull", "push"])]),
        (["repository:app:pull"], "docker-local", [("docker-local/app", ["pull"])]),
        (["repository:team/app:push"], "docker-local", [("docker-local/team/app", ["push"])]),
        (
            ["repository:docker-local/a:pull repository:docker-local/b:push", "repository:docker-dev-local/c:*"],
            None,
            [("docker-local/a", ["pull"]), ("docker-local/b", ["push"]), ("docker-dev-local/c", ["*"])],
        ),
        (["repository:docker-local/app:"], None, [("docker-local/app", [])]),
        (["registry:catalog:*", "repository::pull", ""], None, []),
    ],
)
def test_parse_scopes(values: list[str], prefix: str | None, scopes: list[tuple[str, list[str]]]) -> None:
    """/v2/token scopes name repo/image; /artifactory/api/docker/{repo}/v2/token ones are relative."""
    assert parse_scopes(values, prefix) == scopes


def test_load_secret_once(tmp_path: Path) -> None:
    """The secret is made once, private to the owner, and read back unchanged."""
    first = load_secret(tmp_path)
    path = tmp_path / "secret"
    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret(tmp_path) == first == path.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]
