"""Artifactory's access tokens: their scopes, and the book of those issued and revoked.

An access token (``POST /access/api/v1/tokens``, or the older ``/api/security/token``) is signed
like a registry token (auth.py) but carries an Artifactory scope instead of Docker
``repository:`` scopes: ``applied-permissions/user`` is everything its user may do,
``applied-permissions/admin`` an admin's rights (refregistry issues it to admins only).  It works
as the password of Basic credentials (``docker login``) and as ``Authorization: Bearer``.

The book keeps each issued token's id, subject and expiry, and whether it was revoked, in
``DATA/access-tokens.json`` (written whole, then renamed, like the repository overlay), so a
revocation survives a restart.  Expired entries are dropped when the book is next written.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from .config import ConfigError

USER_SCOPE = "applied-permissions/user"
ADMIN_SCOPE = "applied-permissions/admin"
SCOPES = (USER_SCOPE, ADMIN_SCOPE)
BOOK = "access-tokens.json"


@dataclass(frozen=True)
class Issued:
    subject: str
    scope: str
    expiry: int | None  # epoch seconds; None: never expires
    revoked: bool = False


class TokenBook:
    """Access tokens by id; ``path`` None keeps them in memory only (unit tests)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._issued: dict[str, Issued] = {}
        if path is not None and path.is_file():
            try:
                self._issued = {key: Issued(**entry) for key, entry in json.loads(path.read_text()).items()}
            except (ValueError, TypeError) as exc:
                raise ConfigError(f"{path} (issued access tokens): {exc}") from None

    def get(self, token_id: str) -> Issued | None:
        return self._issued.get(token_id)

    def add(self, token_id: str, issued: Issued) -> None:
        self._issued[token_id] = issued
        self._save()

    def revoke(self, token_id: str) -> bool:
        """Revoke a known token; False if it was revoked already."""
        issued = self._issued[token_id]
        if issued.revoked:
            return False
        self._issued[token_id] = replace(issued, revoked=True)
        self._save()
        return True

    def is_revoked(self, token_id: str) -> bool:
        issued = self._issued.get(token_id)
        return issued is not None and issued.revoked

    def _save(self) -> None:
        now = time.time()
        self._issued = {k: v for k, v in self._issued.items() if v.expiry is None or v.expiry > now}
        if self.path is None:
            return
        tmp = self.path.with_name(f".{BOOK}.tmp")
        tmp.write_text(json.dumps({k: asdict(v) for k, v in self._issued.items()}, sort_keys=True))
        os.replace(tmp, self.path)
