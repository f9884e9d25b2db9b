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
