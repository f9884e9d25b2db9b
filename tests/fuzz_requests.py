"""Hypothesis strategies for tests/test_fuzz_routes.py: random requests to one route of refregistry.

A draw is a pair of requests.  The first is random all through: any method (the route's own
mostly), each path parameter a name the server knows, a near miss or an attack (unicode, very
long, deeply nested, dot segments, percent-encodings), random credentials (none, Basic, Bearer).
The second is aimed: the route's method and path with the names the server holds, as admin, so the
same random query string, headers and body get past the guard into the handler.  Bodies are
bytes, JSON of any type and depth, and JSON shaped like the bodies refregistry reads (manifests,
promotion, repositories, multi-arch, fault control) with random values.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import strategies as st

from fixtures.content import images
from refregistry.mediatypes import FOREIGN_LAYERS, MANIFEST_TYPES
from refregistry.routes import Route

ADMIN = "Basic YWRtaW46cGFzc3dvcmQ="  # admin:password
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")


@dataclass(frozen=True)
class Known:
    """Names the server holds when fuzzing starts: what a plausible parameter is drawn from."""

    digests: tuple[str, ...]  # manifests and blobs pushed to docker-local/app
    upload: str  # an open upload session's id
    tokens: tuple[str, ...]  # Bearer tokens the server issued
    documents: tuple[Any, ...]  # bodies the server takes (manifests, REST bodies), to mutate


@dataclass
class Exchange:
    method: str
    target: str  # path and query, as sent on the request line
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def __str__(self) -> str:
        return f"{self.method} {self.target[:300]} headers={self.headers} body={self.body[:300]!r}"


# -- values -----------------------------------------------------------------------------------
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=12)  # lone surrogates included
DIGITS = st.sampled_from(["0", "1", "100", "²", "٣", "１", "-1", "1e3", "9" * 30, "9" * 5000, " 1", "0x10"])
INTEGERS = st.one_of(st.integers(), st.sampled_from([2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**400]))
SCALARS = st.one_of(st.none(), st.booleans(), INTEGERS, st.floats(), ANY_TEXT)
ANY_JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4), max_leaves=24
)
SEGMENT = st.one_of(
    st.sampled_from(
        ["..", ".", "%2e%2e", "%2f", "%2F", "%5c", "%00", "%ff", "%", "%zz", "~", "sha256:", ";", "a" * 300]
    ),
    st.text(st.characters(exclude_characters="/?#"), min_size=1, max_size=20),
)
ADVERSARIAL_PATH = st.one_of(
    st.lists(SEGMENT, min_size=1, max_size=6).map("/".join),
    st.integers(100, 1500).map(lambda n: "/".join(["a"] * n)),  # deeply nested
    st.integers(256, 4000).map(lambda n: "a" * n),  # very long
)


def _json(doc: Any) -> bytes:
    return json.dumps(doc, allow_nan=True).encode()


def _deep(depth: int, opener: str) -> bytes:
    closer = "]" if opener == "[" else "}"
    return (opener * depth + "1" + closer * depth).encode()


def plausible(known: Known) -> dict[str, st.SearchStrategy[str]]:
    """Per path parameter: names the server knows, or nearly."""
    repos = st.sampled_from(["docker-local", "docker-dev-local", "docker-virtual", "docker-remote", "no-such-local"])
    return {
        "repo": repos,
        "key": st.one_of(repos, st.sampled_from(["new-local", "Bad_Key", "x" * 80])),
        "name": st.sampled_from(["app", "team/app", "app/1", "APP", "a" * 256]),
        "reference": st.sampled_from(["1", "latest", "list", *known.digests, "sha512:" + "0" * 128]),
        "digest": st.sampled_from([*known.digests, "sha256:" + "0" * 64, "sha256:XYZ", "md5:0"]),
        "uuid": st.sampled_from([known.upload, "0" * 36]),
        "path": st.sampled_from(["", "app", "app/1", "app/1/manifest.json", "team", "app/" + known.digests[0]]),
        "api": st.sampled_from(["v1", "v2"]),
        "rest": st.sampled_from(["", "app/manifests/1", "_catalog"]),
    }


def held(known: Known) -> dict[str, str]:
    """Per path parameter: the name with content behind it, that takes a request to the handler."""
    return {
        "repo": "docker-local",
        "key": "docker-local",
        "name": "app",
        "reference": "1",
        "digest": known.digests[1],
        "uuid": known.upload,
        "path": "app/1",
        "api": "v2",
        "rest": "app/manifests/1",
        "token_id": "me",
    }


def fill(route: Route, values: list[str]) -> str:
    """The route's path with ``values`` for its parameters, in order, as they go on the wire."""
    it = iter(values)
    return PARAM.sub(lambda _: quote(next(it), safe="/%:;~", errors="surrogatepass"), route.path)


def path(route: Route, known: Known) -> st.SearchStrategy[str]:
    choices = plausible(known)
    values = [
        st.one_of(choices[n], ADVERSARIAL_PATH) if n in choices else ADVERSARIAL_PATH for n in PARAM.findall(route.path)
    ]
    return st.tuples(*values).map(lambda drawn: fill(route, list(drawn)))


QUERY_KEYS = st.sampled_from(["n", "last", "digest", "mount", "from", "properties", "type", "repos", "to", "k"])
QUERY = st.one_of(
    st.just(""),
    st.dictionaries(QUERY_KEYS | ANY_TEXT.filter(bool), DIGITS | ANY_TEXT, max_size=4).map(
        lambda q: "?" + urlencode(q, quote_via=quote, encoding="utf-8", errors="surrogatepass")
    ),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="#"), max_size=30).map(
        lambda raw: "?" + raw
    ),
)

# -- headers and credentials ------------------------------------------------------------------
# Any byte but CR and LF (which would end the header): control characters included.
HEADER_TEXT = st.text(st.characters(max_codepoint=0xFF, exclude_characters="\r\n"), max_size=40)
HEADER_VALUE = HEADER_TEXT.map(str.strip)
MEDIA = st.sampled_from([*MANIFEST_TYPES, *FOREIGN_LAYERS, "application/json", "text/plain", "*/*", ""])
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "Content-Type": MEDIA | HEADER_VALUE,
        "Accept": MEDIA | HEADER_VALUE,
        "Content-Range": st.sampled_from(["0-0", "0-" + "9" * 5000, "bytes=5-1", "٠-٤", "-"]) | HEADER_VALUE,
        "Range": st.sampled_from(["bytes=0-0", "bytes=-1", "bytes=9999999999-", "bytes=a-b"]) | HEADER_VALUE,
        "X-Forwarded-Proto": st.sampled_from(["https", "http", "gopher"]) | HEADER_VALUE,
        "X-Forwarded-Host": st.sampled_from(["art.local", "art.local:99999", "[::1"]) | HEADER_VALUE,
        "X-Forwarded-Port": DIGITS | HEADER_VALUE,
        "X-JFrog-Override-Base-Url": st.sampled_from(["https://art.local", "not a url"]) | HEADER_VALUE,
        "X-Artifactory-Override-Base-Url": st.sampled_from(["https://art.local/artifactory"]) | HEADER_VALUE,
        "X-Result-Detail": st.sampled_from(["info, properties"]) | HEADER_VALUE,
    },
)


def credentials(known: Known) -> st.SearchStrategy[str | None]:
    """Anonymous, Basic admin (or a wrong or broken Basic), and Bearer (issued or forged)."""
    basic = [ADMIN, "Basic YWRtaW46bm9wZQ==", "Basic %%%", "Basic "]
    bearer = [f"Bearer {t}" for t in known.tokens] + ["Bearer a.b.c", "Bearer ", "Negotiate x"]
    admin, issued = st.just(basic[0]), st.sampled_from(bearer[: len(known.tokens)])
    return st.one_of(admin, issued, st.sampled_from([None, *basic[1:], *bearer[len(known.tokens) :]]), HEADER_VALUE)


# -- bodies -----------------------------------------------------------------------------------
def shaped(known: Known) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects with the fields refregistry reads, their values plausible or random."""
    names = st.sampled_from(["app", "team/app", "docker-local", ""]) | ANY_JSON
    sizes = st.sampled_from([0, 1, 2**63 - 1, 2**63, 2**64, -1]) | INTEGERS | ANY_JSON
    descriptor = st.fixed_dictionaries(
        {"mediaType": MEDIA | ANY_JSON, "digest": st.sampled_from(known.digests) | ANY_JSON, "size": sizes},
        optional={"urls": ANY_JSON, "platform": ANY_JSON, "annotations": ANY_JSON},
    )
    descriptors = st.lists(descriptor | ANY_JSON, max_size=3)
    manifest = st.fixed_dictionaries(
        {"schemaVersion": st.sampled_from([1, 2]) | ANY_JSON},
        optional={
            "mediaType": MEDIA | ANY_JSON,
            "config": descriptor | ANY_JSON,
            "layers": descriptors,
            "manifests": descriptors,
            "subject": descriptor | ANY_JSON,
            "annotations": ANY_JSON,
            "artifactType": ANY_JSON,
            "fsLayers": ANY_JSON,
        },
    )
    fields = ["targetRepo", "dockerRepository", "targetDockerRepository", "tag", "targetTag", "copy"]
    fields += ["key", "rclass", "packageType", "url", "repositories", "defaultDeploymentRepo", "maxUniqueTags"]
    fields += ["dockerTagRetention", "username", "socketTimeoutMillis", "faults"]
    rest = st.fixed_dictionaries({}, optional=dict.fromkeys(fields, names))
    return manifest | rest


def _mutated(doc: Any, slot: int, value: Any) -> Any:
    """``doc`` with the value of one of its fields or items (``slot``, in walk order) replaced."""
    doc = copy.deepcopy(doc)
    slots: list[tuple[Any, Any]] = []
    pending = [doc]
    while pending:
        node = pending.pop()
        keys = list(node) if isinstance(node, dict) else range(len(node)) if isinstance(node, list) else []
        for key in keys:
            slots.append((node, key))
            pending.append(node[key])
    if slots:
        node, key = slots[slot % len(slots)]
        node[key] = value
    return doc


def bodies(known: Known) -> st.SearchStrategy[bytes]:
    sizes = st.sampled_from([-1, 2**63 - 1, 2**63, 2**64]) | INTEGERS
    mutated = st.builds(_mutated, st.sampled_from(known.documents), st.integers(0, 200), sizes | ANY_JSON)
    return st.one_of(
        mutated.map(_json),
        st.just(b""),
        st.binary(max_size=256),
        ANY_JSON.map(_json),
        st.builds(_deep, st.integers(1, 5000), st.sampled_from(["[", '{"a":'])),
        shaped(known).map(_json),
    )


def exchanges(route: Route, known: Known) -> st.SearchStrategy[tuple[Exchange, Exchange]]:
    """A random request to ``route`` and its aimed twin (see the module's docstring)."""
    own = st.sampled_from(METHODS) if route.method == "*" else st.just(route.method)
    aimed_path = fill(route, [held(known)[n] for n in PARAM.findall(route.path)])

    def pair(
        method: str, drawn_path: str, query: str, headers: dict[str, str], auth: str | None, body: bytes, aimed: str
    ) -> tuple[Exchange, Exchange]:
        drawn = Exchange(method, drawn_path + query, {**headers, **({"Authorization": auth} if auth else {})}, body)
        return drawn, Exchange(aimed, aimed_path + query, {**headers, "Authorization": ADMIN}, body)

    method = st.one_of(own, st.sampled_from(METHODS))
    parts = (path(route, known), QUERY, HEADERS, credentials(known), bodies(known), own)
    return st.builds(pair, method, *parts)


def seed(content: images.Image) -> tuple[str, ...]:
    """The digests of an image a fuzz run starts with: manifest, config and layers."""
    return (content.digest, *(blob.digest for blob in content.blobs))
