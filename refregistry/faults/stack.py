"""The catalogue's last part: faults of the stack around refregistry, not of refregistry.

The harness applies them when it builds a stack (a certificate, a proxy config; see
fixtures/stacks.py); refregistry accepts their names and ignores them, so ``--fault`` names
every defect the same way.  One found earlier sits in catalogue order in docker.py.
"""

from __future__ import annotations

from .catalogue import fault

fault(
    "cert-expires-soon",
    "The stack's certificate expires in three days: its renewal did not run, clients still accept it for now.",
    ("tls",),
    where="stack",
    stacks=("*-tls",),
)
fault(
    "cert-chain-incomplete",
    "The stack's certificate is issued by an intermediate CA but served alone (the cert file, not the full "
    "chain): clients trusting the root cannot verify it.",
    ("tls",),
    where="stack",
    stacks=("*-tls",),
)
fault(
    "plain-http-not-redirected",
    "The proxy config is the stock one: plain HTTP on its TLS port gets an error (nginx/Apache 400, HAProxy a "
    "closed connection), not a redirect to https.",
    ("tls",),
    where="stack",
    stacks=("nginx-*", "apache-*", "haproxy-*"),
)
fault(
    "notary-cert-wrong-name",
    "The Notary server is given the registry's certificate, which does not name the Notary host: "
    "every signing push and trusted pull fails TLS verification.",
    ("content_trust",),
    where="stack",
)
fault(
    "subdomain-handshake-refused",
    "The proxy's server_name lists the base host only and its hardened default server (ssl_reject_handshake) "
    "refuses the TLS handshake of the repositories' subdomain names.",
    ("tls",),
    where="stack",
    stacks=("nginx-subdomain-tls",),
)
# What users ship in their own nginx configs: each is a broken variant of README's "Your own proxy
# config" too, and each is caught by a push_pull check any target runs (conformance/test_push_pull.py).
fault(
    "proxy-body-limit-1m",
    "The proxy limits request bodies to 1 MB (client_max_body_size 1m): manifests and small layers pass, a "
    "real layer is refused with 413.",
    ("push_pull",),
    where="stack",
    stacks=("nginx-repopath-tls",),
)
fault(
    "proxy-request-buffering",
    "The proxy buffers request bodies (proxy_request_buffering on): a chunked layer upload reaches the registry "
    "only after the client has sent all of it.",
    ("push_pull",),
    where="stack",
    stacks=("nginx-repopath-tls",),
)
fault(
    "proxy-short-timeout",
    "The proxy's timeouts are two seconds: a client that pauses while reading a large layer has the read cut.",
    ("push_pull",),
    where="stack",
    stacks=("nginx-repopath-tls",),
)
fault(
    "proxy-no-forwarded-proto",
    "The proxy sends no X-Forwarded-Proto (nor an override base URL): the registry names http:// in the upload "
    "Location it gives an https client.",
    ("push_pull",),
    where="stack",
    stacks=("nginx-repopath-tls",),
)
fault(
    "proxy-caches-manifests-by-tag",
    "A response cache in front of the registry keeps manifests by URL: a tag pushed again still reads back as "
    "the old manifest.",
    ("push_pull",),
    where="stack",
    stacks=("nginx-repopath-tls",),
)
fault(
    "proxy-cache-ignores-accept",
    "A response cache in front of the registry keys manifests without the Accept header: a client accepting "
    "single images gets the manifest list another client was served.",
    ("push_pull",),
    where="stack",
    stacks=("nginx-repopath-tls",),
)
