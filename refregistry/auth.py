"""Who is asking and what they may do: Basic credentials, Bearer tokens, scopes.

Tokens are compact JWS (HS256) signed with the data directory's secret, so they survive a
restart and expire after ``tokenExpirySecs``.  A token carries the scopes it was granted,
each already cut down to what the user may do when it was issued; every request is checked
against both the token and the user's current permissions.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config

# Docker scope actions -> Artifactory permission.
ACTION_PERMISSION = {"pull": "read", "push": "deploy", "delete": "delete", "*": "delete"}


@dataclass(frozen=True)
class Identity:
    user: str | None  # None: anonymous
    scheme: str  # "basic" | "bearer" | "anonymous"
    access: frozenset[tuple[str, str]] = field(default_factory=frozenset)  # bearer: (repo/image, permission)

    def token_allows(self, name: str, permission: str) -> bool:
        return self.scheme != "bearer" or (name, permission) in self.access


class AuthError(Exception):
    """Credentials were sent and are wrong (as opposed to absent)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_secret(data_dir: Path) -> bytes:
    path = data_dir / "secret"
    if not path.exists():
        tmp = data_dir / f".secret.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
        os.replace(tmp, path)
    return path.read_bytes()


class Authenticator:
    def __init__(self, config: Config, secret: bytes, *, any_password: bool = False) -> None:
        self.config = config
        self.secret = secret
        self.any_password = any_password

    # -- Basic ----------------------------------------------------------------------------
    def basic(self, header_value: str) -> Identity:
        try:
            user, _, password = base64.b64decode(header_value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise AuthError("malformed Basic credentials") from None
        account = self.config.users.get(user)
        if account is None:
            raise AuthError("Bad Credential")
        ok = self.any_password or hmac.compare_digest(account.password.encode(), password.encode())
        if not ok:
            raise AuthError("Bad Credential")
        return Identity(user, "basic")

    # -- Bearer ---------------------------------------------------------------------------
    def issue(self, identity: Identity, scopes: list[tuple[str, list[str]]]) -> dict[str, object]:
        """A token for ``identity`` holding each requested scope the user may have."""
        granted: list[dict[str, object]] = []
        for name, actions in scopes:
            repo = name.split("/", 1)[0]
            allowed = sorted(
                {
                    a
                    for a in actions
                    if a in ACTION_PERMISSION and self.config.allows(identity.user, repo, ACTION_PERMISSION[a])
                }
            )
            granted.append({"type": "repository", "name": name, "actions": allowed})
        now = int(time.time())
        ttl = self.config.token_ttl
        claims = {
            "iss": "refregistry",
            "sub": identity.user or "anonymous",
            "aud": "artifactory",
            "iat": now,
            "nbf": now - 5,
            "exp": now + ttl,
            "jti": secrets.token_hex(8),
            "access": granted,
        }
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        token = f"{header}.{payload}.{self._sign(f'{header}.{payload}')}"
        issued = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        return {"token": token, "access_token": token, "expires_in": ttl, "issued_at": issued}

    def bearer(self, token: str) -> Identity:
        try:
            header, payload, signature = token.split(".")
            expected = self._sign(f"{header}.{payload}")
            if not hmac.compare_digest(signature, expected):
                raise AuthError("invalid token signature")
            claims = json.loads(_unb64(payload))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise AuthError("malformed token") from None
        if not isinstance(claims, dict) or claims.get("exp", 0) < time.time():
            raise AuthError("token expired")
        user = None if claims.get("sub") == "anonymous" else claims.get("sub")
        if user is not None and user not in self.config.users:
            raise AuthError("token subject no longer exists")
        access = frozenset(
            (entry["name"], ACTION_PERMISSION[action])
            for entry in claims.get("access", [])
            for action in entry.get("actions", [])
            if action in ACTION_PERMISSION
        )
        # push implies pull: docker asks for "pull,push" and then HEADs blobs with the token.
        access |= {(name, "read") for name, perm in access if perm == "deploy"}
        return Identity(user, "bearer", access)

    def _sign(self, signing_input: str) -> str:
        return _b64(hmac.new(self.secret, signing_input.encode(), hashlib.sha256).digest())


def parse_scopes(values: list[str], repo_prefix: str | None) -> list[tuple[str, list[str]]]:
    """``repository:<name>:<actions>`` parameters -> (repo/image, actions).

    Under ``/artifactory/api/docker/{repo}/v2/token`` names are relative to that repository;
    under the repository-path form's ``/v2/token`` their first segment is the repository key.
    """
    scopes: list[tuple[str, list[str]]] = []
    for value in values:
        for scope in value.split(" "):
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            if kind != "repository" or not name:
                continue
            if repo_prefix is not None:
                name = f"{repo_prefix}/{name}"
            scopes.append((name, [a for a in actions.split(",") if a]))
    return scopes
