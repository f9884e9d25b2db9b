"""``POST /artifactory/api/search/aql``: a documented subset of AQL over the items of readable repositories.

The query language is refregistry/aql.py; the items are what the storage API shows (items.py) of
every local and remote repository the caller may read.  A query refregistry cannot run is 400 with
the parser's words, never a 500.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from ..aql import TIMES, AqlError, Item, Query, matches
from ..aqlparse import parse
from ..errors import Code, RegistryError
from .base import context, json_answer, state
from .items import items

MAX_BODY = 64 << 10


async def search(request: web.Request) -> web.StreamResponse:
    ctx, st = context(request), state(request)
    # A registry token finds only what lies in the images its scopes name.
    token = ctx.identity if ctx.identity is not None and st.policy.rest_honours_token_scope else None
    if token is not None and token.access is not None and not any(perm == "read" for _, perm in token.access):
        raise RegistryError(Code.DENIED, "the token grants no read on any image")
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise RegistryError(Code.BAD_REQUEST, f"the query is longer than {MAX_BODY} bytes")
    try:
        query = parse(raw.decode())
    except (AqlError, UnicodeDecodeError) as exc:
        raise RegistryError(Code.BAD_REQUEST, f"Failed to parse query: {exc}") from None
    readable = [r for r in (*st.config.repositories, *st.config.remotes) if st.config.allows(ctx.user, r, "read")]
    honour = st.policy.aql_property_criteria
    found = [
        item
        for repo in readable
        for item in items(st.storage, repo, colon_names=st.policy.layout_colon_names)
        if item.type in query.types
        and matches(query.criteria, item, properties=honour)
        and (token is None or token.covers_path(repo, f"{item.path}/{item.name}", "read"))
    ]
    if query.sort is not None:
        descending, fields = query.sort
        reverse = descending is st.policy.aql_sort_honours_direction
        found.sort(key=lambda item: tuple(item.value(f) for f in fields), reverse=reverse)
    end = len(found) if query.limit is None else query.offset + query.limit
    page = found[query.offset : end]
    window: dict[str, int] = {"start_pos": query.offset, "end_pos": query.offset + len(page), "total": len(page)}
    if query.limit is not None:
        window["limit"] = query.limit
    return json_answer({"results": [_result(item, query) for item in page], "range": window})


def _result(item: Item, query: Query) -> dict[str, Any]:
    doc: dict[str, Any] = {name: _shown(item, name) for name in query.fields}
    if query.properties is not None:
        shown = [
            {"key": key, "value": value}
            for key, values in item.properties.items()
            if "*" in query.properties or key in query.properties
            for value in values
        ]
        if shown:
            doc["properties"] = shown
    return doc


def _shown(item: Item, name: str) -> object:
    value = item.value(name)
    if name in TIMES:
        return datetime.fromtimestamp(float(value), UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return value
