"""What every handler shares: the server state and request context of a request, small answers."""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from ..context import RequestContext
from ..errors import Code, RegistryError
from ..state import STATE, State

# ASCII digits only: str.isdigit() also takes "²" and "٣", which int() refuses or reads.
PAGE_SIZE = re.compile(r"[0-9]{1,9}")


def state(request: web.Request) -> State:
    return request.app[STATE]


def context(request: web.Request) -> RequestContext:
    ctx: RequestContext = request["ctx"]
    return ctx


def is_admin(request: web.Request) -> bool:
    """An admin's Basic credentials or access token; a registry token is never an admin's."""
    ctx = context(request)
    return (ctx.identity is None or ctx.identity.access is None) and state(request).config.is_admin(ctx.user)


def authorize(request: web.Request, repo: str, image: str, permission: str) -> None:
    """403 unless a registry token in use grants ``permission`` on ``repo/image`` (for an image a
    body names; the user's own permissions are the caller's to check, as Policy may bend them)."""
    identity, st = context(request).identity, state(request)
    if (
        identity is not None
        and st.policy.rest_honours_token_scope
        and not identity.token_allows(f"{repo}/{image}", permission)
    ):
        raise RegistryError(Code.DENIED, f"the token grants no {permission} on '{repo}/{image}'")


def json_answer(
    doc: Any, status: int = 200, headers: dict[str, str] | None = None, content_type: str = "application/json"
) -> web.Response:
    return web.Response(body=json.dumps(doc).encode(), status=status, headers=headers, content_type=content_type)


def page_size(request: web.Request) -> int | None:
    """The ``n`` query parameter: None when absent; a bad value is PAGINATION_NUMBER_INVALID."""
    raw = request.query.get("n")
    if raw is None or raw == "":
        return None
    if not PAGE_SIZE.fullmatch(raw):
        raise RegistryError(Code.PAGINATION_NUMBER_INVALID, f"invalid page size n={raw[:20]!r}")
    return int(raw)


def paginate(items: list[str], n: int | None, last: str | None) -> tuple[list[str], bool]:
    """Items strictly after ``last``, at most ``n`` of them; and whether more follow."""
    if last:
        items = [i for i in items if i > last]
    if n is None:
        return items, False
    return items[:n], len(items) > n and n > 0


def flag(request: web.Request, name: str, default: bool = False) -> bool:
    """A ``0``/``1`` query parameter (``true``/``false`` too, as clients send)."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() not in ("0", "1", "true", "false"):
        raise RegistryError(Code.BAD_REQUEST, f"{name} must be 0 or 1")
    return raw.lower() in ("1", "true")
