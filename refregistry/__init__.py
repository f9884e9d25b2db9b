"""refregistry: a registry server with JFrog Artifactory's documented Docker behaviour."""

from importlib.metadata import PackageNotFoundError, version

# Single-sourced: pyproject's version, as installed (refregistry ships in the suite's distribution).
try:
    __version__ = version("registry-conformance")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
