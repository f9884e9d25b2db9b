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
