"""Artifactory's names for the items of a Docker repository, derived from the metadata.

``<image>/<tag>/manifest.json`` (``list.manifest.json`` for a manifest list) holds a tagged
manifest, ``<image>/sha256:<hex>/`` one without a tag; the config and layers are the files
``sha256__<hex>`` beside it.  Item properties are keyed by these paths.
"""

from __future__ import annotations

from ..mediatypes import LIST_TYPES


def manifest_file(media_type: str) -> str:
    return "list.manifest.json" if media_type in LIST_TYPES else "manifest.json"


def item_path(image: str, tag: str | None, digest: str, media_type: str) -> str:
    """The path of a manifest item: in its tag's folder, or in its digest's without a tag."""
    folder = tag if tag is not None else digest
    return f"{image}/{folder}/{manifest_file(media_type)}"


def blob_file(digest: str, *, colon: bool = False) -> str:
    """A layer or config file's name: ``sha256__<hex>`` (a colon is no file name character everywhere).

    ``colon`` keeps the digest as it is (``Policy.layout_colon_names``).
    """
    return digest if colon else digest.replace(":", "__")
