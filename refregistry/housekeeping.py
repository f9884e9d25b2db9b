"""Work the server does on its own, between requests: the periodic sweep of upload spools.

Every ``upload_sweep_interval`` seconds (``artifactory.docker.cleanup.uploadsTmpFolderJobSecs``)
one pass of ``Storage.sweep_uploads`` reclaims the sessions that expired and the spools nothing
owns.  It runs on the event loop, one bounded, locked step at a time with requests answered in
between: there, no request can be between its check of a session and its first byte appended
while a step runs (storage/uploads.py).  The start-up sweep is the storage's own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from .state import STATE, State


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_sweeping)


async def _sweeping(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_sweep_forever(app[STATE]))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _sweep_forever(st: State) -> None:
    while True:
        await asyncio.sleep(st.config.upload_sweep_interval)  # a timer, the job's period
        for _ in st.storage.sweep_uploads():
            await asyncio.sleep(0)  # the requests that arrived meanwhile go first
