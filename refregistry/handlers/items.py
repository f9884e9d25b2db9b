"""The files and folders below a path of a repository, as the storage API shows them (layout.py).

AQL searches them and copy/move counts them.  The walk keeps its own stack, so a deep folder
tree costs no recursion.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..aql import Item
from ..storage import Storage
from .layout import Layout, Node


def walk(layout: Layout, path: str = "") -> Iterator[Node]:
    """Every node below ``path`` (the node at ``path`` itself first); nothing if it does not exist."""
    pending = [path.strip("/")]
    while pending:
        node = layout.node(pending.pop())
        if node is None:
            continue
        yield node
        if node.folder:
            pending.extend(f"{node.path}/{name}" if node.path else name for name, _ in reversed(node.children))


def items(storage: Storage, repo: str, *, colon_names: bool = False) -> list[Item]:
    """Every file and folder of ``repo`` with its properties; a folder without a manifest of its own
    (an image or a namespace) dates from the oldest item below it."""
    nodes = [n for n in walk(Layout(storage, repo, colon_names=colon_names)) if n.path]
    oldest: dict[str, float] = {}
    for node in nodes:
        parts = node.path.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if node.created and (folder not in oldest or node.created < oldest[folder]):
                oldest[folder] = node.created
    return [
        Item(
            repo,
            node.path.rpartition("/")[0] or ".",
            node.path.rpartition("/")[2],
            "folder" if node.folder else "file",
            0 if node.folder else node.size,
            node.created or oldest.get(node.path, 0.0),
            storage.properties(repo, node.path),
        )
        for node in nodes
    ]
