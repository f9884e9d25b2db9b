"""Artifactory REST on item properties: Get, Set and Delete Item Properties, Update Item Properties.

* ``GET /api/storage/{repo}/{path}?properties[=k1,k2]``
* ``PUT /api/storage/{repo}/{path}?properties=k=v1,v2;k2=v3[&recursive=0]``: ``;`` or ``|``
  between properties, ``,`` (or ``\\;``) between values, a backslash before ``, \\ | = ;`` to
  write it literally;
* ``DELETE /api/storage/{repo}/{path}?properties=k,k2[&recursive=0]``
* ``PATCH /api/metadata/{repo}/{path}[?recursiveProperties=0]`` with ``{"props": {"k": "v", "k2": null}}``.

On a folder a write applies to everything below it too unless ``recursive=0``.  Writes need the
``annotate`` permission (refregistry/config.py).  ``docker.*`` properties are written like any
other, as Artifactory's are ("Properties are for Guiding, not for Restricting"); a write touches
only the keys it names (docs/refregistry.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from aiohttp import web

from ..errors import Code, RegistryError
from ..validation import JsonInvalid, load_json
from .base import context, flag, json_answer, state
from .layout import STORAGE_TYPE, Node, found, layout, storage_uri

MAX_BODY = 64 << 10
FORBIDDEN_IN_KEYS = frozenset(")(}{][*+^$\\/~`!@#%&<>;=,±§ ")
Pairs = Iterable[tuple[str, bool]]  # characters of a parameter, each with whether a backslash escaped it
Cut = Callable[[str, bool], bool]  # whether a character (escaped or not) separates parts


def read(request: web.Request, node: Node) -> web.StreamResponse:
    """``?properties[=k1,k2]``: all the item's properties, or those named."""
    st = state(request)
    props = st.storage.properties(str(context(request).repo), node.path)
    if wanted := [k for k in request.query["properties"].split(",") if k]:
        props = {k: v for k, v in props.items() if k in wanted}
    if not props:
        raise RegistryError(Code.NOT_FOUND, "No properties could be found.")
    doc = {"properties": props, "uri": storage_uri(request, node.path)}
    return json_answer(doc, content_type=STORAGE_TYPE.format("ItemProperties"))


async def set_(request: web.Request) -> web.StreamResponse:
    """``PUT /api/storage/{repo}/{path}?properties=...``: Set Item Properties."""
    added = parse_assignments(_parameter(request))
    return await _change(request, added, [], flag(request, "recursive", default=True), setting=True)


async def delete(request: web.Request) -> web.StreamResponse:
    """``DELETE /api/storage/{repo}/{path}?properties=k1,k2``: Delete Item Properties."""
    removed = [_key(k) for k in _parameter(request).split(",") if k]
    return await _change(request, {}, removed, flag(request, "recursive", default=True))


async def patch(request: web.Request) -> web.StreamResponse:
    """``PATCH /api/metadata/{repo}/{path}`` ``{"props": {...}}``: Update Item Properties (null removes)."""
    raw = await request.content.read(MAX_BODY + 1)
    try:
        doc = load_json(raw) if len(raw) <= MAX_BODY else None
    except JsonInvalid as exc:
        raise RegistryError(Code.BAD_REQUEST, f'the body must be JSON: {{"props": {{...}}}} ({exc})') from None
    if doc is None:
        raise RegistryError(Code.BAD_REQUEST, f"the body is longer than {MAX_BODY} bytes")
    props = doc.get("props") if isinstance(doc, dict) else None
    if not isinstance(props, dict):
        raise RegistryError(Code.BAD_REQUEST, "props: must be an object of property names")
    added: dict[str, list[str]] = {}
    removed: list[str] = []
    for key, value in props.items():
        if value is None:
            removed.append(_key(key))
        elif isinstance(value, str):
            added[_key(key)] = [value]
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            added[_key(key)] = list(value)
        else:
            raise RegistryError(Code.BAD_REQUEST, f"props.{key[:64]}: must be a string, a list of strings or null")
    return await _change(request, added, removed, flag(request, "recursiveProperties", default=True))


async def _change(
    request: web.Request, added: dict[str, list[str]], removed: list[str], recursive: bool, *, setting: bool = False
) -> web.StreamResponse:
    ctx, st = context(request), state(request)
    if ctx.addressed is not None:
        raise RegistryError(Code.BAD_REQUEST, "properties cannot be set or deleted on a virtual repository")
    tree = layout(request)
    node = found(tree, request)
    paths = [node.path, *(n.path for n in tree.walk(node))] if recursive and node.folder else [node.path]
    if setting and not st.policy.set_properties_merges:
        for path in paths:
            st.storage.change_properties(str(ctx.repo), [path], {}, list(st.storage.properties(str(ctx.repo), path)))
    st.storage.change_properties(str(ctx.repo), paths, added, removed)
    return web.Response(status=204)


def _parameter(request: web.Request) -> str:
    raw = request.query.get("properties", "")
    if not raw:
        raise RegistryError(Code.BAD_REQUEST, "the properties parameter names no property")
    return raw


def parse_assignments(raw: str) -> dict[str, list[str]]:
    """``k=v1,v2;k2=v3`` (``|`` separates properties too) as {key: values}; a key alone has one empty value."""
    props: dict[str, list[str]] = {}
    for assignment in _split(_unescaped(raw), lambda c, esc: c in ";|" and not esc):
        if not assignment:
            continue
        cut = next((i for i, (c, esc) in enumerate(assignment) if c == "=" and not esc), len(assignment))
        key = _key("".join(c for c, _ in assignment[:cut]))
        values = _split(assignment[cut + 1 :], lambda c, esc: (c == "," and not esc) or (c == ";" and esc))
        props.setdefault(key, [])
        props[key] += ["".join(c for c, _ in value) for value in values]
    if not props:
        raise RegistryError(Code.BAD_REQUEST, "the properties parameter names no property")
    return {key: list(dict.fromkeys(values)) for key, values in props.items()}


def _unescaped(raw: str) -> Iterator[tuple[str, bool]]:
    chars = iter(raw)
    for c in chars:
        if c != "\\":
            yield c, False
            continue
        escaped = next(chars, None)
        if escaped is None:
            raise RegistryError(Code.BAD_REQUEST, "the properties parameter ends in a lone backslash")
        yield escaped, True


def _split(pairs: Pairs, at: Cut) -> list[list[tuple[str, bool]]]:
    parts: list[list[tuple[str, bool]]] = [[]]
    for c, esc in pairs:
        if at(c, esc):
            parts.append([])
        else:
            parts[-1].append((c, esc))
    return parts


def _key(key: str) -> str:
    if not key or len(key) > 255 or FORBIDDEN_IN_KEYS.intersection(key):
        raise RegistryError(Code.BAD_REQUEST, f"invalid property name {key[:64]!r}")
    return key
