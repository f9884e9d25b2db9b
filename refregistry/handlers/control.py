"""``/artifactory/api/refregistry/``: switch faults and reset content while the server runs.

Not Artifactory's: a test harness's door, mounted only by ``serve --fault-control`` and open only
to an admin.  A self-proof stands a stack up once, then for each fault resets it (every
repository emptied, the repository configuration back to the one it started with) and switches
the fault on, instead of starting a stack per fault.
"""

from __future__ import annotations

import os

from aiohttp import web

from .. import repoconfig
from ..errors import Code, RegistryError
from ..faults import UnknownFault
from ..state import State
from ..validation import load_json
from .base import is_admin, json_answer, state

MAX_BODY = 64 << 10


def apply_faults(st: State, names: list[str]) -> None:
    """Switch the fault set; hand the policy it makes to the state, storage and auth."""
    st.faults.switch(names)
    st.policy = policy = st.faults.policy
    st.storage.keep_shared_blobs = policy.keep_shared_blobs
    st.storage.trashcan = st.config.trashcan and policy.trashcan
    st.auth.any_password = policy.any_password
    st.auth.every_action = policy.star_grants_every_action
    st.auth.token_passwords = policy.access_token_as_password
    st.auth.revocations = policy.honour_token_revocation


def _admin(request: web.Request) -> State:
    st = state(request)
    if not is_admin(request):
        raise RegistryError(Code.DENIED, "fault control needs an admin")
    return st


async def faults(request: web.Request) -> web.StreamResponse:
    return json_answer({"faults": _admin(request).faults.names()})


async def switch(request: web.Request) -> web.StreamResponse:
    """PUT ``{"faults": [names]}``: the whole set; an unknown name changes nothing (400)."""
    st = _admin(request)
    raw = await request.content.read(MAX_BODY + 1)
    try:
        names = load_json(raw)["faults"] if len(raw) <= MAX_BODY else None
    except (ValueError, KeyError, TypeError):
        names = None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise RegistryError(Code.BAD_REQUEST, 'the body must be {"faults": ["name", ...]}')
    try:
        apply_faults(st, names)
    except UnknownFault as exc:
        raise RegistryError(Code.BAD_REQUEST, str(exc)) from None
    return json_answer({"faults": st.faults.names()})


async def reset(request: web.Request) -> web.StreamResponse:
    """Forget all content and every repository change made over the REST API."""
    st = _admin(request)
    st.storage.reset()
    (st.storage.root / repoconfig.OVERLAY).unlink(missing_ok=True)
    st.config = st.auth.config = st.initial_config
    apply_faults(st, st.faults.names())  # the trash-can setting follows the restored configuration
    os.sync()
    return json_answer({"reset": True, "faults": st.faults.names()})
