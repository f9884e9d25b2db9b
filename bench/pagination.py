"""Listing cost with scale: a page of 100 of tags/list and _catalog at 1,000 to 100,000 names,
refregistry beside the CNCF registry (manifest GET requests per second: bench/manifest_rps.py).

Run it from the project root (about 11 minutes with the defaults on a busy 2-core machine, most
of it filling and removing 100,000 names)::

    .venv/bin/python -m bench.pagination                 # or: make bench (after the throughput run)
    .venv/bin/python -m bench.pagination --sizes 1000,10000 --rounds 50

This is a benchmark, not a test: it prints figures and never fails on them.  For each size N, a
fresh pair of data directories is filled, behind the servers' backs and before they start, with
one image (``bench/tags``) carrying N tags of one manifest and N more images (``bench/imgNNNNNN``):

* refregistry through its ``Storage`` (``push_manifest``, one transaction per tag or image, as a
  push records it), in ``docker-local``;
* the CNCF registry (``/usr/bin/docker-registry``, filesystem storage) by writing its layout:
  the blobs, and for ``bench/tags`` its ``_layers`` and revision links and a
  ``_manifests/tags/<tag>/current/link`` per tag; each ``bench/imgNNNNNN`` is only the ``_layers``
  folder its catalog walk looks for (a repository is a folder holding one).

Then both servers start (bench/servers.py) and, on one keep-alive connection each, the median of
``--rounds`` requests (after 3 untimed; fewer, at least 3, past 10 s) is taken for: the first
page (``?n=100``) and a page from the middle (``&last=`` the name at N/2) of ``bench/tags``'s
tags/list, and the same two of ``/v2/_catalog``.  The CNCF registry 2.8 answers tags/list whole
whatever ``n`` is (the "names" column says how many came back); its catalog pages by walking its
folders.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from bench.load import latency
from bench.servers import DOCKER_REGISTRY, Target, cncf_registry, refregistry
from fixtures.content import images
from refregistry.storage import Storage
from refregistry.validation import parse_manifest

PAGE = 100
BUDGET = 10.0  # seconds of timed requests per page at most (a CNCF catalog page at 100,000 takes seconds)
IMAGE = images.image("bench-pagination")
TAGS = "bench/tags"
ACCEPT = {"Accept": IMAGE.manifest.media_type}


def tag_name(i: int) -> str:
    return f"t{i:06d}"


def image_name(i: int) -> str:
    return f"bench/img{i:06d}"


# -- filling ---------------------------------------------------------------------------------
async def fill_refregistry(data: Path, size: int) -> None:
    storage = Storage(data)
    body = IMAGE.manifest.data
    parsed = parse_manifest(body, IMAGE.manifest.media_type)
    for blob in IMAGE.blobs:
        upload = storage.start_upload("docker-local", TAGS)
        await storage.append_upload(upload, _once(blob.data))
        storage.commit_upload(upload, blob.digest)
    for i in range(size):
        await storage.push_manifest("docker-local", TAGS, tag_name(i), body, parsed, {})
    for i in range(size):
        await storage.push_manifest("docker-local", image_name(i), "1", body, parsed, {})
    storage.close()


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _link(path: Path, digest: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    (path / "link").write_text(digest)


def fill_cncf(root: Path, size: int) -> None:
    v2 = root / "docker" / "registry" / "v2"
    for blob in (*IMAGE.blobs, IMAGE.manifest):
        hexpart = blob.digest.split(":", 1)[1]
        folder = v2 / "blobs" / "sha256" / hexpart[:2] / hexpart
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "data").write_bytes(blob.data)
    repo = v2 / "repositories" / TAGS
    for blob in IMAGE.blobs:
        _link(repo / "_layers" / "sha256" / blob.digest.split(":", 1)[1], blob.digest)
    _link(repo / "_manifests" / "revisions" / "sha256" / IMAGE.digest.split(":", 1)[1], IMAGE.digest)
    tags = repo / "_manifests" / "tags"
    for i in range(size):
        _link(tags / tag_name(i) / "current", IMAGE.digest)
    for i in range(size):
        (v2 / "repositories" / image_name(i) / "_layers").mkdir(parents=True)


# -- measuring -------------------------------------------------------------------------------
def pages(target: Target, size: int, rounds: int) -> dict[str, tuple[float, int]]:
    """(median seconds, names answered) by listing page, for a target filled with ``size`` names."""
    prefix = "docker-local/" if target.name == "refregistry" else ""
    listings = {
        "tags/list": (f"{target.root}/{TAGS}/tags/list", "tags", tag_name(size // 2)),
        "_catalog": ("/v2/_catalog", "repositories", prefix + image_name(size // 2)),
    }
    found = {}
    for listing, (path, key, middle) in listings.items():
        for where, query in (("first", {"n": PAGE}), ("middle", {"n": PAGE, "last": middle})):
            seconds, body = latency(target, f"{path}?{urlencode(query)}", rounds, BUDGET)
            found[f"{listing} {where}"] = (seconds, len(json.loads(body)[key]))
    return found


@contextmanager
def filled(size: int) -> Iterator[tuple[Target, Target]]:
    workdir = Path(tempfile.mkdtemp(prefix=f"registry-pages-{size}-"))
    try:
        started = time.monotonic()
        asyncio.run(fill_refregistry(workdir / "refregistry-data", size))
        fill_cncf(workdir / "cncf-data", size)
        print(f"{size:>7} names: filled in {time.monotonic() - started:.0f} s", flush=True)
        with refregistry(workdir) as ours, cncf_registry(workdir) as theirs:
            yield ours, theirs
    finally:
        # rm is several times faster than shutil.rmtree at a few hundred thousand folders
        subprocess.run(["rm", "-rf", str(workdir)], check=False)


def report(results: dict[int, dict[str, dict[str, tuple[float, int]]]], rounds: int) -> None:
    print(
        f"\npage of n={PAGE}: median of {rounds} requests (or of 10 s of them), ms;"
        " ratio = CNCF / refregistry (above 1: refregistry faster)"
    )
    header = (
        f"{'names':>7}  {'page':<17}  {'refregistry ms':>14}  {'CNCF ms':>8}  {'ratio':>6}"
        f"  {'names answered (ours / CNCF)':>28}"
    )
    print(header)
    print("-" * len(header))
    for size, by_target in results.items():
        ours, theirs = by_target["refregistry"], by_target["CNCF"]
        for page, (seconds, count) in ours.items():
            other, other_count = theirs[page]
            print(
                f"{size:>7}  {page:<17}  {seconds * 1e3:14.2f}  {other * 1e3:8.2f}  {other / seconds:6.2f}"
                f"  {f'{count} / {other_count}':>28}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="names per listing (default 1000,10000,100000)")
    parser.add_argument("--rounds", type=int, default=20, help="timed requests per page (default 20)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not sizes or min(sizes) < 2 or args.rounds < 1:
        parser.error("sizes must be at least 2 and --rounds at least 1")
    if not Path(DOCKER_REGISTRY).exists():
        parser.error(f"{DOCKER_REGISTRY} is missing (Debian package docker-registry)")
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    started = time.monotonic()
    results: dict[int, dict[str, dict[str, tuple[float, int]]]] = {}
    for size in sizes:
        with filled(size) as (ours, theirs):
            results[size] = {t.name: pages(t, size, args.rounds) for t in (ours, theirs)}
    report(results, args.rounds)
    print(f"\ntotal {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
