"""Repository configuration as Artifactory's REST API shows it, and changes made through it.

A change edits the configuration document the server was started from (``Config.source``) and
parses it again, so the REST API and the file accept exactly the same settings and word their
mistakes alike.  Changed repository sections are kept in ``DATA/repositories.json`` and laid
over the file's at the next start: what the API changed survives a restart, as in Artifactory.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from .config import Config, ConfigError
from .configfile import is_key, parse_config

SECTIONS = {"local": "localRepositories", "remote": "remoteRepositories", "virtual": "virtualRepositories"}
# Fields every Artifactory repository JSON carries that are not settings of ours.
IDENTITY = ("key", "rclass", "packageType")
IGNORED = ("description", "notes")  # accepted and dropped: refregistry keeps no free text
OVERLAY = "repositories.json"


class ChangeError(ValueError):
    """A refused change: ``status`` is the HTTP status Artifactory answers it with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def rclass_of(config: Config, key: str) -> str | None:
    for rclass, table in (("local", config.repositories), ("remote", config.remotes), ("virtual", config.virtuals)):
        if key in table:
            return rclass
    return None


def describe(config: Config, key: str) -> dict[str, Any] | None:
    """``GET /api/repositories/{key}``: the repository's settings, defaults included, no password."""
    rclass = rclass_of(config, key)
    head: dict[str, Any] = {"key": key, "rclass": rclass, "packageType": "docker"}
    if rclass == "local":
        local = config.repositories[key]
        return head | {
            "dockerApiVersion": local.docker_api_version,
            "maxUniqueTags": local.max_unique_tags,
            "dockerTagRetention": local.tag_retention,
            "blockPushingSchema1": local.block_schema1,
        }
    if rclass == "remote":
        remote = config.remotes[key]
        shown = {"url": remote.url, "username": remote.username or ""}
        timing = {"retrievalCachePeriodSecs": remote.retrieval_cache_secs, "offline": remote.offline}
        return head | shown | timing | {"socketTimeoutMillis": remote.socket_timeout_ms}
    if rclass == "virtual":
        virtual = config.virtuals[key]
        return head | {
            "repositories": list(virtual.repositories),
            "defaultDeploymentRepo": virtual.default_deployment,
            "resolveDockerTagsByTimestamp": virtual.by_timestamp,
        }
    return None


def listing(config: Config, base: str, rclass: str | None = None, package: str | None = None) -> list[dict[str, str]]:
    """``GET /api/repositories[?type=local][&packageType=docker]``: key, type, description, url and
    package type of each repository, as Get Repositories shows them; ``url`` is where a local or
    virtual repository is served (under ``base``), a remote's upstream."""
    if package is not None and package.lower() != "docker":
        return []  # refregistry serves Docker repositories only
    keys = [*config.repositories, *config.remotes, *config.virtuals]
    found = [(key, rclass_of(config, key) or "") for key in keys]
    return [
        {
            "key": key,
            "type": kind.upper(),
            "description": "",
            "url": config.remotes[key].url if kind == "remote" else f"{base}/artifactory/{key}",
            "packageType": "Docker",
        }
        for key, kind in found
        if rclass is None or kind == rclass.lower()
    ]


def change(config: Config, key: str, body: Any, *, create: bool) -> Config:
    """The configuration after ``PUT`` (create) or ``POST`` (update) of ``body`` for ``key``."""
    if not isinstance(body, dict):
        raise ChangeError(400, "the body must be a JSON object")
    existing = rclass_of(config, key)
    if create and existing:
        raise ChangeError(400, f"Case insensitive repository key already exists: '{key}'")
    if not create and not existing:
        raise ChangeError(404, f"Repository '{key}' does not exist")
    if body.get("key", key) != key:
        raise ChangeError(400, f"the body's key {body['key']!r} is not the key in the URL ({key!r})")
    if str(body.get("packageType", "docker")).lower() != "docker":
        raise ChangeError(400, f"'packageType': only docker repositories are served, not {body['packageType']!r}")
    rclass = body.get("rclass", existing)
    if not is_key(rclass, SECTIONS):
        raise ChangeError(400, "'rclass' must be one of local, remote, virtual")
    if existing and rclass != existing:
        raise ChangeError(400, f"repository '{key}' is {existing}; its rclass cannot change to {rclass}")
    doc = _materialized(config)
    section = doc.setdefault(SECTIONS[rclass], {})
    entry = {} if create else dict(section.get(key) or {})
    entry.update({k: v for k, v in body.items() if k not in IDENTITY + IGNORED})
    section[key] = entry
    return _parsed(doc)


def delete(config: Config, key: str) -> Config:
    rclass = rclass_of(config, key)
    if rclass is None:
        raise ChangeError(404, f"Repository '{key}' does not exist")
    users = [v.key for v in config.virtuals.values() if key in v.repositories]
    if users:
        raise ChangeError(400, f"repository '{key}' is a member of virtual repository '{users[0]}'")
    doc = _materialized(config)
    del doc[SECTIONS[rclass]][key]
    for permission in doc.get("permissions", []):
        if isinstance(permission, dict) and isinstance(permission.get("repositories"), list):
            permission["repositories"] = [r for r in permission["repositories"] if r != key]
    return _parsed(doc)


def _materialized(config: Config) -> dict[str, Any]:
    # Without localRepositories the parser supplies the defaults: write them out before editing.
    doc = copy.deepcopy(config.source)
    doc.setdefault("localRepositories", {key: {} for key in config.repositories})
    return doc


def _parsed(doc: dict[str, Any]) -> Config:
    try:
        return parse_config(doc)
    except ConfigError as exc:
        raise ChangeError(400, str(exc)) from None


def save(config: Config, data_dir: Path) -> None:
    """Keep the repository sections for the next start; written whole, then renamed."""
    overlay = {section: config.source.get(section, {}) for section in SECTIONS.values()}
    tmp = data_dir / f".{OVERLAY}.tmp"
    tmp.write_text(json.dumps(overlay, indent=2, sort_keys=True))
    os.replace(tmp, data_dir / OVERLAY)


def restored(config: Config, data_dir: Path) -> Config:
    """``config`` with the repository changes a previous run made over the REST API."""
    path = data_dir / OVERLAY
    if not path.is_file():
        return config
    try:
        overlay = json.loads(path.read_text())
        return parse_config({**config.source, **overlay})
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path} (repositories changed over the REST API): {exc}") from None
