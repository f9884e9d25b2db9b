"""Server configuration: users, anonymous access, repositories, permissions.

The file is YAML (or JSON, which YAML reads too) shaped like Artifactory's own YAML
configuration, so a snippet can move between the two::

    anonymousAccess: false
    dockerReverseProxyMethod: SUBDOMAIN     # REPOPATHPREFIX | SUBDOMAIN | PORTPERREPO
    trashcanEnabled: true                   # removed tags stay restorable until emptied
    systemProperties:                       # from artifactory.system.properties
      artifactory.docker.complete.manifest.override.enabled: false
      artifactory.docker.cleanup.maxAgeMillis: 86400000         # an idle upload session expires
      artifactory.docker.cleanup.uploadsTmpFolderJobSecs: 86400 # how often spools are swept
    users:
      admin:    {password: password, admin: true}
      reader:   {password: reader-pw}
    localRepositories:
      docker-local:
        type: docker
        dockerApiVersion: V2
        maxUniqueTags: 0
        dockerTagRetention: 1
        blockPushingSchema1: true
    remoteRepositories:
      docker-remote:
        url: https://registry.example.com     # the upstream registry, pulled through and cached
        retrievalCachePeriodSecs: 7200        # a cached tag is re-checked upstream after this
    permissions:
      - {user: reader, repositories: ["*"], actions: [read]}

Every mistake is reported as one ``ConfigError`` line naming the key at fault.

Each top-level key can also be given as an environment variable, ``REFREGISTRY_CONFIG_`` and the
key in upper snake case, its value YAML, for a container configured by its environment alone;
it replaces the file's key (``env_name`` and ``env_overrides``)::

    REFREGISTRY_CONFIG_USERS='{admin: {password: s3cret, admin: true}}'
    REFREGISTRY_CONFIG_DOCKER_REVERSE_PROXY_METHOD=SUBDOMAIN
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeGuard

import yaml

from .config import (
    ACTIONS,
    ANONYMOUS,
    PROXY_METHODS,
    REPO_KEY,
    UPLOAD_MAX_AGE,
    UPLOAD_SWEEP_INTERVAL,
    Config,
    ConfigError,
    LocalRepo,
    Permission,
    RemoteRepo,
    User,
    VirtualRepo,
    default_config,
)


def load_config(path: str | Path | None, environ: Mapping[str, str] | None = None) -> Config:
    """The configuration in ``path`` (None: the defaults), with ``environ``'s REFREGISTRY_CONFIG_* keys over it."""
    overrides = env_overrides(environ or {})
    from_env = f"{ENV_PREFIX}{', '.join(env_name(key)[len(ENV_PREFIX) :] for key in overrides)}"
    if path is None:
        try:
            return parse_config(overrides) if overrides else default_config()
        except ConfigError as exc:
            raise ConfigError(f"environment {from_env}: {exc}") from None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"config {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config {path}: not UTF-8 (byte {exc.start})") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"config {path}: not valid YAML{where}") from None
    doc = doc if doc is not None else {}
    try:
        return parse_config({**doc, **overrides} if isinstance(doc, dict) else doc)
    except ConfigError as exc:
        raise ConfigError(f"config {path}{f' with {from_env}' if overrides else ''}: {exc}") from None


_TOP_KEYS = {
    "users",
    "localRepositories",
    "virtualRepositories",
    "remoteRepositories",
    "permissions",
    "anonymousAccess",
    "dockerReverseProxyMethod",
    "tokenExpirySecs",
    "trashcanEnabled",
    "maxManifestBytes",
    "systemProperties",
}
COMPLETE_OVERRIDE = "artifactory.docker.complete.manifest.override.enabled"
UPLOAD_MAX_AGE_MS = "artifactory.docker.cleanup.maxAgeMillis"
UPLOAD_SWEEP_SECS = "artifactory.docker.cleanup.uploadsTmpFolderJobSecs"
_SYSTEM_PROPERTIES: dict[str, type] = {COMPLETE_OVERRIDE: bool, UPLOAD_MAX_AGE_MS: int, UPLOAD_SWEEP_SECS: int}
_VIRTUAL_KEYS = {"repositories", "defaultDeploymentRepo", "resolveDockerTagsByTimestamp"}
_REMOTE_KEYS = {"url", "username", "password", "retrievalCachePeriodSecs", "offline", "socketTimeoutMillis"}
_REPO_KEYS = {"type", "dockerApiVersion", "maxUniqueTags", "dockerTagRetention", "blockPushingSchema1"}
_USER_KEYS = {"password", "admin"}
_PERM_KEYS = {"user", "repositories", "actions"}


def is_key(value: Any, table: dict[str, Any]) -> TypeGuard[str]:
    """Whether ``value`` names an entry of ``table``: JSON lists and objects never do (and, being
    unhashable, cannot even be looked up), so a wrong type reads as the field's own mistake."""
    return isinstance(value, str) and value in table


ENV_PREFIX = "REFREGISTRY_CONFIG_"


def env_name(key: str) -> str:
    """A top-level key's environment variable: tokenExpirySecs → REFREGISTRY_CONFIG_TOKEN_EXPIRY_SECS."""
    return ENV_PREFIX + re.sub(r"(?<=[a-z])(?=[A-Z])", "_", key).upper()


def env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """The top-level keys ``environ`` gives (REFREGISTRY_CONFIG_*), each value read as YAML."""
    keys = {env_name(key): key for key in _TOP_KEYS}
    found = {}
    for name, value in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX):
            continue
        if name not in keys:
            raise ConfigError(f"{name}: not a configuration key (known: {', '.join(sorted(keys))})")
        try:
            found[keys[name]] = yaml.safe_load(value)
        except yaml.YAMLError:
            raise ConfigError(f"{name}: not valid YAML") from None
    return found


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _known(doc: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(str(key) for key in set(doc) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")


def _typed(doc: dict[str, Any], key: str, kind: type, default: Any, where: str) -> Any:
    value = doc.get(key, default)
    # bool is an int subclass: refuse `maxUniqueTags: true` explicitly.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"{where}.{key}: expected {kind.__name__}, got {value!r}")
    return value


def _entry(section: str, key: Any, doc: Any, known: set[str]) -> tuple[str, dict[str, Any]]:
    """(where, doc) of one repository's entry, its key and field names checked."""
    where = f"{section}.{key}"
    if not REPO_KEY.fullmatch(str(key)):
        raise ConfigError(f"{where}: invalid repository key (lowercase letters, digits, '.', '_', '-')")
    doc = _mapping(doc if doc is not None else {}, where)
    _known(doc, known, where)
    return where, doc


def _repo(key: str, doc: Any) -> LocalRepo:
    where, doc = _entry("localRepositories", key, doc, _REPO_KEYS)
    if doc.get("type", "docker") != "docker":
        raise ConfigError(f"{where}.type: only 'docker' repositories are served, got {doc['type']!r}")
    api = doc.get("dockerApiVersion", "V2")
    if api not in ("V1", "V2"):
        raise ConfigError(f"{where}.dockerApiVersion: expected V1 or V2, got {api!r}")
    unique = _typed(doc, "maxUniqueTags", int, 0, where)
    retention = _typed(doc, "dockerTagRetention", int, 1, where)
    if unique < 0 or retention < 1:
        raise ConfigError(f"{where}: maxUniqueTags must be >= 0 and dockerTagRetention >= 1")
    return LocalRepo(key, api, unique, retention, _typed(doc, "blockPushingSchema1", bool, True, where))


def _user(name: str, doc: Any) -> User:
    where = f"users.{name}"
    doc = _mapping(doc, where)
    _known(doc, _USER_KEYS, where)
    password = doc.get("password")
    if not isinstance(password, str) or not password:
        raise ConfigError(f"{where}.password: a non-empty string is required")
    return User(str(name), password, _typed(doc, "admin", bool, False, where))


def _virtual(key: Any, doc: Any, repos: dict[str, LocalRepo]) -> VirtualRepo:
    where, doc = _entry("virtualRepositories", key, doc, _VIRTUAL_KEYS)
    members = doc.get("repositories")
    if not isinstance(members, list) or not members or not all(is_key(m, repos) for m in members):
        raise ConfigError(f"{where}.repositories: a list of local repository keys is required")
    default = doc.get("defaultDeploymentRepo")
    if default is not None and default not in members:
        raise ConfigError(f"{where}.defaultDeploymentRepo: must be one of its repositories")
    by_time = _typed(doc, "resolveDockerTagsByTimestamp", bool, False, where)
    return VirtualRepo(str(key), tuple(members), default, by_time)


def _remote(key: Any, doc: Any) -> RemoteRepo:
    where, doc = _entry("remoteRepositories", key, doc, _REMOTE_KEYS)
    url = doc.get("url")
    if not isinstance(url, str) or not re.fullmatch(r"https?://[^/\s]+(/\S*)?", url):
        raise ConfigError(f"{where}.url: an http:// or https:// URL of the upstream registry is required")
    username, password = doc.get("username"), doc.get("password")
    for name, value in (("username", username), ("password", password)):
        if not isinstance(value, str | None):
            raise ConfigError(f"{where}.{name}: expected a string")
    period = _typed(doc, "retrievalCachePeriodSecs", int, 7200, where)
    if period < 0:
        raise ConfigError(f"{where}.retrievalCachePeriodSecs: must be >= 0")
    offline = _typed(doc, "offline", bool, False, where)
    timeout = _typed(doc, "socketTimeoutMillis", int, 15000, where)
    if timeout <= 0:
        raise ConfigError(f"{where}.socketTimeoutMillis: must be positive")
    return RemoteRepo(str(key), url.rstrip("/"), username, password, period, offline, timeout)


def _permission(index: int, doc: Any, users: dict[str, User], repos: dict[str, Any]) -> Permission:
    where = f"permissions[{index}]"
    doc = _mapping(doc, where)
    _known(doc, _PERM_KEYS, where)
    user = doc.get("user")
    if user != ANONYMOUS and not is_key(user, users):
        raise ConfigError(f"{where}.user: unknown user {user!r}")
    targets = doc.get("repositories", ["*"])
    actions = doc.get("actions", [])
    if not isinstance(targets, list) or not isinstance(actions, list):
        raise ConfigError(f"{where}: repositories and actions must be lists")
    for repo in targets:
        if repo != "*" and not is_key(repo, repos):
            raise ConfigError(f"{where}.repositories: unknown repository {repo!r}")
    for action in actions:
        if action not in ACTIONS:
            raise ConfigError(f"{where}.actions: unknown action {action!r} (known: {', '.join(ACTIONS)})")
    return Permission(str(user), tuple(targets), frozenset(actions))


def _system_properties(doc: dict[str, Any]) -> dict[str, Any]:
    """Artifactory system properties refregistry honours (artifactory.system.properties)."""
    props = _mapping(doc.get("systemProperties", {}), "systemProperties")
    _known(props, set(_SYSTEM_PROPERTIES), "systemProperties")
    for key, value in props.items():
        if _SYSTEM_PROPERTIES[key] is bool and not isinstance(value, bool):
            raise ConfigError(f"systemProperties.{key}: expected true or false, got {value!r}")
        if _SYSTEM_PROPERTIES[key] is int and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
            raise ConfigError(f"systemProperties.{key}: expected a positive integer, got {value!r}")
    return props


def parse_config(doc: Any) -> Config:
    doc = _mapping(doc, "top level")
    _known(doc, _TOP_KEYS, "top level")
    base = default_config()
    users = base.users
    if "users" in doc:
        users = {str(n): _user(n, u) for n, u in _mapping(doc["users"], "users").items()}
    repos = base.repositories
    if "localRepositories" in doc:
        raw = _mapping(doc["localRepositories"], "localRepositories")
        repos = {str(k): _repo(k, r) for k, r in raw.items()}
    virtuals = {
        str(k): _virtual(k, v, repos)
        for k, v in _mapping(doc.get("virtualRepositories", {}), "virtualRepositories").items()
    }
    remotes = {
        str(k): _remote(k, v) for k, v in _mapping(doc.get("remoteRepositories", {}), "remoteRepositories").items()
    }
    for kind, keys in (("virtualRepositories", virtuals), ("remoteRepositories", remotes)):
        clash = sorted(set(keys) & (set(repos) | (set(virtuals) if keys is remotes else set())))
        if clash:
            raise ConfigError(f"{kind}.{clash[0]}: another repository has that key")
    perms_doc = doc.get("permissions", [])
    if not isinstance(perms_doc, list):
        raise ConfigError("permissions: expected a list")
    perms = tuple(_permission(i, p, users, {**repos, **virtuals, **remotes}) for i, p in enumerate(perms_doc))
    method = doc.get("dockerReverseProxyMethod", "REPOPATHPREFIX")
    if method not in PROXY_METHODS:
        raise ConfigError(f"dockerReverseProxyMethod: expected one of {', '.join(PROXY_METHODS)}, got {method!r}")
    ttl = _typed(doc, "tokenExpirySecs", int, 3600, "top level")
    max_manifest = _typed(doc, "maxManifestBytes", int, 4 * 1024 * 1024, "top level")
    if ttl <= 0 or max_manifest <= 0:
        raise ConfigError("tokenExpirySecs and maxManifestBytes must be positive")
    props = _system_properties(doc)
    return Config(
        users=users,
        repositories=repos,
        permissions=perms,
        anonymous_access=_typed(doc, "anonymousAccess", bool, False, "top level"),
        proxy_method=method,
        token_ttl=ttl,
        max_manifest_bytes=max_manifest,
        trashcan=_typed(doc, "trashcanEnabled", bool, True, "top level"),
        complete_manifest_override=props.get(COMPLETE_OVERRIDE, False),
        upload_max_age=props.get(UPLOAD_MAX_AGE_MS, UPLOAD_MAX_AGE * 1000) / 1000,
        upload_sweep_interval=props.get(UPLOAD_SWEEP_SECS, UPLOAD_SWEEP_INTERVAL),
        virtuals=virtuals,
        remotes=remotes,
        source=copy.deepcopy(doc),
    )
