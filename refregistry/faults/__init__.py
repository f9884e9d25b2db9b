"""The fault catalogue: realistic defects refregistry can be started with.

A conformance check that cannot fail proves nothing.  Each fault imitates a defect seen in real
registries or proxy setups; ``refregistry serve --fault NAME`` switches it on, and its
``checks`` name the conformance capabilities (CONVENTIONS.md) whose checks must fail with it.
``refregistry faults --json`` prints the catalogue; the self-tests read it.  All are off by
default.  ``serve --fault-control`` lets an admin switch the set while the server runs
(handlers/control), so a self-proof stands a stack up once and runs many faults against it.

Faults live here, not in the behaviour they break: the handlers read as Artifactory's
behaviour only.  Each fault is declared once, with ``fault(...)``, together with its effect,
of one of two kinds:

* ``rewrites``: a ``Rewrite`` wraps the handler of a named route (``Route.name`` in routes.py)
  and changes its request, its answer or its error, or answers itself.  One middleware (app.py)
  applies the active faults' rewrites of the request's route, after authentication.
* policy keywords: values of ``refregistry.policy.Policy`` fields, handed to the code that owns
  the rule (a retention limit one too high, a digest left unchecked).  Use one where the rule is
  decided inside the handler or outside the handlers (auth, storage, virtual and remote
  repositories), where no rewrite of a request or an answer can reach.

To add a fault: declare it with ``fault(...)`` at the end of the module its part of the
catalogue belongs in (catalogue order is registration order, kept by ``faults --json``), give
it a probe in tests/fault_probes*.py, and, if no rewrite can express it, a ``Policy`` field read
by the code that owns the rule.  The stack faults (``where="stack"``) have no effect here: the
harness applies them when it builds a stack, and refregistry accepts and ignores their names.
"""

from __future__ import annotations

# Importing the parts registers their faults: this order is the catalogue's.
from . import docker, oci, artifactory_api, tokens, stack  # noqa: F401  # isort: skip
from .catalogue import REGISTERED, Fault, Faults, UnknownFault, catalogue_json

CATALOGUE: tuple[Fault, ...] = tuple(REGISTERED.values())

__all__ = ["CATALOGUE", "Fault", "Faults", "UnknownFault", "catalogue_json"]
