"""Virtual repositories: which member a request addressed to a virtual key reads from or writes to.

Writes (uploads, manifest PUT and DELETE) go to ``defaultDeploymentRepo`` (refused without one).
Reads go to the first member, in the configured order, that has what is asked for; with
``resolveDockerTagsByTimestamp`` a tag resolves to the member where it was pushed last.
``tags/list`` and ``_catalog`` merge every member (handlers/listing).  The policy's virtual
fields let faults imitate resolvers that read only the first member, in the wrong order, or
deploy to the first member.
"""

from __future__ import annotations

from aiohttp import web

from .config import VirtualRepo
from .context import RequestContext
from .errors import Code, RegistryError
from .policy import Policy
from .storage import Storage

WRITES = {"deploy", "delete"}


def resolve(
    request: web.Request,
    ctx: RequestContext,
    virtual: VirtualRepo,
    action: str | None,
    storage: Storage,
    policy: Policy,
) -> None:
    """Point ``ctx.repo`` at the member serving this request; remember the virtual key."""
    members = list(virtual.repositories)
    if policy.virtual_reversed:
        members.reverse()
    if policy.virtual_first_member_only:
        members = members[:1]
    ctx.addressed, ctx.members = virtual.key, tuple(members)
    if ctx.image is None:
        # Token, ping and _catalog name no image: they answer for the virtual key itself.
        return
    if action in WRITES or request.method in ("PUT", "PATCH", "POST", "DELETE"):
        target = virtual.default_deployment if policy.virtual_deploys_to_default else members[0]
        if target is None:
            raise RegistryError(Code.DENIED, f"virtual repository '{virtual.key}' has no default deployment repository")
        ctx.repo = target
        return
    by_timestamp = virtual.by_timestamp and policy.virtual_tags_by_timestamp
    ctx.repo = _member(request, ctx, members, by_timestamp, storage) or members[0]


def _member(
    request: web.Request, ctx: RequestContext, members: list[str], by_timestamp: bool, storage: Storage
) -> str | None:
    image, info = str(ctx.image), request.match_info
    if "digest" in info and "/blobs/" in request.path:
        return next((m for m in members if storage.has_blob(m, info["digest"])), None)
    if "digest" in info:  # referrers of a subject
        return next((m for m in members if storage.manifest(m, image, info["digest"])), None)
    reference = info.get("reference")
    if reference is None:
        return next((m for m in members if storage.has_image(m, image)), None)
    if ":" in reference:
        return next((m for m in members if storage.manifest(m, image, reference)), None)
    having = [m for m in members if storage.resolve(m, image, reference)]
    if by_timestamp and having:
        return max(having, key=lambda m: storage.tag_updated(m, image, reference) or 0.0)
    return having[0] if having else None
