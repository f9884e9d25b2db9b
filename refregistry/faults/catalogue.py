"""The catalogue's core: ``Fault``, ``fault(...)`` that registers one, and ``Faults``, the set a server runs with.

A fault is registered once, with its effect: ``Rewrite``s of the answers of named routes, and
``policy`` values for the code that owns the rule it bends.  The catalogue is the registration
order, which ``refregistry faults --json`` and the self-proof keep.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field

from aiohttp import web

from ..policy import Policy, bent, check_fields

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# A rewrite wraps a route's handler: it may change the request, the answer or the error, or answer itself.
Wrap = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Rewrite:
    route: str  # a Route.name of routes.py
    wrap: Wrap
    methods: frozenset[str] = frozenset()  # empty: every method of the route

    def applies(self, method: str) -> bool:
        return not self.methods or method in self.methods


def on(route: str, *methods: str) -> Callable[[Wrap], Rewrite]:
    """``on("manifest", "GET")(wrap)``: ``wrap`` rewrites that route's answers to those methods."""
    return lambda wrap: Rewrite(route, wrap, frozenset(methods))


@dataclass(frozen=True)
class Fault:
    name: str
    summary: str
    checks: tuple[str, ...]
    where: str = "refregistry"  # or "stack": applied by the harness that builds the stack
    # Stack faults built into a stack: the refregistry stacks (id globs) it is proven on, each
    # started with it.  Empty: the self-proof's direct and proxied stacks, switched at run time.
    stacks: tuple[str, ...] = ()
    # The effect (refregistry faults only); not part of the catalogue's description.
    rewrites: tuple[Rewrite, ...] = field(default=(), compare=False, repr=False)
    policy: Mapping[str, object] = field(default_factory=dict, compare=False, repr=False)


REGISTERED: dict[str, Fault] = {}


def fault(
    name: str,
    summary: str,
    checks: tuple[str, ...],
    *,
    where: str = "refregistry",
    stacks: tuple[str, ...] = (),
    rewrites: tuple[Rewrite, ...] = (),
    **policy: object,
) -> None:
    """Register a fault with its effect: ``rewrites``, and ``policy`` fields (refregistry/policy.py)."""
    if name in REGISTERED:
        raise ValueError(f"fault {name!r} registered twice")
    check_fields(f"fault {name!r}", policy)
    REGISTERED[name] = Fault(name, summary, checks, where, stacks, rewrites, policy)


class UnknownFault(ValueError):
    pass


class Faults:
    """The set of faults a server runs with, and what it derives from them on every switch:
    the faults bend ``base``, the rules of the Artifactory version the server imitates."""

    def __init__(self, names: Iterable[str] = (), base: Policy | None = None) -> None:
        self.active: frozenset[Fault] = frozenset()
        self.base = base or Policy()
        self.policy = self.base
        self._rewrites: dict[str, tuple[Rewrite, ...]] = {}
        self.switch(names)

    def switch(self, names: Iterable[str]) -> None:
        """Replace the whole set (``serve --fault-control``); nothing changes if a name is unknown."""
        wanted = set(names)
        for name in wanted - REGISTERED.keys():
            raise UnknownFault(f"unknown fault {name!r}; `refregistry faults` lists them")
        ordered = [f for f in REGISTERED.values() if f.name in wanted]
        policy, rewrites = self.base, dict[str, tuple[Rewrite, ...]]()
        for fault in ordered:
            policy = bent(policy, fault.policy)
            for rewrite in fault.rewrites:
                rewrites[rewrite.route] = (*rewrites.get(rewrite.route, ()), rewrite)
        self.active, self.policy, self._rewrites = frozenset(ordered), policy, rewrites

    def names(self) -> list[str]:
        return sorted(f.name for f in self.active)

    def __bool__(self) -> bool:
        return bool(self.active)

    def handler(self, route: str, method: str, handler: Handler) -> Handler:
        """``handler`` wrapped in the active rewrites of ``route``, the first registered innermost."""
        for rewrite in self._rewrites.get(route, ()):
            if rewrite.applies(method):
                handler = _wrapped(rewrite.wrap, handler)
        return handler


def _wrapped(wrap: Wrap, inner: Handler) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return await wrap(request, inner)

    return handler


def catalogue_json() -> list[dict[str, object]]:
    return [
        {"name": f.name, "summary": f.summary, "checks": list(f.checks), "where": f.where, "stacks": list(f.stacks)}
        for f in REGISTERED.values()
    ]
