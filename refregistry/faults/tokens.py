"""The catalogue's token part: what a registry token or an access token grants, and when it stops."""

from __future__ import annotations

from .catalogue import fault

fault(
    "access-token-refused-as-password",
    "An access token is refused as the password of Basic credentials, so docker login with one "
    "(OAuth and SSO users, Kubernetes pull secrets with an identity token) fails.",
    ("credentials",),
    access_token_as_password=False,
)
fault(
    "registry-token-allows-rest-writes",
    "A registry token works on Artifactory's REST routes as its user's password would: one scoped to "
    "pull an image deletes it, promotes, changes repositories.",
    ("credentials",),
    rest_honours_token_scope=False,
)
fault(
    "star-scope-grants-delete-only",
    'A token asked for action "*" (skopeo and podman deleting) grants delete alone, so reading the tag '
    "before the delete is refused.",
    ("credentials",),
    star_grants_every_action=False,
)
fault(
    "revoked-token-accepted",
    "A revoked access token is still accepted.",
    ("credentials",),
    honour_token_revocation=False,
)
