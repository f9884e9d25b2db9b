"""Error codes, declared once.

Every error refregistry can answer is a member of ``Code``: the OCI/Docker code string, the
HTTP status and the default message.  Handlers raise ``RegistryError(Code.X, ...)``; one
middleware (``app.error_middleware``) renders it in the shape the route family speaks:

* registry API routes (``/v2/...`` and ``/artifactory/api/docker/{repo}/v2/...``):
  ``{"errors": [{"code", "message", "detail"}]}`` as the OCI distribution spec says;
* other Artifactory REST routes: ``{"errors": [{"status", "message"}]}`` as Artifactory does;
* the token endpoint: ``{"statusCode", "details"}`` (Artifactory's OauthDockerErrorModel),
  which the Docker engine turns into ``unauthorized: <details>``.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ErrorSpec:
    code: str
    status: int
    message: str


class Code(enum.Enum):
    BLOB_UNKNOWN = ErrorSpec("BLOB_UNKNOWN", 404, "blob unknown to registry")
    BLOB_UPLOAD_INVALID = ErrorSpec("BLOB_UPLOAD_INVALID", 400, "blob upload invalid")
    BLOB_UPLOAD_UNKNOWN = ErrorSpec("BLOB_UPLOAD_UNKNOWN", 404, "blob upload unknown to registry")
    RANGE_INVALID = ErrorSpec("BLOB_UPLOAD_INVALID", 416, "requested range not satisfiable")
    DIGEST_INVALID = ErrorSpec("DIGEST_INVALID", 400, "provided digest did not match uploaded content")
    MANIFEST_BLOB_UNKNOWN = ErrorSpec(
        "MANIFEST_BLOB_UNKNOWN", 400, "manifest references a manifest or blob unknown to registry"
    )
    MANIFEST_INVALID = ErrorSpec("MANIFEST_INVALID", 400, "manifest invalid")
    MANIFEST_TOO_LARGE = ErrorSpec("SIZE_INVALID", 413, "manifest too large")
    MANIFEST_UNKNOWN = ErrorSpec("MANIFEST_UNKNOWN", 404, "manifest unknown to registry")
    NAME_INVALID = ErrorSpec("NAME_INVALID", 400, "invalid repository name")
    NAME_UNKNOWN = ErrorSpec("NAME_UNKNOWN", 404, "repository name not known to registry")
    SIZE_INVALID = ErrorSpec("SIZE_INVALID", 400, "provided length did not match content length")
    TAG_INVALID = ErrorSpec("TAG_INVALID", 400, "manifest tag did not match URI")
    PAGINATION_NUMBER_INVALID = ErrorSpec("PAGINATION_NUMBER_INVALID", 400, "invalid number of results requested")
    UNAUTHORIZED = ErrorSpec("UNAUTHORIZED", 401, "authentication required")
    DENIED = ErrorSpec("DENIED", 403, "requested access to the resource is denied")
    UNSUPPORTED = ErrorSpec("UNSUPPORTED", 405, "the operation is unsupported")
    # Artifactory REST answers (no OCI code of their own).
    NOT_FOUND = ErrorSpec("NOT_FOUND", 404, "Not Found")
    BAD_REQUEST = ErrorSpec("BAD_REQUEST", 400, "Bad Request")
    ROUTE_UNKNOWN = ErrorSpec("NOT_FOUND", 404, "No such API route")
    METHOD_NOT_ALLOWED = ErrorSpec("UNSUPPORTED", 405, "Method Not Allowed")

    @property
    def spec(self) -> ErrorSpec:
        return self.value


class Shape(enum.Enum):
    """How an error body is written, chosen by the route family."""

    OCI = "oci"
    ARTIFACTORY = "artifactory"
    TOKEN = "token"


class RegistryError(Exception):
    """An answer that is an error: raised by handlers, rendered by the error middleware."""

    def __init__(
        self,
        code: Code,
        message: str | None = None,
        *,
        detail: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.code = code
        self.message = message or code.spec.message
        self.detail = detail
        self.headers = dict(headers or {})
        super().__init__(f"{code.spec.code}: {self.message}")

    @property
    def status(self) -> int:
        return self.code.spec.status

    def body(self, shape: Shape) -> bytes:
        if shape is Shape.ARTIFACTORY:
            doc: dict[str, Any] = {"errors": [{"status": self.status, "message": self.message}]}
        elif shape is Shape.TOKEN:
            doc = {"statusCode": self.status, "details": self.message}
        else:
            entry: dict[str, Any] = {"code": self.code.spec.code, "message": self.message}
            if self.detail is not None:
                entry["detail"] = self.detail
            doc = {"errors": [entry]}
        return json.dumps(doc).encode()
