"""``POST /artifactory/api/copy/{repo}/{path}?to=/{repo}/{path}`` and ``/api/move/...``: Docker folders.

Artifactory's Copy Item and Move Item, on the folders of a Docker repository: a tag folder, an
image folder or a namespace (the repository's root included).  As in a file system, a target path
that is an existing folder receives the source under its own name; any other target path is the
source's new name.  The image path is the folder path, so an image copied to ``/prod/team/app``
is pulled as ``team/app`` from ``prod``.  Each manifest is copied by ``Storage.copy_manifest``
(what promotion copies with: metadata only, list members first); a move then deletes the source's
tags as a delete does.  Needs read on the source (the route), deploy on the target, delete on the
source to move and on the target to overwrite a tag.  ``dry=1`` checks and counts, changing nothing;
``suppressLayouts`` and ``failFast`` are accepted (a Docker folder has no layout to translate, and
a copy stops at its first failure either way).
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from ..errors import Code, RegistryError
from ..storage import Storage
from ..validation import check_name, check_tag
from .base import authorize, context, json_answer, state
from .items import walk
from .layout import Layout, Node

FLAGS = ("dry", "suppressLayouts", "failFast")
RESULT_TYPE = "application/vnd.org.jfrog.artifactory.storage.CopyOrMoveResult+json"


@dataclass(frozen=True)
class Transfer:
    image: str
    tag: str | None  # None: an untagged manifest (its digest folder)
    digest: str
    target_image: str
    target_tag: str | None


async def copy(request: web.Request) -> web.StreamResponse:
    return await _transfer(request, move=False)


async def move(request: web.Request) -> web.StreamResponse:
    return await _transfer(request, move=True)


def _flag(request: web.Request, name: str) -> bool:
    value = request.query.get(name, "0")
    if value not in ("0", "1", "true", "false"):
        raise RegistryError(Code.BAD_REQUEST, f"'{name}' is 0 or 1, not {value[:20]!r}")
    return value in ("1", "true")


def _target(request: web.Request) -> tuple[str, str]:
    """(repository, path) of ``to=/{targetRepoKey}/{targetFilePath}``."""
    to = request.query.get("to", "").strip("/")
    if not to:
        raise RegistryError(Code.BAD_REQUEST, "'to' is required: ?to=/{targetRepoKey}/{targetFilePath}")
    repo, _, path = to.partition("/")
    if any(seg in ("", ".", "..") for seg in path.split("/")) and path:
        raise RegistryError(Code.BAD_REQUEST, f"'to' has an empty or dot segment: {to[:200]!r}")
    return repo, path


async def _transfer(request: web.Request, *, move: bool) -> web.StreamResponse:
    ctx, st = context(request), state(request)
    source, path = str(ctx.repo), request.match_info.get("path", "").strip("/")
    dry = _flag(request, "dry")
    for name in FLAGS[1:]:
        _flag(request, name)
    target_repo, target_path = _target(request)
    if target_repo not in st.config.repositories:
        known = st.config.has_repo(target_repo)
        message = f"Target repository '{target_repo}' is not a local repository" if known else None
        raise RegistryError(
            Code.BAD_REQUEST if known else Code.NOT_FOUND,
            message or f"Target repository '{target_repo}' does not exist",
        )
    storage = st.storage
    layout = Layout(storage, source, colon_names=st.policy.layout_colon_names)
    node = layout.node(path)
    if node is None:
        raise RegistryError(Code.NOT_FOUND, "Unable to find item")
    if not node.folder:
        raise RegistryError(Code.BAD_REQUEST, "only folders of a Docker repository (an image or a tag) are copied")
    target = Layout(storage, target_repo).node(target_path)
    destination = f"{target_path}/{node.path.rpartition('/')[2]}".strip("/") if target and node.path else target_path
    plan = _plan(layout, node, destination)
    if source == target_repo and any((t.image, t.tag) == (t.target_image, t.target_tag) for t in plan):
        raise RegistryError(Code.BAD_REQUEST, "source and target are the same")
    overwrites = any(t.target_tag and storage.resolve(target_repo, t.target_image, t.target_tag) for t in plan)
    needed = [(target_repo, "deploy"), *([(source, "delete")] * move), *([(target_repo, "delete")] * overwrites)]
    for repo, action in needed:
        if not st.config.allows(ctx.user, repo, action):
            raise RegistryError(Code.DENIED, f"user '{ctx.user}' may not {action} in repository '{repo}'")
    for t in plan:  # a registry token must name each image read, written and (to move) removed
        authorize(request, source, t.image, "read")
        authorize(request, target_repo, t.target_image, "deploy")
        if move:
            authorize(request, source, t.image, "delete")
        if overwrites:
            authorize(request, target_repo, t.target_image, "delete")
    files, folders = _counted(layout, node)
    if not dry:
        await _apply(storage, plan, (source, target_repo), move=move, keep_layers=st.policy.copy_keeps_layers)
    verb, done = ("moving", "moved") if move else ("copying", "copied")
    text = (
        f"{verb} {source}:{node.path} to {target_repo}:{target_path} completed successfully, "
        f"{files} artifacts and {folders} folders were {done}"
    )
    return json_answer({"messages": [{"level": "INFO", "message": text}]}, content_type=RESULT_TYPE)


def _plan(layout: Layout, node: Node, destination: str) -> list[Transfer]:
    """Each manifest the folder holds, with the image it goes to; 400 for a target no image can be at."""
    if node.manifest is not None:  # a tag or digest folder: the destination is <image>/<folder>
        image, _, folder = destination.rpartition("/")
        if not image:
            raise RegistryError(Code.BAD_REQUEST, f"a tag folder needs an image folder to go to, not '/{destination}'")
        m = node.manifest
        if node.tag is None and folder != m.digest:
            raise RegistryError(Code.BAD_REQUEST, "a digest folder keeps its name")
        tag = check_tag(folder) if node.tag is not None else None
        return [Transfer(m.image, node.tag, m.digest, check_name(image), tag)]
    below = [i for i in layout.images if not node.path or i == node.path or i.startswith(f"{node.path}/")]
    plan = []
    for image in below:
        below_source = image[len(node.path) :] if node.path else f"/{image}"
        renamed = check_name(f"{destination}{below_source}".strip("/"))
        plan += [Transfer(image, tag, digest, renamed, tag) for tag, digest in layout.storage.tags(layout.repo, image)]
        plan += [Transfer(image, None, m.digest, renamed, None) for m in layout.storage.untagged(layout.repo, image)]
    if not plan:
        raise RegistryError(Code.NOT_FOUND, f"nothing to copy under '{node.path}'")
    return plan


def _counted(layout: Layout, node: Node) -> tuple[int, int]:
    """(files, folders) below the folder, the folder itself counted unless it is the repository's root."""
    nodes = list(walk(layout, node.path))
    folders = sum(1 for n in nodes if n.folder and n.path)
    return len(nodes) - sum(1 for n in nodes if n.folder), folders


async def _apply(
    storage: Storage, plan: list[Transfer], repos: tuple[str, str], *, move: bool, keep_layers: bool
) -> None:
    source, target = repos
    for t in plan:
        await storage.copy_manifest((source, t.image, t.digest), (target, t.target_image), t.target_tag)
        if not keep_layers:
            storage.drop_layers(target, t.target_image, t.digest)
    for t in plan if move else ():  # tags first: an untagged list member goes with its list
        await storage.delete_tag(source, t.image, t.tag, t.digest)
