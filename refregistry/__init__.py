"""refregistry: a registry server with JFrog Artifactory's documented Docker behaviour."""

__version__ = "0.1.0"
