"""Server configuration as refregistry holds it: users, anonymous access, repositories, permissions.

``refregistry/configfile.py`` reads it from YAML shaped like Artifactory's own configuration;
``default_config()`` is what a fresh Artifactory ships.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ACTIONS = ("read", "annotate", "deploy", "delete")
ANONYMOUS = "anonymous"
PROXY_METHODS = ("REPOPATHPREFIX", "SUBDOMAIN", "PORTPERREPO")
REPO_KEY = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
# Artifactory's defaults for its Docker ``_uploads`` clean-up job (artifactory.docker.cleanup.*):
# what was last written a day ago goes, and the job runs once a day.
UPLOAD_MAX_AGE = 24 * 3600.0
UPLOAD_SWEEP_INTERVAL = 24 * 3600.0


class ConfigError(ValueError):
    """A configuration mistake, worded for one line on stderr."""


@dataclass(frozen=True)
class LocalRepo:
    key: str
    docker_api_version: str = "V2"
    max_unique_tags: int = 0
    tag_retention: int = 1
    block_schema1: bool = True


@dataclass(frozen=True)
class VirtualRepo:
    """Artifactory's virtual repository: members in resolution order, where pushes go."""

    key: str
    repositories: tuple[str, ...]
    default_deployment: str | None = None
    by_timestamp: bool = False  # resolveDockerTagsByTimestamp: the newest tag of the members wins


@dataclass(frozen=True)
class RemoteRepo:
    """Artifactory's remote repository: a pull-through cache of the registry at ``url``."""

    key: str
    url: str
    username: str | None = None
    password: str | None = None
    # Metadata Retrieval Cache Period: how long a cached tag is served before upstream is asked again.
    retrieval_cache_secs: int = 7200
    offline: bool = False  # serve only what is cached, never ask upstream
    socket_timeout_ms: int = 15000  # socketTimeoutMillis: connecting, and each read, to upstream


@dataclass(frozen=True)
class User:
    name: str
    password: str
    admin: bool = False


@dataclass(frozen=True)
class Permission:
    user: str
    repositories: tuple[str, ...]
    actions: frozenset[str]

    def covers(self, repo: str, action: str) -> bool:
        # Annotate (writing properties) comes with deploy: a push already writes an item's properties.
        granted = action in self.actions or (action == "annotate" and "deploy" in self.actions)
        return granted and ("*" in self.repositories or repo in self.repositories)


@dataclass(frozen=True)
class Config:
    users: dict[str, User]
    repositories: dict[str, LocalRepo]
    permissions: tuple[Permission, ...] = ()
    anonymous_access: bool = False
    proxy_method: str = "REPOPATHPREFIX"
    token_ttl: int = 3600
    max_manifest_bytes: int = 4 * 1024 * 1024
    trashcan: bool = True
    # artifactory.docker.complete.manifest.override.enabled: an overwritten list takes its sub-manifests along
    complete_manifest_override: bool = False
    upload_max_age: float = UPLOAD_MAX_AGE  # seconds an upload session may stay idle before it expires
    upload_sweep_interval: float = UPLOAD_SWEEP_INTERVAL  # seconds between sweeps of expired and orphan spools
    virtuals: dict[str, VirtualRepo] = field(default_factory=dict)
    remotes: dict[str, RemoteRepo] = field(default_factory=dict)
    # The document this was parsed from: the repository REST API edits it and parses it again.
    source: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def has_repo(self, key: str) -> bool:
        return key in self.repositories or key in self.virtuals or key in self.remotes

    def is_admin(self, user: str | None) -> bool:
        account = self.users.get(user) if user is not None else None
        return account is not None and account.admin

    def allows(self, user: str | None, repo: str, action: str) -> bool:
        """Whether ``user`` (None = anonymous) may do ``action`` on repository ``repo``."""
        if user is None:
            if not self.anonymous_access:
                return False
            user = ANONYMOUS
        account = self.users.get(user)
        if account is not None and account.admin:
            return True
        return any(p.user == user and p.covers(repo, action) for p in self.permissions)


DEFAULT_REPOS = ("docker-local", "docker-dev-local", "docker-prod-local")


def default_config() -> Config:
    """What a fresh Artifactory ships: ``admin``/``password`` and three local Docker repos."""
    return Config(
        users={"admin": User("admin", "password", admin=True)},
        repositories={key: LocalRepo(key) for key in DEFAULT_REPOS},
    )
