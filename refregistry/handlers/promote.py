"""``POST /artifactory/api/docker/{repo}/v2/promote``: copy or move a tag (or a whole image) to another repo.

Body (Artifactory's field names): ``targetRepo``, ``dockerRepository``, optional
``targetDockerRepository``, ``tag`` (absent or null: every tag of the image), ``targetTag`` and
``copy`` (default false: move).  Each tag's manifest is copied by ``Storage.copy_manifest``
(list members first; nothing is copied on disk).  Overriding a tag in the target only
re-points it: layers other tags use are never touched.  A move then removes the source tags
and, as a delete does, what only they held.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ..errors import Code, RegistryError
from ..policy import Policy
from ..storage import Storage
from ..validation import JsonInvalid, check_name, check_tag, load_json
from .base import authorize, context, state

MAX_BODY = 64 << 10
FIELDS = {"targetRepo", "dockerRepository", "targetDockerRepository", "tag", "targetTag", "copy"}


@dataclass
class Promotion:
    target_repo: str
    image: str
    target_image: str
    tag: str | None
    target_tag: str | None
    copy: bool


def _bad(message: str) -> RegistryError:
    return RegistryError(Code.BAD_REQUEST, message)


def _text(doc: dict[str, Any], key: str, required: bool = False) -> str | None:
    value = doc.get(key)
    if value is None or value == "":
        if required:
            raise _bad(f"'{key}' is required")
        return None
    if not isinstance(value, str):
        raise _bad(f"'{key}' must be a string")
    return value


async def _parse(request: web.Request) -> Promotion:
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise RegistryError(Code.BAD_REQUEST, "promotion body too large")
    policy = state(request).policy
    if not policy.validate_promotion:
        return _parse_loosely(raw)
    try:
        doc = load_json(raw)
    except JsonInvalid as exc:
        raise _bad(f"request {exc}") from None
    if not isinstance(doc, dict):
        raise _bad("request body must be a JSON object")
    unknown = sorted(set(doc) - FIELDS)
    if unknown:
        raise _bad(f"unknown field '{unknown[0]}'")
    copy = doc.get("copy", False)
    if not isinstance(copy, bool):
        raise _bad("'copy' must be true or false")
    image = check_name(str(_text(doc, "dockerRepository", required=True)))
    tag = _text(doc, "tag")
    target_tag = _text(doc, "targetTag")
    if target_tag is not None and tag is None:
        raise _bad("'targetTag' needs 'tag': a whole image keeps its tags")
    return Promotion(
        target_repo=str(_text(doc, "targetRepo", required=True)),
        image=image,
        target_image=check_name(_text(doc, "targetDockerRepository") or image),
        tag=check_tag(tag) if tag is not None else None,
        target_tag=check_tag(target_tag) if target_tag is not None and policy.validate_target_tag else target_tag,
        copy=copy,
    )


def _parse_loosely(raw: bytes) -> Promotion:
    """The body as a handler without validation reads it: a JSON error escapes (500), ``copy``
    is taken by truthiness and the target tag is whatever was sent."""
    doc = json.loads(raw)
    image = str(doc["dockerRepository"])
    return Promotion(
        target_repo=str(doc["targetRepo"]),
        image=image,
        target_image=str(doc.get("targetDockerRepository") or image),
        tag=doc.get("tag"),
        target_tag=doc.get("targetTag"),
        copy=bool(doc.get("copy", False)),
    )


async def promote(request: web.Request) -> web.StreamResponse:
    ctx, st = context(request), state(request)
    source = str(ctx.repo)
    p = await _parse(request)
    if p.target_repo not in st.config.repositories:
        raise RegistryError(Code.NOT_FOUND, f"Target repository '{p.target_repo}' does not exist")
    needed = [(p.target_repo, "deploy")] + ([] if p.copy else [(source, "delete")])
    # The route itself only asks for read on the source: the rest is checked here.
    for repo, action in needed if st.policy.promotion_checks_permissions else ():
        if not st.config.allows(ctx.user, repo, action):
            raise RegistryError(Code.DENIED, f"user '{ctx.user}' may not {action} in repository '{repo}'")
    # A registry token names images: read on the source, deploy on the target (delete to move).
    scopes = [(str(ctx.key), p.image, "read"), (p.target_repo, p.target_image, "deploy")]
    for repo, image, action in scopes + ([] if p.copy else [(str(ctx.key), p.image, "delete")]):
        authorize(request, repo, image, action)
    storage, target = st.storage, (p.target_repo, p.target_image)
    if not storage.has_image(source, p.image):
        raise RegistryError(Code.NOT_FOUND, f"Unable to find image '{p.image}' in repository '{source}'")
    tags = dict(storage.tags(source, p.image))
    moves = _moves(p, source, tags, st.policy)
    if source == p.target_repo and p.image == p.target_image and any(a == b for a, b in moves.items()):
        raise _bad("source and target are the same")
    for tag, target_tag in moves.items():
        if not st.policy.promotion_override_keeps_layers:
            _override(storage, target, target_tag, tags[tag])
        keep_bytes = st.policy.promotion_keeps_bytes
        await storage.copy_manifest((source, p.image, tags[tag]), target, target_tag, keep_bytes=keep_bytes)
    if not p.copy and st.policy.promotion_honours_copy:
        for tag in moves:
            await storage.delete_tag(source, p.image, tag, tags[tag])
    return web.Response(text="Promotion ended successfully", content_type="application/text")


def _moves(p: Promotion, source: str, tags: dict[str, str], policy: Policy) -> dict[str, str]:
    """Source tag -> target tag; 404 for an unknown tag."""
    tag = "latest" if p.tag is None and not policy.promote_every_tag else p.tag
    if tag is not None and tag not in tags:
        if not policy.validate_promotion:
            return {}  # nothing to do, and nobody told
        raise RegistryError(Code.NOT_FOUND, f"Unable to find tag '{tag}' of image '{p.image}' in '{source}'")
    if tag is None:
        return {t: t for t in tags}
    if not policy.promotion_honours_target_tag:
        return {tag: tag}  # as promote APIs predating targetTag did
    return {tag: p.target_tag or tag}


def _override(storage: Storage, target: tuple[str, str], tag: str, digest: str) -> None:
    """What Policy.promotion_override_keeps_layers False does instead of only re-pointing the tag:
    the replaced image's layers leave the target repository outright, shared or not."""
    repo, image = target
    old = storage.resolve(repo, image, tag)
    if old is not None and old != digest:
        storage.drop_layers(repo, image, old)
