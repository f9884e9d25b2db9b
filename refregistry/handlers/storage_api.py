"""Artifactory REST on items: storage info and properties, property search, download, delete."""

from __future__ import annotations

import time

from aiohttp import web

from ..errors import Code, RegistryError
from .base import context, json_answer, state
from .layout import Layout, Node

STORAGE_TYPE = "application/vnd.org.jfrog.artifactory.storage.{}+json"


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ts))


def _node(request: web.Request) -> Node:
    ctx = context(request)
    st = state(request)
    layout = Layout(st.storage, str(ctx.repo), colon_names=st.policy.layout_colon_names)
    node = layout.node(request.match_info.get("path", ""))
    if node is None:
        raise RegistryError(Code.NOT_FOUND, "Unable to find item")
    return node


def _item_doc(request: web.Request, node: Node) -> dict[str, object]:
    ctx = context(request)
    suffix = f"/{node.path}" if node.path else ""
    doc: dict[str, object] = {
        "repo": ctx.repo,
        "path": f"/{node.path}",
        "created": _iso(node.created),
        "lastModified": _iso(node.created),
        "lastUpdated": _iso(node.created),
        "uri": f"{ctx.base}/artifactory/api/storage/{ctx.repo}{suffix}",
    }
    if node.folder:
        doc["children"] = [{"uri": f"/{name}", "folder": is_folder} for name, is_folder in node.children]
    else:
        hexdigest = str(node.digest).split(":", 1)[1]
        doc.update(
            {
                "downloadUri": f"{ctx.base}/artifactory/{ctx.repo}{suffix}",
                "mimeType": node.mime,
                "size": str(node.size),
                "checksums": {"sha256": hexdigest},
                "originalChecksums": {"sha256": hexdigest},
            }
        )
    return doc


async def item(request: web.Request) -> web.StreamResponse:
    """``GET /artifactory/api/storage/{repo}/{path}[?properties[=k1,k2]]``."""
    ctx, st = context(request), state(request)
    node = _node(request)
    if "properties" not in request.query:
        kind = "FolderInfo" if node.folder else "FileInfo"
        return json_answer(_item_doc(request, node), content_type=STORAGE_TYPE.format(kind))
    props = st.storage.properties(str(ctx.repo), node.path)
    if wanted := [k for k in request.query["properties"].split(",") if k]:
        props = {k: v for k, v in props.items() if k in wanted}
    if not props:
        raise RegistryError(Code.NOT_FOUND, "No properties could be found.")
    doc = {"properties": props, "uri": f"{ctx.base}/artifactory/api/storage/{ctx.repo}/{node.path}"}
    return json_answer(doc, content_type=STORAGE_TYPE.format("ItemProperties"))


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
    """``GET /artifactory/{repo}/{path}``: a manifest or layer file of the layout."""
    node = _node(request)
    if node.folder:
        raise RegistryError(Code.BAD_REQUEST, "Expected file response but received a folder")
    path = state(request).storage.blob_path(str(node.digest))
    return web.FileResponse(path, headers={"Content-Type": node.mime, "X-Checksum-Sha256": str(node.digest)[7:]})


async def delete(request: web.Request) -> web.StreamResponse:
    """``DELETE /artifactory/{repo}/{image}[/{tag}]``: remove tags, then orphan manifests and layers."""
    ctx, st = context(request), state(request)
    layout = Layout(st.storage, str(ctx.repo))
    node = _node(request)
    if not node.folder:
        raise RegistryError(Code.BAD_REQUEST, "only image and tag folders can be deleted")
    if node.manifest is not None:
        await st.storage.delete_tag(str(ctx.repo), node.manifest.image, node.tag, node.manifest.digest)
    elif st.policy.delete_image_recursively:  # else only direct files go: an image folder has none
        below = [i for i in layout.images if node.path == "" or i == node.path or i.startswith(node.path + "/")]
        await st.storage.delete_images(str(ctx.repo), below)
    return web.Response(status=204)
