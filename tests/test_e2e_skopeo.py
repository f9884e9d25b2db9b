"""End to end with skopeo: a two-platform OCI index goes up from a layout and comes back byte for byte.

skopeo runs with a private HOME, XDG directories and TMPDIR and ``--insecure-policy``, so it
reads and writes nothing global; ``--*-tls-verify=false`` lets it fall back to plain HTTP.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from tests.conftest import ADMIN

pytestmark = pytest.mark.skopeo

CREDS = ":".join(ADMIN)
TIMEOUT = 120


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A private directory for layouts and skopeo's state, removed even when the test fails."""
    with tempfile.TemporaryDirectory(prefix="refconf-skopeo-") as tmp:
        yield Path(tmp)


@pytest.fixture
def skopeo() -> list[str]:
    """``skopeo copy --all`` without policy files or retries (its state dirs come from run_skopeo)."""
    binary = shutil.which("skopeo")
    if binary is None:
        pytest.fail("skopeo is not installed: run `make setup`", pytrace=False)
    return [binary, "--insecure-policy", "copy", "--all", "--retry-times", "0"]


def run_skopeo(command: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    dirs = {name: home / name for name in ("home", "config", "data", "cache", "runtime", "tmp")}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(dirs["home"]),
        "XDG_CONFIG_HOME": str(dirs["config"]),
        "XDG_DATA_HOME": str(dirs["data"]),
        "XDG_CACHE_HOME": str(dirs["cache"]),
        "XDG_RUNTIME_DIR": str(dirs["runtime"]),
        "TMPDIR": str(dirs["tmp"]),
    }
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=TIMEOUT, check=False)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stderr}"
    return result


def blob_files(layout: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (layout / "blobs" / "sha256").iterdir()}


def test_copy_index_up_and_back_is_byte_identical(
    skopeo: list[str], server: RefRegistryProcess, registry: RegistryClient, scratch: Path
) -> None:
    """skopeo copy --all layout -> registry -> layout: same index, manifests and blobs, byte for byte."""
    idx = images.index(
        [images.image(1, platform="linux/amd64", oci=True), images.image(2, platform="linux/arm64/v8", oci=True)]
    )
    source = images.write_oci_layout(scratch / "source", idx, "multi")
    remote = f"docker://{server.url.removeprefix('http://')}/docker-local/multi:1"
    state = scratch / "skopeo-state"

    run_skopeo([*skopeo, "--dest-tls-verify=false", "--dest-creds", CREDS, f"oci:{source}:multi", remote], state)

    served = registry.manifest("multi", "1", accept=images.OCI_INDEX)
    assert served.status_code == 200
    assert served.headers["Content-Type"] == images.OCI_INDEX
    assert served.headers["Docker-Content-Digest"] == idx.digest
    assert served.content == idx.manifest.data

    back = scratch / "back"
    run_skopeo([*skopeo, "--src-tls-verify=false", "--src-creds", CREDS, remote, f"oci:{back}:multi"], state)

    top = json.loads((back / "index.json").read_bytes())
    [entry] = top["manifests"]
    assert entry["digest"] == idx.digest
    assert entry["annotations"]["org.opencontainers.image.ref.name"] == "multi"
    every = [idx.manifest, *(blob for image in idx.images for blob in (image.manifest, *image.blobs))]
    expected = {blob.digest.split(":", 1)[1]: blob.data for blob in every}
    assert blob_files(back) == expected
    assert blob_files(back) == blob_files(source)


def test_delete_asks_for_every_action_and_removes_the_tag(
    server: RefRegistryProcess, registry: RegistryClient, scratch: Path
) -> None:
    """skopeo delete asks its token for "*": it must read the tag and delete the manifest (issue 17)."""
    registry.push(images.image("skopeo-delete"), "gone", "1").raise_for_status()
    remote = f"docker://{server.url.removeprefix('http://')}/docker-local/gone:1"
    delete = [str(shutil.which("skopeo")), "--insecure-policy", "delete", "--tls-verify=false", "--creds", CREDS]
    run_skopeo([*delete, remote], scratch / "skopeo-state")
    assert registry.manifest("gone", "1").status_code == 404
