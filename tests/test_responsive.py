"""Long storage work runs off the event loop: the server keeps answering while it goes on."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from fixtures.content import images
from refregistry.storage import Storage
from refregistry.storage.blobs import BlobStore
from refregistry.validation import parse_manifest
from tests.conftest import ADMIN, StartServer
from tests.test_crash import wait_until

MANIFESTS, LAYERS = 40, 500  # 20 000 blob files in the trash can: emptying it is long work


def blob_files(data: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(data / "blobs"))


async def fill_trash(data: Path) -> None:
    """Push MANIFESTS images of LAYERS tiny layers each, then delete their tags: all to the trash can."""
    storage, files = Storage(data), BlobStore(data)
    for n in range(MANIFESTS):
        config = images.Blob(images.canonical({"n": n}), images.DOCKER_CONFIG)
        layers = [images.Blob(f"{n}-{i}".encode(), images.DOCKER_LAYER) for i in range(LAYERS)]
        for blob in (config, *layers):
            files.put_bytes(blob.data)
        doc = {
            "schemaVersion": 2,
            "mediaType": images.DOCKER_MANIFEST,
            "config": config.descriptor(),
            "layers": [b.descriptor() for b in layers],
        }
        body = images.canonical(doc)
        digest = await storage.push_manifest(
            "docker-local", "app", f"v{n}", body, parse_manifest(body, images.DOCKER_MANIFEST), {}
        )
        await storage.delete_tag("docker-local", "app", f"v{n}", digest)
    storage.close()


def test_ping_answers_while_the_trash_can_is_emptied(tmp_path: Path, start_server: StartServer) -> None:
    """A ping sent while a large trash can is being emptied is answered before the emptying ends.

    Were the emptying on the event loop, the ping would wait for all of it: its answer would come
    after the last file had gone.
    """
    data = tmp_path / "rr"
    asyncio.run(fill_trash(data))
    held = blob_files(data)
    assert held == MANIFESTS * (LAYERS + 2)
    server = start_server()
    with ThreadPoolExecutor(1) as pool:
        emptying = pool.submit(requests.post, f"{server.url}/artifactory/api/trash/empty", auth=ADMIN, timeout=300)
        wait_until(lambda: blob_files(data) < held, timeout=120)  # the emptying is under way
        ping = requests.get(f"{server.url}/artifactory/api/system/ping", timeout=30)
        left, finished = blob_files(data), emptying.done()
        assert (ping.status_code, ping.text) == (200, "OK")
        assert left > 0 and not finished, "the ping was answered only once the emptying was over"
        assert emptying.result().status_code == 204
    assert blob_files(data) == 0
