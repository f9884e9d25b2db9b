"""Who is asking and what they may do: Basic credentials, Bearer tokens, scopes.

Tokens are compact JWS (HS256) signed with the data directory's secret, so they survive a
restart and expire.  A registry token (``/v2/token``) carries the Docker scopes it was granted,
each already cut down to what the user may do when it was issued; every request is checked
against both the token and the user's current permissions, and a registry token is never
an admin.  An access token (refregistry/tokens.py) carries an Artifactory scope instead: the
user's own rights, as Basic credentials would have them, until it expires or is revoked.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Config
from .tokens import ADMIN_SCOPE, Issued, TokenBook

# Docker scope actions -> Artifactory permission.  "*" (what skopeo and podman ask for to
# delete) stands for every action the user has on the name.
ACTION_PERMISSION = {"pull": "read", "push": "deploy", "delete": "delete"}
EVERY_ACTION = "*"

Access = frozenset[tuple[str, str]]  # (repo/image, permission)


@dataclass(frozen=True)
class Identity:
    user: str | None  # None: anonymous
    scheme: str  # "basic" | "bearer" | "anonymous"
    access: Access | None = None  # a registry token's scopes; None: everything the user may do
    token_id: str | None = None  # an access token's id (its holder may revoke it as "me")

    def token_allows(self, name: str, permission: str) -> bool:
        return self.access is None or (name, permission) in self.access

    def reaches(self, repo: str, permission: str) -> bool:
        """Whether the token grants ``permission`` on any image of ``repo``."""
        return self.access is None or any(p == permission and n.startswith(f"{repo}/") for n, p in self.access)

    def covers_path(self, repo: str, path: str, permission: str) -> bool:
        """Whether the token grants ``permission`` on an image holding ``repo/path`` (its folder or below)."""
        full = f"{repo}/{path.strip('/')}/"
        return self.access is None or any(p == permission and full.startswith(f"{n}/") for n, p in self.access)


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
    """Checks credentials and issues tokens.  The flags are what the faults bend (handlers/control)."""

    def __init__(self, config: Config, secret: bytes, *, any_password: bool = False, book: TokenBook | None = None):
        self.config = config
        self.secret = secret
        self.book = book or TokenBook(None)
        self.any_password = any_password
        self.token_passwords = True  # an access token is a password (docker login, Basic on REST)
        self.every_action = True  # "*" grants every action the user has, not delete alone
        self.revocations = True

    # -- Basic ----------------------------------------------------------------------------
    def basic(self, header_value: str) -> Identity:
        try:
            user, _, password = base64.b64decode(header_value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise AuthError("malformed Basic credentials") from None
        account = self.config.users.get(user)
        if account is None:
            raise AuthError("Bad Credential")
        if self.any_password or hmac.compare_digest(account.password.encode(), password.encode()):
            return Identity(user, "basic")
        if self.token_passwords and password.count(".") == 2:
            try:
                identity = self.bearer(password)
            except AuthError:
                raise AuthError("Bad Credential") from None
            if identity.token_id is not None and identity.user == user:
                return Identity(user, "basic", token_id=identity.token_id)
        raise AuthError("Bad Credential")

    # -- registry tokens --------------------------------------------------------------------
    def issue(self, identity: Identity, scopes: list[tuple[str, list[str]]]) -> dict[str, object]:
        """A token for ``identity`` holding each requested scope the user may have."""
        granted: list[dict[str, object]] = []
        for name, actions in scopes:
            repo = name.split("/", 1)[0]
            if EVERY_ACTION in actions:
                actions = list(ACTION_PERMISSION) if self.every_action else ["delete"]
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
        token = self._mint({"sub": identity.user or "anonymous", "iat": now, "exp": now + ttl, "access": granted})
        issued = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        return {"token": token, "access_token": token, "expires_in": ttl, "issued_at": issued}

    # -- access tokens ----------------------------------------------------------------------
    def issue_access(self, user: str, scope: str, expires_in: int) -> dict[str, object]:
        """An access token for ``user`` (``expires_in`` 0: it never expires), recorded in the book."""
        now = int(time.time())
        token_id = secrets.token_hex(16)
        expiry = now + expires_in if expires_in else None
        claims: dict[str, Any] = {"sub": user, "iat": now, "jti": token_id, "scp": scope}
        if expiry is not None:
            claims["exp"] = expiry
        token = self._mint(claims)
        self.book.add(token_id, Issued(user, scope, expiry))
        answer: dict[str, object] = {"token_id": token_id, "access_token": token, "scope": scope}
        if expiry is not None:
            answer["expires_in"] = expires_in
        return answer | {"token_type": "Bearer"}

    def token_id_of(self, token: str) -> str | None:
        """The id of an access token signed here, expired or not (AuthError for a forged one)."""
        try:
            claims = self._claims(token)
        except AuthError as exc:
            if str(exc) != "token expired":
                raise
            return None  # expired: nothing left to revoke
        return str(claims["jti"]) if "scp" in claims else None

    # -- Bearer ---------------------------------------------------------------------------
    def bearer(self, token: str) -> Identity:
        claims = self._claims(token)
        user = None if claims.get("sub") == "anonymous" else claims.get("sub")
        if user is not None and user not in self.config.users:
            raise AuthError("token subject no longer exists")
        if "scp" in claims:
            token_id = str(claims.get("jti"))
            if self.revocations and self.book.is_revoked(token_id):
                raise AuthError("token revoked")
            if claims["scp"] == ADMIN_SCOPE and not self.config.is_admin(user):
                raise AuthError("the token's admin scope belongs to a user who is no admin")
            return Identity(user, "bearer", token_id=token_id)
        access = frozenset(
            (entry["name"], ACTION_PERMISSION[action])
            for entry in claims.get("access", [])
            for action in entry.get("actions", [])
            if action in ACTION_PERMISSION
        )
        # push implies pull (docker asks for "pull,push" and then HEADs blobs with the token), and
        # annotate, as the deploy permission does (config.py): a push writes properties already.
        access |= {(name, implied) for name, perm in access if perm == "deploy" for implied in ("read", "annotate")}
        return Identity(user, "bearer", access)

    def _claims(self, token: str) -> dict[str, Any]:
        """A token's verified, unexpired claims (AuthError otherwise)."""
        try:
            header, payload, signature = token.split(".")
            expected = self._sign(f"{header}.{payload}")
            if not hmac.compare_digest(signature, expected):
                raise AuthError("invalid token signature")
            claims = json.loads(_unb64(payload))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise AuthError("malformed token") from None
        if not isinstance(claims, dict):
            raise AuthError("malformed token")
        # Only an access token may go without an expiry (expires_in 0).
        if claims.get("exp", 0 if "scp" not in claims else float("inf")) < time.time():
            raise AuthError("token expired")
        return claims

    def _mint(self, claims: dict[str, Any]) -> str:
        claims = {"iss": "refregistry", "aud": "artifactory", "jti": secrets.token_hex(8), **claims}
        claims.setdefault("nbf", claims["iat"] - 5)
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{header}.{payload}.{self._sign(f'{header}.{payload}')}"

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
