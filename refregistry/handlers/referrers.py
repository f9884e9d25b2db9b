"""``/v2/<name>/referrers/<digest>``: the OCI 1.1 referrers index, with ``artifactType``."""

from __future__ import annotations

import json

from aiohttp import web

from ..faults import REFERRERS_IGNORE_FILTER
from ..mediatypes import OCI_INDEX
from ..validation import check_digest
from .base import context, json_answer, state


async def referrers(request: web.Request) -> web.StreamResponse:
    ctx, st = context(request), state(request)
    subject = check_digest(request.match_info["digest"])
    wanted = request.query.get("artifactType")
    descriptors = []
    for m in st.storage.meta.referrers(str(ctx.repo), str(ctx.image), subject):
        descriptor: dict[str, object] = {"mediaType": m.media_type, "digest": m.digest, "size": m.size}
        if m.artifact_type:
            descriptor["artifactType"] = m.artifact_type
        if m.annotations:
            descriptor["annotations"] = json.loads(m.annotations)
        descriptors.append(descriptor)
    headers = {}
    if wanted:
        headers["OCI-Filters-Applied"] = "artifactType"
        if REFERRERS_IGNORE_FILTER not in st.faults:
            descriptors = [d for d in descriptors if d.get("artifactType") == wanted]
    doc = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": descriptors}
    return json_answer(doc, headers=headers, content_type=OCI_INDEX)
