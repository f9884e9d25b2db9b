"""Artifactory REST on items: File and Folder Info, File List, Item Statistics, download, delete.

Item properties (``?properties``) are handlers/item_properties.py's.  The answers' shapes are
those of JFrog's REST API pages (docs/refregistry.md names them).
"""

from __future__ import annotations

import asyncio
import time

from aiohttp import web

from ..errors import Code, RegistryError
from . import item_properties
from .base import context, flag, json_answer, state
from .layout import STORAGE_TYPE, Layout, Node, found, layout, storage_uri

STATS_TYPE = "application/vnd.org.jfrog.storage.StatsInfo+json"


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ts))


async def checksums(request: web.Request, node: Node) -> dict[str, str]:
    """sha1, md5 and sha256 of a file (hashing, once, a file written before they were kept)."""
    digest = str(node.digest)
    sums = await asyncio.to_thread(state(request).storage.checksums, digest)
    sha256 = digest.split(":", 1)[1]
    return {"sha1": sums.sha1, "md5": sums.md5, "sha256": sha256} if sums else {"sha256": sha256}


async def item(request: web.Request) -> web.StreamResponse:
    """``GET /artifactory/api/storage/{repo}/{path}``: File or Folder Info; ``?properties``,
    ``?list`` (File List) and ``?stats`` (Item Statistics) answer those APIs instead."""
    tree = layout(request)
    node = found(tree, request)
    if "properties" in request.query:
        return item_properties.read(request, node)
    if "list" in request.query:
        return await file_list(request, tree, node)
    if "stats" in request.query:
        return stats(request, node)
    ctx = context(request)
    doc: dict[str, object] = {
        "repo": ctx.repo,
        "path": f"/{node.path}",
        "created": iso(node.created),
        "lastModified": iso(node.created),
        "lastUpdated": iso(node.created),
        "uri": storage_uri(request, node.path),
    }
    if node.folder:
        doc["children"] = [{"uri": f"/{name}", "folder": is_folder} for name, is_folder in node.children]
        return json_answer(doc, content_type=STORAGE_TYPE.format("FolderInfo"))
    sums = await checksums(request, node)
    doc.update(
        {
            "downloadUri": f"{ctx.base}/artifactory/{ctx.repo}/{node.path}",
            "mimeType": node.mime,
            "size": str(node.size),
            "checksums": sums,
            "originalChecksums": dict(sums),
        }
    )
    return json_answer(doc, content_type=STORAGE_TYPE.format("FileInfo"))


async def file_list(request: web.Request, tree: Layout, node: Node) -> web.StreamResponse:
    """``?list[&deep=0|1][&depth=n][&listFolders=0|1]``: the files (and folders) below a folder."""
    if not node.folder:
        raise RegistryError(Code.BAD_REQUEST, "Expected a folder but found a file")
    raw_depth = request.query.get("depth", "")
    if raw_depth and not (raw_depth.isascii() and raw_depth.isdigit() and len(raw_depth) <= 9):
        raise RegistryError(Code.BAD_REQUEST, "depth must be a number")
    deep, folders = flag(request, "deep"), flag(request, "listFolders")
    depth = (int(raw_depth) if raw_depth else None) if deep else 1
    items = await asyncio.to_thread(lambda: list(tree.walk(node, depth)))
    prefix = len(node.path) + 1 if node.path else 0
    files: list[dict[str, object]] = []
    for child in items:
        entry: dict[str, object] = {"uri": f"/{child.path[prefix:]}", "size": -1, "lastModified": iso(child.created)}
        if child.folder:
            entry["folder"] = True
        else:
            sums = await checksums(request, child)
            entry.update({"size": child.size, "folder": False, "sha1": sums.get("sha1"), "sha2": sums["sha256"]})
        if folders or not child.folder:
            files.append(entry)
    doc = {"uri": storage_uri(request, node.path), "created": iso(node.created), "files": files}
    return json_answer(doc, content_type=STORAGE_TYPE.format("FileList"))


def stats(request: web.Request, node: Node) -> web.StreamResponse:
    """``?stats``: how often the item was downloaded, when last and by whom (Item Statistics)."""
    count, last, user = state(request).storage.downloads(str(context(request).repo), node.path)
    doc = {
        "uri": storage_uri(request, node.path),
        "downloadCount": count,
        "lastDownloaded": int(last * 1000),
        "lastDownloadedBy": user,
        "remoteDownloadCount": 0,  # no edge nodes or smart remotes report downloads here
        "remoteLastDownloaded": 0,
    }
    return json_answer(doc, content_type=STATS_TYPE)


async def search_prop(request: web.Request) -> web.StreamResponse:
    """``GET /artifactory/api/search/prop?k=v1,v2&k2&repos=a,b``: items having every property."""
    ctx, st = context(request), state(request)
    repos = [r for r in request.query.get("repos", "").split(",") if r] or None
    wanted: dict[str, list[str]] = {}
    for key, value in request.query.items():
        if key != "repos":
            wanted.setdefault(key, []).extend(v for v in value.split(",") if v)
    if not wanted:
        raise RegistryError(Code.BAD_REQUEST, "at least one property is required")
    detail = request.headers.get("X-Result-Detail", "")
    results = []
    for repo, path in st.storage.search_properties(wanted, repos):
        if not st.config.allows(ctx.user, repo, "read"):
            continue
        entry: dict[str, object] = {"uri": f"{ctx.base}/artifactory/api/storage/{repo}/{path}"}
        if "properties" in detail:
            entry["properties"] = st.storage.properties(repo, path)
        results.append(entry)
    return json_answer(
        {"results": results}, content_type="application/vnd.org.jfrog.artifactory.search.MetadataSearchResult+json"
    )


async def download(request: web.Request) -> web.StreamResponse:
    """``GET /artifactory/{repo}/{path}``: a manifest or layer file of the layout (counted in its statistics)."""
    ctx, st = context(request), state(request)
    node = found(layout(request), request)
    if node.folder:
        raise RegistryError(Code.BAD_REQUEST, "Expected file response but received a folder")
    path = st.storage.blob_path(str(node.digest))
    st.storage.count_download(str(ctx.repo), node.path, ctx.user or "anonymous")
    return web.FileResponse(path, headers={"Content-Type": node.mime, "X-Checksum-Sha256": str(node.digest)[7:]})


async def delete(request: web.Request) -> web.StreamResponse:
    """``DELETE /artifactory/{repo}/{path}``: a folder and everything under it, as Artifactory's tree:
    the images at or below it and the tag (or digest) folder it is; then orphan manifests and layers."""
    ctx, st = context(request), state(request)
    node = found(layout(request), request)
    if not node.folder:
        raise RegistryError(Code.BAD_REQUEST, "only image and tag folders can be deleted")
    policy = st.policy
    await st.storage.delete_folder(
        str(ctx.repo),
        node.path,
        recursive=policy.delete_image_recursively,
        takes_tag=policy.folder_delete_takes_tags,
    )
    return web.Response(status=204)
