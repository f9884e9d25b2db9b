"""Multi-architecture tags: delete a list with its architectures, and find the lists holding a manifest.

``DELETE /artifactory/api/docker/{repo}/v2/delete`` (since 7.91.0) and
``POST /artifactory/api/docker/{repo}/v2/parentManifests`` (since 7.119.0), both with the body
``{"dockerRepository": "<image path>", "tag": "<tag>"}``.  Sub-manifests and layers that other
tags or lists of the repository still use are kept, as Artifactory does since 7.118.0.  An
instance imitating an older version (refregistry/versions.py) lacks the routes, or the protection.
"""

from __future__ import annotations

from aiohttp import web

from ..errors import Code, RegistryError
from ..validation import JsonInvalid, check_name, check_tag, load_json
from .base import authorize, context, json_answer, state

MAX_BODY = 16 << 10


async def _image_and_tag(request: web.Request, permission: str) -> tuple[str, str, str]:
    """(image, tag, digest) named by the body; 400 for a bad body, 403 for an image a registry
    token does not name with ``permission``, 404 for an unknown tag."""
    raw = await request.content.read(MAX_BODY + 1)
    try:
        doc = load_json(raw) if len(raw) <= MAX_BODY else None
    except JsonInvalid:
        doc = None
    if (
        not isinstance(doc, dict)
        or not isinstance(doc.get("dockerRepository"), str)
        or not isinstance(doc.get("tag"), str)
    ):
        raise RegistryError(Code.BAD_REQUEST, 'expected a JSON body {"dockerRepository": "<image>", "tag": "<tag>"}')
    image, tag = check_name(doc["dockerRepository"]), check_tag(doc["tag"])
    ctx = context(request)
    authorize(request, str(ctx.key), image, permission)
    digest = state(request).storage.resolve(str(ctx.repo), image, tag)
    if digest is None:
        raise RegistryError(Code.NOT_FOUND, f"Unable to find tag '{tag}' of image '{image}' in '{ctx.repo}'")
    return image, tag, digest


async def delete(request: web.Request) -> web.StreamResponse:
    ctx, st = context(request), state(request)
    image, tag, digest = await _image_and_tag(request, "delete")
    repo = str(ctx.repo)
    if st.policy.delete_list_members:
        await st.storage.delete_tag(repo, image, tag, digest, keep_shared=st.policy.multiarch_delete_keeps_shared)
    else:
        st.storage.untag(repo, image, tag)
        await st.storage.delete_manifest(repo, image, digest, cascade=False)
    return web.Response(text=f"Deleted tag '{tag}' of '{image}' with its architectures", content_type="text/plain")


async def parents(request: web.Request) -> web.StreamResponse:
    ctx, st = context(request), state(request)
    _image, tag, digest = await _image_and_tag(request, "read")
    storage, repo = st.storage, str(ctx.repo)
    if not st.policy.parents_by_digest:
        digest = tag  # lists hold members by digest: looked up by the tag folder, none is found
    found = [
        {
            "dockerRepository": image,
            "digest": parent,
            "tags": storage.tags_of(repo, image, parent),
        }
        for image, parent in storage.parent_lists(repo, digest)
    ]
    return json_answer({"parentManifestLists": found})
