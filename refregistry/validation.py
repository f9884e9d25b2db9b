"""What a name, a tag, a digest and a manifest must look like before anything is stored."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import Code, RegistryError
from .mediatypes import FOREIGN_LAYERS, LIST_TYPES, MANIFEST_TYPES, OCI_INDEX, OCI_MANIFEST, SCHEMA1
from .storage import Ref
from .storage.blobs import DIGEST

NAME_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
NAME = re.compile(rf"{NAME_COMPONENT}(?:/{NAME_COMPONENT})*")
TAG = re.compile(r"[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}")
MAX_NAME = 255
SHA512 = re.compile(r"sha512:[a-f0-9]{128}")
# Deeper than any manifest or REST body Artifactory documents (a manifest list nests four
# levels); the limit keeps a body of brackets from exhausting the parser's recursion.
MAX_JSON_DEPTH = 64
# Descriptor sizes are 64-bit signed integers (OCI image-spec), as the metadata stores them.
MAX_SIZE = 2**63 - 1


class JsonInvalid(ValueError):
    """A request body refregistry does not take as JSON; the message says why."""


def load_json(raw: bytes) -> Any:
    """The JSON document of a request body: JsonInvalid unless it parses, nests at most
    MAX_JSON_DEPTH levels and its strings are Unicode text (no lone surrogates)."""
    try:
        doc = json.loads(raw)
    except RecursionError:
        raise JsonInvalid(f"body nests deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError:
        raise JsonInvalid("body is not JSON") from None
    pending: list[tuple[Any, int]] = [(doc, 0)]
    while pending:  # a loop, not recursion: the walk must not fail where the parser did not
        node, depth = pending.pop()
        if isinstance(node, str) and not _utf8(node):
            raise JsonInvalid("body holds a string that is not Unicode text (a lone surrogate)")
        if isinstance(node, dict | list):
            if depth == MAX_JSON_DEPTH:
                raise JsonInvalid(f"body nests deeper than {MAX_JSON_DEPTH} levels")
            children = [*node, *node.values()] if isinstance(node, dict) else node
            pending.extend((child, depth + 1) for child in children)
    return doc


def _utf8(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def check_name(name: str) -> str:
    if len(name) > MAX_NAME or not NAME.fullmatch(name):
        raise RegistryError(Code.NAME_INVALID, f"invalid repository name {name[:300]!r}", detail={"name": name[:300]})
    return name


def check_tag(tag: str) -> str:
    if not TAG.fullmatch(tag):
        raise RegistryError(Code.TAG_INVALID, f"invalid tag {tag[:200]!r}", detail={"tag": tag[:200]})
    return tag


def check_digest(digest: str) -> str:
    if not DIGEST.fullmatch(digest):
        raise RegistryError(Code.DIGEST_INVALID, f"invalid or unsupported digest {digest[:200]!r} (sha256 required)")
    return digest


def check_lookup(digest: str, absent: Code) -> str:
    """A digest content is looked up by (GET, HEAD, DELETE): a sha256 one, as ``check_digest``.  A
    well-formed sha512 digest is a valid name of content refregistry cannot hold (it stores sha256
    content only), so it is ``absent``: the spec's 404 for content not found, not a 400."""
    if SHA512.fullmatch(digest):
        raise RegistryError(
            absent, f"nothing is stored under {digest}: content is stored by sha256", detail={"digest": digest}
        )
    return check_digest(digest)


def is_digest(reference: str) -> bool:
    return ":" in reference


@dataclass
class ParsedManifest:
    media_type: str
    refs: list[Ref] = field(default_factory=list)
    config_digest: str | None = None
    subject: str | None = None
    artifact_type: str | None = None
    annotations: dict[str, str] | None = None


def _invalid(why: str) -> RegistryError:
    return RegistryError(Code.MANIFEST_INVALID, f"manifest invalid: {why}")


def _descriptor(doc: Any, where: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise _invalid(f"{where} is not a descriptor object")
    digest, size, media = doc.get("digest"), doc.get("size"), doc.get("mediaType")
    if not isinstance(digest, str) or not DIGEST.fullmatch(digest):
        raise _invalid(f"{where}.digest {digest!r} is not a sha256 digest")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_SIZE:
        raise _invalid(f"{where}.size must be a non-negative integer below 2^63")
    if not isinstance(media, str) or not media:
        raise _invalid(f"{where}.mediaType is required")
    return doc


def _platform(doc: dict[str, Any]) -> str | None:
    platform = doc.get("platform")
    if platform is None:
        return None
    if not isinstance(platform, dict):
        raise _invalid("platform must be an object")
    return json.dumps(platform, sort_keys=True)


def media_type_of(doc: dict[str, Any], content_type: str | None) -> str:
    declared = doc.get("mediaType")
    header = (content_type or "").split(";")[0].strip() or None
    if declared is not None and not isinstance(declared, str):
        raise _invalid("mediaType must be a string")
    if declared and header and header in MANIFEST_TYPES and declared != header:
        raise _invalid(f"mediaType {declared!r} does not match Content-Type {header!r}")
    media = declared or (header if header in MANIFEST_TYPES else None)
    if media is None:
        if doc.get("schemaVersion") == 1:
            media = SCHEMA1[0]
        elif "manifests" in doc:
            media = OCI_INDEX
        elif "config" in doc:
            media = OCI_MANIFEST
    if media not in MANIFEST_TYPES:
        raise _invalid(f"unsupported manifest media type {media!r}")
    return media


def parse_manifest(body: bytes, content_type: str | None) -> ParsedManifest:
    """Parse and structurally check a manifest; references are checked by the caller."""
    try:
        doc = load_json(body)
    except JsonInvalid as exc:
        raise _invalid(str(exc)) from None
    if not isinstance(doc, dict):
        raise _invalid("body is not a JSON object")
    media = media_type_of(doc, content_type)
    if media in SCHEMA1:
        return _schema1(doc, media)
    if doc.get("schemaVersion") != 2:
        raise _invalid("schemaVersion must be 2")
    parsed = ParsedManifest(media)
    annotations = doc.get("annotations")
    if annotations is not None and not isinstance(annotations, dict):
        raise _invalid("annotations must be an object")
    parsed.annotations = annotations
    artifact_type = doc.get("artifactType")
    if artifact_type is not None and not isinstance(artifact_type, str):
        raise _invalid("artifactType must be a string")
    if "subject" in doc and doc["subject"] is not None:
        parsed.subject = _descriptor(doc["subject"], "subject")["digest"]
    if media in LIST_TYPES:
        entries = doc.get("manifests")
        if not isinstance(entries, list):
            raise _invalid("manifests must be a list")
        for i, entry in enumerate(entries):
            d = _descriptor(entry, f"manifests[{i}]")
            parsed.refs.append(Ref(d["digest"], "manifest", d["size"], d["mediaType"], _platform(d)))
        parsed.artifact_type = artifact_type
        return parsed
    config = _descriptor(doc.get("config"), "config")
    layers = doc.get("layers")
    if not isinstance(layers, list):
        raise _invalid("layers must be a list")
    parsed.config_digest = config["digest"]
    parsed.refs.append(Ref(config["digest"], "config", config["size"], config["mediaType"]))
    for i, layer in enumerate(layers):
        d = _descriptor(layer, f"layers[{i}]")
        kind = "foreign" if d["mediaType"] in FOREIGN_LAYERS or d.get("urls") else "layer"
        parsed.refs.append(Ref(d["digest"], kind, d["size"], d["mediaType"]))
    # OCI 1.1: an artifact's type is artifactType, else its config's media type.
    parsed.artifact_type = artifact_type or config["mediaType"]
    return parsed


def _schema1(doc: dict[str, Any], media: str) -> ParsedManifest:
    layers = doc.get("fsLayers")
    if not isinstance(layers, list) or not layers:
        raise _invalid("schema1 manifest without fsLayers")
    parsed = ParsedManifest(media)
    for i, layer in enumerate(layers):
        digest = layer.get("blobSum") if isinstance(layer, dict) else None
        if not isinstance(digest, str) or not DIGEST.fullmatch(digest):
            raise _invalid(f"fsLayers[{i}].blobSum is not a sha256 digest")
        if all(r.child != digest for r in parsed.refs):
            parsed.refs.append(Ref(digest, "layer", -1, "application/vnd.docker.container.image.rootfs.diff+x-gtar"))
    return parsed


def labels_of(config_json: bytes | None) -> dict[str, str]:
    """The image's LABELs from its config blob (Docker and OCI both use config.Labels)."""
    if not config_json:
        return {}
    try:
        doc = load_json(config_json)
    except JsonInvalid:
        return {}
    config = doc.get("config") if isinstance(doc, dict) else None
    labels = config.get("Labels") if isinstance(config, dict) else None
    if not isinstance(labels, dict):
        return {}
    return {str(k): str(v) for k, v in labels.items()}
