"""Blob files and uploads, SQLite metadata, and what deleting a manifest takes with it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from fixtures.content import images
from refregistry.mediatypes import DOCKER_MANIFEST
from refregistry.storage import Manifest, Ref, Storage
from refregistry.storage.blobs import CHUNK, BlobStore, sha256_digest
from refregistry.storage.meta import Metadata
from refregistry.validation import parse_manifest


async def stream(*chunks: bytes, cut: type[BaseException] | None = None) -> AsyncIterator[bytes]:
    """A request body; with ``cut``, the connection fails after the chunks."""
    for chunk in chunks:
        yield chunk
    if cut is not None:
        raise cut("peer went away")


def append(store: BlobStore, upload_id: str, chunks: AsyncIterator[bytes], limit: int | None = None) -> int:
    return asyncio.run(store.append(upload_id, chunks, limit))


@pytest.mark.parametrize("commit", [True, False])
def test_upload_ends_in_commit_or_cancel(tmp_path: Path, commit: bool) -> None:
    """A committed upload becomes the blob under its digest, a cancelled one vanishes; the spool goes."""
    store = BlobStore(tmp_path)
    upload_id = store.start_upload()
    assert append(store, upload_id, stream(b"hello ", b"world")) == 11
    digest = store.upload_digest(upload_id)
    assert digest == sha256_digest(b"hello world") and store.size(digest) is None
    if commit:
        store.commit_upload(upload_id, digest)
    else:
        store.cancel_upload(upload_id)
    assert store.read(digest, 100) == (b"hello world" if commit else None)
    assert store.upload_size(upload_id) is None
    assert list((tmp_path / "uploads").iterdir()) == []


@pytest.mark.parametrize("parts", [[[b""]], [[b"a"], [b"b", b"c"]], [[b"x" * (CHUNK + 7)], [], [b"y" * 3, b"z"]]])
def test_upload_digest_across_appends(tmp_path: Path, parts: list[list[bytes]]) -> None:
    """The running digest and size always match everything appended so far."""
    store = BlobStore(tmp_path)
    upload_id, seen = store.start_upload(), b""
    for chunks in parts:
        append(store, upload_id, stream(*chunks))
        seen += b"".join(chunks)
        assert (store.upload_size(upload_id), store.upload_digest(upload_id)) == (len(seen), sha256_digest(seen))


@pytest.mark.parametrize(
    ("chunks", "limit", "cut", "match"),
    [
        ([b"abc"], 4, None, "chunk length 3 does not match Content-Range length 4"),
        ([b"abc", b"def"], 4, None, "does not match Content-Range length 4"),
        ([b"abcdef"], 3, None, "does not match Content-Range length 3"),
        ([], 1, None, "chunk length 0"),
        ([b"half"], None, ConnectionResetError, "peer went away"),
        ([b"ab", b"cd"], 10, ConnectionResetError, "peer went away"),
        ([b"half"], None, asyncio.CancelledError, "peer went away"),
    ],
)
def test_failed_append_is_undone(
    tmp_path: Path, chunks: list[bytes], limit: int | None, cut: type[BaseException] | None, match: str
) -> None:
    """A wrong-length chunk or a body cut mid-stream leaves the upload at its previous size and hash."""
    store = BlobStore(tmp_path)
    upload_id = store.start_upload()
    append(store, upload_id, stream(b"prefix"))
    with pytest.raises(cut or ValueError, match=match):
        append(store, upload_id, stream(*chunks, cut=cut), limit)
    assert (store.upload_size(upload_id), store.upload_digest(upload_id)) == (6, sha256_digest(b"prefix"))
    append(store, upload_id, stream(b"-more"), 5)
    assert store.upload_digest(upload_id) == sha256_digest(b"prefix-more")


def test_restart_rebuilds_running_hash(tmp_path: Path) -> None:
    """A new BlobStore on the same directory resumes an upload with the right digest."""
    before = BlobStore(tmp_path)
    upload_id = before.start_upload()
    append(before, upload_id, stream(b"first "))
    after = BlobStore(tmp_path)
    assert after.upload_digest(upload_id) == sha256_digest(b"first ")
    append(after, upload_id, stream(b"second"))
    assert after.upload_digest(upload_id) == sha256_digest(b"first second")
    after.commit_upload(upload_id, after.upload_digest(upload_id))
    assert after.read(sha256_digest(b"first second"), 100) == b"first second"


def test_start_removes_stray_tmp_files(tmp_path: Path) -> None:
    """Half-written files in tmp/ are removed at start; upload spools are kept."""
    store = BlobStore(tmp_path)
    upload_id = store.start_upload()
    for name in ("abc", ".hidden", "0" * 32):
        (tmp_path / "tmp" / name).write_bytes(b"partial")
    BlobStore(tmp_path)
    assert list((tmp_path / "tmp").iterdir()) == []
    assert store.upload_size(upload_id) == 0


@pytest.fixture
def meta(tmp_path: Path) -> Iterator[Metadata]:
    db = Metadata(tmp_path / "registry.db")
    yield db
    db.close()


def digest(n: int) -> str:
    return f"sha256:{n:064x}"


def put(meta: Metadata, n: int, tag: str | None, props: dict[str, list[str]], repo: str = "docker-local") -> Manifest:
    """Record manifest n of docker-local/app (config 100+n, layer 200+n)."""
    m = Manifest(repo, "app", digest(n), DOCKER_MANIFEST, 500 + n)
    refs = [Ref(digest(100 + n), "config", 10, "c"), Ref(digest(200 + n), "layer", 20, "l")]
    meta.put_manifest(m, refs, tag, props)
    return m


def test_put_manifest_records_refs_tag_properties(meta: Metadata) -> None:
    """A manifest PUT records the manifest, its references, its tag, its item's properties."""
    m = put(meta, 1, "v1", {"docker.manifest": ["v1"], "k": ["b", "a"]})
    stored = meta.manifest("docker-local", "app", m.digest)
    assert stored is not None and stored.created > 0
    assert stored == Manifest(**{**m.__dict__, "created": stored.created})
    assert [(r.child, r.kind) for r in meta.refs("docker-local", "app", m.digest)] == [
        (digest(101), "config"),
        (digest(201), "layer"),
    ]
    assert meta.resolve("docker-local", "app", "v1") == m.digest
    assert meta.properties("docker-local", "app/v1/manifest.json") == {"docker.manifest": ["v1"], "k": ["a", "b"]}
    assert meta.has_blob("docker-local", digest(201)) and not meta.has_blob("docker-dev-local", digest(201))
    assert meta.has_image("docker-local", "app") and not meta.has_image("docker-local", "other")


def test_tags_and_untag(meta: Metadata) -> None:
    """tags() lists in tag order; untag drops the tag and its properties, not the manifest."""
    put(meta, 2, "b", {"p": ["2"]})
    put(meta, 1, "a", {"p": ["1"]})
    assert meta.tags("docker-local", "app") == [("a", digest(1)), ("b", digest(2))]
    assert [t for t, _ in meta.tags("docker-local", "app", by_push=True)] == ["b", "a"]
    assert meta.untag("docker-local", "app", "a") == digest(1)
    assert meta.untag("docker-local", "app", "a") is None
    assert meta.resolve("docker-local", "app", "a") is None
    assert meta.properties("docker-local", "app/a/manifest.json") == {}
    assert meta.manifest("docker-local", "app", digest(1)) is not None
    assert meta.has_image("docker-local", "app")


def test_untag_keeps_properties_of_a_tag_differing_in_case(meta: Metadata) -> None:
    """Untagging v1 leaves the properties of tag V1 alone."""
    put(meta, 1, "v1", {"p": ["lower"]})
    put(meta, 2, "V1", {"p": ["upper"]})
    meta.untag("docker-local", "app", "v1")
    assert meta.properties("docker-local", "app/V1/manifest.json") == {"p": ["upper"]}


def test_tag_history_accumulates(meta: Metadata) -> None:
    """Every push of a tag adds a history row, oldest first; the tag points at the latest."""
    for n in (1, 2, 2):
        put(meta, n, "latest", {})
    rows = meta.db.execute("SELECT tag, digest FROM tag_history WHERE repo='docker-local' ORDER BY id").fetchall()
    assert rows == [("latest", digest(1)), ("latest", digest(2)), ("latest", digest(2))]
    assert meta.resolve("docker-local", "app", "latest") == digest(2)


def test_delete_manifest_removes_tags_refs_properties(meta: Metadata) -> None:
    """Deleting a manifest drops every tag on it, its references and its properties."""
    m = put(meta, 1, "v1", {"p": ["1"]})
    meta.put_manifest(m, [], "v2", {"p": ["2"]})
    refs = meta.delete_manifest("docker-local", "app", m.digest)
    assert [r.child for r in refs] == [digest(101), digest(201)]
    assert meta.tags("docker-local", "app") == [] and meta.refs("docker-local", "app", m.digest) == []
    assert meta.properties("docker-local", "app/v1/manifest.json") == meta.properties("docker-local", "app/v2/x") == {}
    assert not meta.has_image("docker-local", "app")


ITEM = "app/{}/manifest.json"


@pytest.mark.parametrize(
    ("wanted", "repos", "found"),
    [
        ({"a": ["1"]}, None, [("docker-dev-local", ITEM.format("v1")), ("docker-local", ITEM.format("v1"))]),
        ({"a": ["1", "2"]}, ["docker-local"], [("docker-local", ITEM.format(t)) for t in ("v1", "v2")]),
        ({"a": ["1"], "b": ["x", "y"]}, None, [("docker-local", ITEM.format("v1"))]),
        ({"b": []}, None, [("docker-local", ITEM.format("v1"))]),
        ({"a": [], "c": []}, None, [("docker-dev-local", ITEM.format("v1"))]),
        ({"a": ["3"]}, None, []),
        ({"nope": []}, None, []),
        ({"a": []}, ["docker-prod-local"], []),
    ],
)
def test_search_properties(meta: Metadata, wanted: dict[str, list[str]], repos: list[str] | None, found: list) -> None:
    """Items must have every key, with any one of its values (no values: any value), in the repos."""
    put(meta, 1, "v1", {"a": ["1"], "b": ["x"]})
    put(meta, 2, "v2", {"a": ["2"]})
    put(meta, 3, "v1", {"a": ["1"], "c": ["z"]}, repo="docker-dev-local")
    assert meta.search_properties(wanted, repos) == found


def store(storage: Storage, content: images.Image | images.Index, tag: str | None, repo: str = "docker-local") -> str:
    """What a push stores: the blobs, uploaded, then the manifest."""
    for blob in getattr(content, "blobs", ()):
        upload_id = storage.start_upload(repo, "app")
        asyncio.run(storage.append_upload(upload_id, stream(blob.data)))
        storage.commit_upload(upload_id, blob.digest)
    body = content.manifest.data
    parsed = parse_manifest(body, content.manifest.media_type)
    return asyncio.run(storage.push_manifest(repo, "app", tag, body, parsed, {}))


def on_disk(storage: Storage, *blobs: images.Blob | images.Image | images.Index) -> list[bool]:
    return [storage.blob_path(b.digest).exists() for b in blobs]


@pytest.mark.parametrize("keep_shared", [True, pytest.param(False, id="delete-shared-blobs-fault")])
def test_shared_layer_survives_until_last_manifest(tmp_path: Path, keep_shared: bool) -> None:
    """A layer two manifests share outlives the first delete; its file goes with the last one."""
    storage = Storage(tmp_path, keep_shared_blobs=keep_shared, trashcan=False)
    base = images.layer("base")
    one, two = images.image("one", shared=(base,)), images.image("two", shared=(base,))
    store(storage, one, "one")
    store(storage, two, "two")
    assert asyncio.run(storage.delete_manifest("docker-local", "app", one.digest)) == [one.digest]
    assert on_disk(storage, one, one.config, one.layers[-1]) == [False, False, False]
    assert on_disk(storage, base, two, two.config, two.layers[-1]) == [keep_shared, True, True, True]
    assert (storage.blob_size("docker-local", base.digest) is not None) is keep_shared
    asyncio.run(storage.delete_manifest("docker-local", "app", two.digest))
    assert on_disk(storage, base, two, *two.blobs) == [False] * 5
    assert storage.blob_size("docker-local", base.digest) is None
    storage.close()


@pytest.mark.parametrize("cascade", [True, False])
def test_list_delete_cascades_to_untagged_members(tmp_path: Path, cascade: bool) -> None:
    """Deleting a list removes its untagged members (with cascade); a tagged member stays."""
    storage = Storage(tmp_path, trashcan=False)
    loose, tagged = images.image("loose"), images.image("tagged", platform="linux/arm64")
    top = images.index([loose, tagged])
    store(storage, loose, None)
    store(storage, tagged, "arm")
    store(storage, top, "latest")
    removed = asyncio.run(storage.delete_manifest("docker-local", "app", top.digest, cascade=cascade))
    assert removed == ([top.digest, loose.digest] if cascade else [top.digest])
    assert (storage.manifest("docker-local", "app", loose.digest) is None) is cascade
    assert on_disk(storage, top, loose, *loose.blobs) == [False] + [not cascade] * 3
    assert storage.manifest("docker-local", "app", tagged.digest) is not None
    assert on_disk(storage, tagged, *tagged.blobs) == [True] * 3
    storage.close()


def test_blob_shared_across_repositories(tmp_path: Path) -> None:
    """A blob and manifest held by two repositories stay until the second lets go."""
    storage = Storage(tmp_path, trashcan=False)
    img = images.image("both")
    for repo in ("docker-local", "docker-dev-local"):
        store(storage, img, "v1", repo)
    asyncio.run(storage.delete_manifest("docker-local", "app", img.digest))
    assert storage.blob_size("docker-local", img.layers[0].digest) is None
    assert storage.blob_size("docker-dev-local", img.layers[0].digest) == len(img.layers[0].data)
    assert on_disk(storage, img, *img.blobs) == [True] * 3
    asyncio.run(storage.delete_manifest("docker-dev-local", "app", img.digest))
    assert on_disk(storage, img, *img.blobs) == [False] * 3
    storage.close()


def test_trash_holds_files_until_emptied_and_restores_tags(tmp_path: Path) -> None:
    """A removed tag's manifest and layers stay on disk in the trash; restore brings the tag back."""
    storage = Storage(tmp_path)
    img = images.image("trashed")
    store(storage, img, "v1")
    asyncio.run(storage.delete_tag("docker-local", "app", "v1", img.digest))
    assert storage.resolve("docker-local", "app", "v1") is None
    assert on_disk(storage, img, *img.blobs) == [True] * 3
    assert storage.restore("docker-local", "app", "v1")
    assert storage.resolve("docker-local", "app", "v1") == img.digest
    assert storage.blob_size("docker-local", img.layers[0].digest) == len(img.layers[0].data)
    asyncio.run(storage.delete_tag("docker-local", "app", "v1", img.digest))
    asyncio.run(storage.empty_trash())
    assert on_disk(storage, img, *img.blobs) == [False] * 3
    assert not storage.restore("docker-local", "app", "v1")
    storage.close()


@pytest.mark.parametrize("pushed_before", [False, True], ids=["new-bytes", "bytes-another-repo-holds"])
def test_manifest_the_transaction_refuses_leaves_no_bytes(tmp_path: Path, pushed_before: bool) -> None:
    """A push whose metadata cannot be written takes back the manifest file it wrote, never one held before."""
    storage = Storage(tmp_path, trashcan=False)
    image = images.image("refused")
    if pushed_before:
        store(storage, image, "1", repo="docker-dev-local")
    body = image.manifest.data
    parsed = parse_manifest(body, image.manifest.media_type)
    # Past what validation lets through: SQLite cannot hold the size, so the transaction fails.
    parsed.refs[0] = replace(parsed.refs[0], size=2**63)
    with pytest.raises(OverflowError):
        asyncio.run(storage.push_manifest("docker-local", "app", "1", body, parsed, {}))
    assert on_disk(storage, image) == [pushed_before]
    assert storage.manifest("docker-local", "app", image.digest) is None
    storage.close()
