"""The catalogue's third part: Artifactory's own REST APIs and the last registry faults.

Promotion, the multi-arch parent lookup, the storage layout and item properties, a remote's
upstream errors and content negotiation of manifest lists.
"""

from __future__ import annotations

import json

from aiohttp import web

from ..errors import Code, RegistryError
from .catalogue import Handler, fault, on
from .rewrites import ignoring_query, json_body, status, without_request_header


async def repo_name_dropped(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    doc = json_body(response) if "properties" in request.query else None
    if isinstance(doc, dict) and isinstance(response, web.Response):
        doc.get("properties", {}).pop("docker.repoName", None)
        response.body = json.dumps(doc).encode()
    return response


async def curl_sample_path_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/artifactory/api/v2/"):
        raise RegistryError(Code.ROUTE_UNKNOWN, f"no route for {request.method} {request.path[:200]}")
    return await handler(request)


async def sha256_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    doc = json_body(response)
    if isinstance(doc, dict) and "checksums" in doc and isinstance(response, web.Response):
        for field in ("checksums", "originalChecksums"):
            doc[field] = {"sha256": doc[field]["sha256"]}
        response.body = json.dumps(doc).encode()
    return response


async def write_nothing(request: web.Request, handler: Handler) -> web.StreamResponse:
    return web.Response(status=204)


fault(
    "promote-skips-validation",
    "The promotion body is not validated: malformed JSON crashes the handler (500), copy is taken by "
    "truthiness, targetTag is not checked against the tag rule and an unknown tag is a silent no-op (200).",
    ("promotion",),
    validate_promotion=False,
)
fault(
    "promote-no-permission-check",
    "Promotion asks only for read on the source: a read-only user may deploy to the target and move.",
    ("promotion",),
    promotion_checks_permissions=False,
)
fault(
    "promote-ignores-target-tag",
    "Promotion ignores targetTag, as promote APIs predating it did: the tag keeps its source name.",
    ("promotion",),
    promotion_honours_target_tag=False,
)
fault(
    "promote-whole-image-latest-only",
    "Promotion without a tag promotes only latest (the Docker client's default tag), not every tag.",
    ("promotion",),
    promote_every_tag=False,
)
fault(
    "promote-copy-reserialized",
    "Promotion records the manifest re-serialized from its JSON: the target's tag has another digest.",
    ("promotion",),
    promotion_keeps_bytes=False,
)
fault(
    "promote-override-deletes-layers",
    "Promoting onto an existing tag removes the replaced image's layers from the target, even those "
    "its other tags still use.",
    ("promotion",),
    promotion_override_keeps_layers=False,
)
fault(
    "parent-lists-by-folder",
    "parentManifests looks for lists holding the tag's folder instead of its digest: a platform tagged "
    "on its own is reported in no list.",
    ("deletion",),
    parents_by_digest=False,
)
fault(
    "image-delete-not-recursive",
    "DELETE of an image folder answers 204 but removes only the files directly in it, not its tag folders.",
    ("deletion",),
    delete_image_recursively=False,
)
fault(
    "layout-colon-names",
    "The storage API names layer and config files sha256:<hex> rather than Artifactory's sha256__<hex>.",
    ("properties",),
    layout_colon_names=True,
)
fault(
    "remote-upstream-down-502",
    "A remote repository whose upstream cannot be reached answers 502 Bad Gateway for what it has not "
    "cached, instead of 404 MANIFEST_UNKNOWN.",
    ("remote",),
    upstream_down_not_found=False,
)
fault(
    "list-ignores-accept",
    "A manifest list or OCI index is served to a client whose Accept names only single-image types.",
    ("multiarch",),
    rewrites=(on("manifest", "GET", "HEAD")(without_request_header("Accept")),),
)
fault(
    "repo-name-property-missing",
    "Manifest items carry no docker.repoName property (an item copied in by an import that set only the "
    "manifest's own properties): searches and tools keyed on the image name find nothing.",
    ("properties",),
    rewrites=(on("storage", "GET")(repo_name_dropped),),
)
fault(
    "copy-leaves-target-unpullable",
    "Copy and move of a Docker folder record the tags in the target but not their layers: the target "
    "lists the image and its manifest, and a pull fails on the first layer.",
    ("promotion",),
    copy_keeps_layers=False,
)
fault(
    "aql-ignores-property-criteria",
    "AQL ignores @property criteria: items.find with a property criterion finds every item the other "
    "criteria match, so a cleanup script selects images it was told to keep.",
    ("properties",),
    aql_property_criteria=False,
)
fault(
    "aql-sort-reversed",
    "AQL's .sort reads $asc as $desc and $desc as $asc, so a cleanup script that keeps the newest N "
    "items deletes them instead.",
    ("properties",),
    aql_sort_honours_direction=False,
)
fault(
    "head-ping-404",
    "HEAD /api/system/ping answers 404 (the route serves GET only), so the documentation's own test, curl -I, "
    "reports the server down.",
    ("ping",),
    rewrites=(on("system-ping", "HEAD")(status(200, 404)),),
)
fault(
    "parent-lists-usage-path-404",
    "Find Parent Manifest Lists answers only at the curl sample's path (/api/docker/<repo>/v2/parentManifests): "
    "the path its Usage line documents, /api/v2/<repo>/parentManifests, is 404.",
    ("deletion",),
    rewrites=(on("parent-lists", "POST")(curl_sample_path_only),),
)
fault(
    "folder-delete-leaves-tags",
    "DELETE of a folder that is both a tag's folder and the folder of images below it (col/app/1: tag 1 of "
    "col/app, image col/app/1) removes the images and leaves the tag.",
    ("deletion",),
    folder_delete_takes_tags=False,
)
fault(
    "nested-image-hides-tag",
    "A tag folder that another image's tags lie below (col/app/1 with image col/app/1) lists only those "
    "folders in the storage API: the tag's manifest.json and layers are hidden.",
    ("properties",),
    layout_tag_beside_image=False,
)
fault(
    "property-writes-ignored",
    "Set, Delete and Update Item Properties answer 204 and change nothing.",
    ("properties",),
    rewrites=(on("properties", "PUT", "DELETE")(write_nothing), on("metadata", "PATCH")(write_nothing)),
)
fault(
    "property-set-replaces-all",
    "Set Item Properties replaces every property of the items it reaches with the ones given, so a CI job's "
    "qa.status=passed on a tag folder wipes the docker.* properties of its manifest.json.",
    ("properties",),
    set_properties_merges=False,
)
fault(
    "file-info-sha256-only",
    "File Info's checksums and originalChecksums carry only sha256, without the sha1 and md5 the "
    "documentation shows and client libraries read.",
    ("properties",),
    rewrites=(on("storage", "GET")(sha256_only),),
)
fault(
    "file-list-ignored",
    "?list is ignored: File List answers with the folder's info, which has no files.",
    ("properties",),
    rewrites=(on("storage", "GET")(ignoring_query("list")),),
)
fault(
    "item-stats-ignored",
    "?stats is ignored: Item Statistics answers with the item's info, which has no download count.",
    ("properties",),
    rewrites=(on("storage", "GET")(ignoring_query("stats")),),
)
