"""Access tokens: ``/access/api/v1/tokens`` and the older ``/artifactory/api/security/token``.

Create (``POST``; form-encoded or JSON): ``username`` (default: the caller; another user's only
for an admin), ``scope`` (``applied-permissions/user``, the default, or
``applied-permissions/admin``, for an admin only), ``expires_in`` (seconds; 0 never expires, for
an admin only; anyone else at most the default: a year, 3600 s on the older API).  Revoke:
``DELETE /access/api/v1/tokens/{id|me}`` (its subject or an admin; 200, 204 if revoked already)
and ``POST /artifactory/api/security/token/revoke`` with ``token`` or ``token_id`` (an admin;
200 also for a token revoked already or unknown).  A registry token may do none of it: it
would hand its holder the user's every right.  Refresh tokens, reference tokens and group
scopes are not supported (400 naming them).
"""

from __future__ import annotations

import urllib.parse

from aiohttp import web

from ..auth import AuthError
from ..errors import Code, RegistryError
from ..tokens import ADMIN_SCOPE, SCOPES, USER_SCOPE
from ..validation import load_json
from .base import context, is_admin, json_answer, state

MAX_BODY = 16 << 10
YEAR = 365 * 24 * 3600
LEGACY_TTL = 3600
LEGACY_API_SCOPE = "api:*"  # the older API's scope token for REST access, always granted


def _bad(message: str) -> RegistryError:
    return RegistryError(Code.BAD_REQUEST, message)


def _caller(request: web.Request) -> str:
    """The signed-in user, by password or access token (403 for a registry token)."""
    identity = context(request).identity
    if identity is None or identity.user is None:
        raise RegistryError(Code.UNAUTHORIZED, "authentication required")
    if identity.access is not None:
        raise RegistryError(Code.DENIED, "a registry token cannot manage access tokens")
    return identity.user


async def _fields(request: web.Request) -> dict[str, str]:
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise _bad("token request body too large")
    try:
        text = raw.decode()
        if request.content_type == "application/json":
            doc = load_json(raw) if text.strip() else {}
            if not isinstance(doc, dict) or not all(isinstance(v, str | int | bool) for v in doc.values()):
                raise _bad("the body must be a JSON object of strings, numbers and booleans")
            return {key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in doc.items()}
        return dict(urllib.parse.parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)))
    except (UnicodeDecodeError, ValueError):  # JsonInvalid is a ValueError
        raise _bad("the body is neither a form nor a JSON object") from None


def _expiry(request: web.Request, fields: dict[str, str], default: int) -> int:
    raw = fields.get("expires_in", str(default))
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        raise _bad(f"'expires_in' must be a number of seconds, not {raw[:20]!r}")
    seconds = int(raw)
    if not is_admin(request) and not 0 < seconds <= default:
        raise _bad(f"'expires_in' must be between 1 and {default} seconds for a user who is no admin")
    return seconds


def _create(request: web.Request, fields: dict[str, str], default_ttl: int, scope: str) -> dict[str, object]:
    caller, st = _caller(request), state(request)
    if fields.get("grant_type", "client_credentials") != "client_credentials":
        raise _bad("only grant_type 'client_credentials' is supported: refresh tokens are not")
    if any(fields.get(flag, "false").lower() != "false" for flag in ("refreshable", "include_reference_token")):
        raise _bad("refreshable and reference tokens are not supported")
    username = fields.get("username") or caller
    if username != caller and not is_admin(request):
        raise RegistryError(Code.DENIED, "only an admin may create a token for another user")
    if username not in st.config.users:
        raise _bad(f"user '{username}' does not exist")
    if scope not in SCOPES:
        raise _bad(f"unsupported scope {scope[:80]!r}: {USER_SCOPE} or {ADMIN_SCOPE} (no group scopes)")
    if scope == ADMIN_SCOPE and not (is_admin(request) and st.config.is_admin(username)):
        raise RegistryError(Code.DENIED, f"{ADMIN_SCOPE} is for an admin's token, created by an admin")
    return st.auth.issue_access(username, scope, _expiry(request, fields, default_ttl))


async def create(request: web.Request) -> web.StreamResponse:
    """``POST /access/api/v1/tokens``."""
    fields = await _fields(request)
    return json_answer(_create(request, fields, YEAR, fields.get("scope") or USER_SCOPE))


async def create_legacy(request: web.Request) -> web.StreamResponse:
    """``POST /artifactory/api/security/token``: its scope is space-separated, ``api:*`` implied."""
    fields = await _fields(request)
    scope = " ".join(w for w in (fields.get("scope") or "").split() if w != LEGACY_API_SCOPE)
    answer = _create(request, fields, LEGACY_TTL, scope or USER_SCOPE)
    answer.pop("token_id")
    return json_answer(answer | {"scope": f"{LEGACY_API_SCOPE} {answer['scope']}"})


async def revoke(request: web.Request) -> web.StreamResponse:
    """``DELETE /access/api/v1/tokens/{id}``; ``me`` is the access token in use."""
    caller, st = _caller(request), state(request)
    token_id: str | None = request.match_info["token_id"]
    if token_id == "me":
        identity = context(request).identity
        token_id = identity.token_id if identity is not None else None
    if token_id is None:
        raise _bad("'me' names the access token in use, and this request uses none")
    issued = st.auth.book.get(token_id)
    if issued is None:
        raise RegistryError(Code.NOT_FOUND, f"token '{token_id[:80]}' not found")
    if issued.subject != caller and not is_admin(request):
        raise RegistryError(Code.DENIED, "a user may revoke only their own tokens")
    if not st.auth.book.revoke(token_id):
        return web.Response(status=204)
    return web.Response(text="Token revoked", content_type="text/plain")


async def revoke_legacy(request: web.Request) -> web.StreamResponse:
    """``POST /artifactory/api/security/token/revoke`` (form ``token`` or ``token_id``)."""
    _caller(request)
    if not is_admin(request):
        raise RegistryError(Code.DENIED, "revoking tokens needs an admin")
    st, fields = state(request), await _fields(request)
    token_id = fields.get("token_id")
    if token_id is None and "token" in fields:
        try:
            token_id = st.auth.token_id_of(fields["token"])
        except AuthError as exc:
            raise _bad(f"the token was not issued here: {exc}") from None
    if not token_id:
        raise _bad("give 'token' or 'token_id'")
    if st.auth.book.get(token_id) is not None:
        st.auth.book.revoke(token_id)
    return json_answer({})
