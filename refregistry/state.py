"""The server's state: what every request reads, kept on the aiohttp application under ``STATE``.

The configuration and the policy are replaced whole (a REST repository change, a fault switch),
never edited in place, so a request in flight keeps the ones it started with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from .auth import Authenticator
from .config import Config
from .policy import Policy
from .storage import Storage

if TYPE_CHECKING:
    from .faults import Faults  # which imports the handlers, whose helpers read the state


@dataclass
class State:
    config: Config
    storage: Storage
    auth: Authenticator
    faults: Faults
    version: str  # refregistry's own
    artifactory_version: str  # the Artifactory version it behaves as (refregistry/versions.py)
    initial_config: Config  # what a fault-control reset returns to (before REST API changes)
    policy: Policy = field(default_factory=Policy)  # the rules as the faults bend them (refregistry/policy.py)


STATE = web.AppKey("state", State)
