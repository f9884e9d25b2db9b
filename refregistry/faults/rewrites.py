"""Rewrites many faults share: of an answer's header or status, of the request, of an error."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ..errors import Code, RegistryError
from .catalogue import Handler, Wrap

# A valid digest of nothing anyone pushed: what the wrong-digest faults answer with.
BOGUS_DIGEST = "sha256:" + "0" * 64


def header(name: str, value: str) -> Wrap:
    """The answer's ``name`` header, where it has one, says ``value``."""

    async def wrap(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if name in response.headers:
            response.headers[name] = value
        return response

    return wrap


def without_header(name: str) -> Wrap:
    async def wrap(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        response.headers.pop(name, None)
        return response

    return wrap


def status(old: int, new: int) -> Wrap:
    async def wrap(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if response.status == old:
            response.set_status(new)
        return response

    return wrap


def without_request_header(name: str) -> Wrap:
    async def wrap(request: web.Request, handler: Handler) -> web.StreamResponse:
        return await handler(request.clone(headers={k: v for k, v in request.headers.items() if k != name}))

    return wrap


def without_query(request: web.Request, *names: str) -> web.Request:
    query = {k: v for k, v in request.query.items() if k not in names}
    return request.clone(rel_url=request.rel_url.with_query(query))


def ignoring_query(*names: str) -> Wrap:
    async def wrap(request: web.Request, handler: Handler) -> web.StreamResponse:
        return await handler(without_query(request, *names))

    return wrap


def crash_on(code: Code) -> Wrap:
    """The error ``code`` escapes unhandled instead: aiohttp answers a bare 500."""

    async def wrap(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except RegistryError as err:
            if err.code is code:
                raise RuntimeError(err.message) from None
            raise

    return wrap


def accepted_despite(code: Code) -> Wrap:
    """The error ``code`` becomes an empty 202 Accepted."""

    async def wrap(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except RegistryError as err:
            if err.code is code:
                return web.Response(status=202, headers={"Content-Length": "0"})
            raise

    return wrap


def error_page(status: int) -> Wrap:
    """An error answer of ``status`` becomes an HTML page, as a proxy's own error pages replace the registry's."""

    async def wrap(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except RegistryError as err:
            if err.status != status:
                raise
            page = f"<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>"
            return web.Response(status=status, text=page, content_type="text/html")

    return wrap


def json_body(response: web.StreamResponse) -> Any:
    """The JSON document an answer carries, None if it carries none (a streamed answer)."""
    if isinstance(response, web.Response) and isinstance(response.body, bytes):
        return json.loads(response.body)
    return None
