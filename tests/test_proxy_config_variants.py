"""Your own proxy config (README): generator-shaped configs pass; the broken variants users ship fail
exactly the checks they break, each failure naming the config line.

The configs are in tests/data/proxyconf/ (nginx and Apache as Artifactory's reverse-proxy generator
writes them, HAProxy as the same rules in 2.x syntax; each file's head says what it adds).  A variant
is a base config with a few lines changed, as a user changes them.  Each case is one
``pytest conformance --proxy-config`` subprocess, as a user runs it, on a stack of its own
(``byo-<proxy>-<method>-tls``) under a server name of its own, narrowed to the checks a proxy can
break (conformance/test_push_pull.py's large layers, re-push, Accept and Location checks, and
test_tls.py's plain-HTTP redirect).

Apache's ``LimitRequestBody 1048576`` in the virtual host did not refuse a 64 MiB layer proxied through
it here (every push passed), so it is no broken variant of Apache's.  Variants that cannot be written
for a proxy are left out: HAProxy has no response cache of tagged
manifests worth the name (its ``cache`` keeps small objects and honours Vary) and streams bodies
whatever ``option http-buffer-request`` says beyond its buffer; the /v2 rewrite and the caches are
shown on nginx, the generator's first proxy.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).with_name("data") / "proxyconf"
NARROWED = ["conformance/test_push_pull.py", "conformance/test_tls.py"]
CHECKS = "large_layer or repushed or each_accept or upload_location or plain_http_to_the_tls_port"
RUN_TIMEOUT = 900  # a backstop for a hung run; one takes a minute or two on a loaded machine

WHOLE = "test_large_layer_pushes_in_one_request"
STREAMED = "test_large_layer_streams_to_the_registry_while_it_is_sent"
READ = "test_large_layer_reads_whole_by_a_client_that_pauses"
REPUSHED = "test_repushed_tag_reads_back_its_new_manifest"
ACCEPT = "test_tag_fetched_with_each_accept_gets_what_that_accept_allows"
LOCATION = "test_upload_location_names_the_scheme_host_and_port_the_client_used"
PLAIN = "test_plain_http_to_the_tls_port_is_redirected_to_https"
LARGE = frozenset({WHOLE, STREAMED, READ})
PUSHING = LARGE | {REPUSHED, ACCEPT, LOCATION}


@dataclass(frozen=True)
class Variant:
    """A base config (``<proxy>-<method>``) with lines changed; the checks it fails, and what their messages name."""

    name: str
    base: str
    edits: tuple[tuple[str, str], ...]  # (regex of a line, what it becomes: "" removes it)
    fails: frozenset[str]
    says: str  # the config line each message of ``named`` names (with its number), or "no line like ..."
    named: frozenset[str] | None = None  # default: every check in ``fails``

    def text(self) -> str:
        lines = []
        for line in (DATA / self.file).read_text().splitlines():
            edit = next((new for old, new in self.edits if re.search(old, line)), None)
            if edit is None:
                lines.append(line)
            elif edit:
                lines.append(edit)
        return "\n".join(lines) + "\n"

    def expected(self) -> str:
        """What the messages carry: ``says`` as the hint writes it, with the line number in the variant."""
        if self.says.startswith("no line like"):
            return self.says
        number = next(n for n, line in enumerate(self.text().splitlines(), 1) if line.strip() == self.says)
        return f"`{self.says}` at line {number}"

    @property
    def file(self) -> str:
        return next(p.name for p in DATA.iterdir() if p.stem == self.base)


CACHE_ZONE = (
    r"ssl_session_cache",
    "ssl_session_cache shared:SSL:1m;\nproxy_cache_path /tmp/nginx-cache keys_zone=registry:1m;",
)
CACHE = "proxy_cache registry; proxy_cache_valid 200 10m; proxy_ignore_headers Cache-Control Expires Set-Cookie"
NO_OVERRIDE = (r"Override-Base-Url", "")
VARIANTS = [
    Variant(
        "body-limit-1m",
        "nginx-repopath",
        ((r"client_max_body_size 0;", "    client_max_body_size 1m;"),),
        LARGE,
        "client_max_body_size 1m;",
    ),
    Variant(
        "body-limit-32m",
        "nginx-ports",
        ((r"client_max_body_size 0;", "    client_max_body_size 32m;"),),
        LARGE,
        "client_max_body_size 32m;",
    ),
    Variant(
        "request-buffering",
        "nginx-subdomain",
        ((r"proxy_request_buffering off;", "    proxy_request_buffering on;"),),
        frozenset({STREAMED}),
        "proxy_request_buffering on;",
    ),
    Variant(
        "no-x-forwarded-proto",
        "nginx-repopath",
        ((r"X-Forwarded-Proto", ""), NO_OVERRIDE),
        PUSHING,
        "no line like `proxy_set_header X-Forwarded-Proto $scheme;`",
        frozenset({WHOLE, STREAMED, READ, LOCATION}),
    ),
    Variant(
        "wrong-host",
        "nginx-ports",
        ((r"proxy_set_header\s+Host", ""), NO_OVERRIDE),
        PUSHING,
        "no line like `proxy_set_header Host $http_host;`",
        frozenset({WHOLE, STREAMED, READ, LOCATION}),
    ),
    Variant(
        "v2-rewrite-missing",
        "nginx-subdomain",
        ((r"rewrite \^/\(v1\|v2\)", ""),),
        PUSHING,
        "no line like `rewrite ^/(v1|v2)/(.*) /artifactory/api/docker/$repo/$1/$2;`",
        frozenset({WHOLE, STREAMED, READ, LOCATION}),
    ),
    Variant(
        "plain-http-not-redirected",
        "nginx-repopath",
        ((r"error_page 497", ""),),
        frozenset({PLAIN}),
        "no line like `error_page 497 =307 https://$http_host$request_uri;`",
    ),
    Variant(
        "short-timeout",
        "nginx-subdomain",
        ((r"proxy_read_timeout", "    proxy_read_timeout 3s; proxy_send_timeout 3s; send_timeout 3s;"),),
        frozenset({READ}),
        "proxy_read_timeout 3s; proxy_send_timeout 3s; send_timeout 3s;",
    ),
    Variant(
        "cache-by-tag",
        "nginx-repopath",
        (
            CACHE_ZONE,
            (r"proxy_pass_header", f"    proxy_pass_header Server; {CACHE}; proxy_cache_key $request_uri$http_accept;"),
        ),
        frozenset({REPUSHED}),
        f"proxy_pass_header Server; {CACHE}; proxy_cache_key $request_uri$http_accept;",
    ),
    Variant(
        "cache-ignores-accept",
        "nginx-repopath",
        (
            CACHE_ZONE,
            (r"proxy_pass_header", f"    proxy_pass_header Server; {CACHE} Vary; proxy_cache_key $request_uri;"),
        ),
        frozenset({REPUSHED, ACCEPT}),
        f"proxy_pass_header Server; {CACHE} Vary; proxy_cache_key $request_uri;",
    ),
    Variant(
        "apache-request-buffering",
        "apache-repopath",
        ((r"^\s*SetEnv proxy-sendchunked", "    SetEnv proxy-sendcl 1"),),
        frozenset({STREAMED}),
        "SetEnv proxy-sendcl 1",
    ),
    Variant(
        "haproxy-short-timeout",
        "haproxy-repopath",
        ((r"timeout client 900s", "    timeout client 3s"),),
        frozenset({READ}),
        "timeout client 3s",
    ),
    Variant(
        "haproxy-plain-http-not-redirected",
        "haproxy-subdomain",
        ((r"default_backend be_plain", "    default_backend be_tls"), (r"redirect scheme https", "")),
        frozenset({PLAIN}),
        "no line like `http-request redirect scheme https code 307`",
    ),
]


@dataclass(frozen=True)
class Outcome:
    outcome: str
    message: str


def conformance(text: str, proxy: str, method: str, tmp_path: Path) -> dict[str, Outcome]:
    """Run the narrowed checks through ``text`` as a user's config under a server name of its own."""
    name = f"byo-{secrets.token_hex(3)}.art.local"
    config = tmp_path / f"artifactory-{proxy}.conf"
    config.write_text(text.replace(r"art\.local", re.escape(name)).replace("art.local", name))
    argv = [sys.executable, "-m", "pytest", *NARROWED, "-q", "-p", "no:cacheprovider", "-k", CHECKS]
    argv += ["--proxy-config", str(config), "--proxy", proxy, "--method", method, "--server-name", name]
    argv += ["--report-dir", str(tmp_path / "reports")]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    report = tmp_path / "reports" / "latest" / "report.json"
    assert report.exists(), f"no report (exit {done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-2000:]}"
    results = json.loads(report.read_text())["results"]
    return {r["nodeid"].split("::")[-1].split("[")[0]: Outcome(r["outcome"], r["message"]) for r in results}


def failing(outcomes: dict[str, Outcome]) -> set[str]:
    return {check for check, found in outcomes.items() if found.outcome in ("failed", "error")}


@pytest.mark.parametrize("base", sorted(p.stem for p in DATA.iterdir()))
def test_generator_shaped_config_passes(base: str, tmp_path: Path) -> None:
    """A config shaped as the generator writes it, for each proxy and method, passes every narrowed check."""
    proxy, method = base.split("-")
    outcomes = conformance(next(p for p in DATA.iterdir() if p.stem == base).read_text(), proxy, method, tmp_path)
    assert set(outcomes) == PUSHING | {PLAIN}, sorted(outcomes)
    assert failing(outcomes) == set(), {c: outcomes[c].message for c in failing(outcomes)}


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_broken_variant_fails_its_checks_naming_the_line(variant: Variant, tmp_path: Path) -> None:
    """A broken variant fails exactly the checks it breaks, each message naming the config line (or the missing one)."""
    proxy, method = variant.base.split("-")
    outcomes = conformance(variant.text(), proxy, method, tmp_path)
    assert failing(outcomes) == variant.fails, {c: o.message[:300] for c, o in outcomes.items()}
    says = variant.expected()
    unnamed = {c: outcomes[c].message for c in variant.named or variant.fails if says not in outcomes[c].message}
    assert unnamed == {}, f"messages not naming {says!r}"
