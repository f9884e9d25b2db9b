"""``/v2/<name>/referrers/<digest>``: the OCI 1.1 referrers index, with ``artifactType``."""

from __future__ import annotations

import json

from aiohttp import web

from ..mediatypes import OCI_INDEX
from ..storage import Manifest
from ..validation import check_digest
from .base import context, json_answer, state

MANIFEST_LIMIT = 4 * 1024 * 1024


def _listed(request: web.Request, subject: str) -> list[Manifest]:
    """The manifests naming ``subject``."""
    ctx, st = context(request), state(request)
    storage, repo, image = st.storage, str(ctx.repo), str(ctx.image)
    found = storage.manifest(repo, image, subject)
    referrers = storage.referrers(repo, image, subject)
    if not st.policy.list_early_referrers:
        # Indexed only when the subject was there at push time, as a registry that links on push does.
        referrers = [m for m in referrers if found is not None and m.created >= found.created]
    return referrers


def _artifact_type(request: web.Request, m: Manifest) -> str | None:
    if state(request).policy.config_artifact_type:
        return m.artifact_type
    body = state(request).storage.read_blob(m.digest, MANIFEST_LIMIT)
    return json.loads(body).get("artifactType") if body else None


async def referrers(request: web.Request) -> web.StreamResponse:
    subject = check_digest(request.match_info["digest"])
    wanted = request.query.get("artifactType")
    descriptors = []
    for m in _listed(request, subject):
        descriptor: dict[str, object] = {"mediaType": m.media_type, "digest": m.digest, "size": m.size}
        if artifact_type := _artifact_type(request, m):
            descriptor["artifactType"] = artifact_type
        if m.annotations:
            descriptor["annotations"] = json.loads(m.annotations)
        descriptors.append(descriptor)
    headers = {}
    if wanted:
        headers["OCI-Filters-Applied"] = "artifactType"
        descriptors = [d for d in descriptors if d.get("artifactType") == wanted]
    doc = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": descriptors}
    return json_answer(doc, headers=headers, content_type=OCI_INDEX)
