"""A documented subset of the Artifactory Query Language: ``items.find`` with its modifiers.

What ``POST /artifactory/api/search/aql`` takes (docs/refregistry.md lists it with its sources)::

    query     := "items" "." "find" "(" [criteria] ")" { "." modifier }
    modifier  := "include" "(" [string {"," string}] ")" | "sort" "(" object ")"
               | "offset" "(" integer ")" | "limit" "(" integer ")" | "distinct" "(" boolean ")"
    criteria  := a JSON object: field -> value | {operator: value, ...}; "@key" -> a property;
                 "$and" / "$or" -> [criteria, ...]; the pairs of one object must all hold

refregistry/aqlparse.py reads a query (``parse``); here are what it reads into and the criteria:
they compile to a tree of ``Field``/``Prop``/``All``/``Either`` nodes that ``matches`` evaluates
against an ``Item``.  Anything wrong is an ``AqlError`` naming the problem, which the handler
answers 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MAX_DEPTH = 16  # nesting of JSON values: far beyond any real criteria, far below Python's recursion limit
MAX_NUMBER = 10**12


class AqlError(ValueError):
    """A query refregistry cannot run: the message says what and where."""


@dataclass(frozen=True)
class Item:
    """A file or folder of a repository, as the storage API shows it."""

    repo: str
    path: str  # the folder holding it: "." at the repository's root
    name: str
    type: str  # "file" | "folder"
    size: int
    created: float
    properties: dict[str, list[str]] = field(default_factory=dict)

    def value(self, name: str) -> str | int | float:
        """A field's value as criteria compare it (times as seconds since the epoch)."""
        if name in TIMES:
            return self.created  # refregistry never modifies an item in place
        value: str | int = getattr(self, name)
        return value


STRINGS = ("repo", "path", "name", "type")
TIMES = ("created", "modified", "updated")
FIELDS = (*STRINGS, "size", *TIMES)
TYPES = ("file", "folder", "any")


# -- the query ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Obj:
    """A JSON object, its pairs in order (criteria may repeat a key)."""

    pairs: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Field:
    name: str
    test: Callable[[Any], bool]


@dataclass(frozen=True)
class Prop:
    key: str  # "*": any key
    test: Callable[[str], bool]


@dataclass(frozen=True)
class All:
    parts: tuple[Criterion, ...]


@dataclass(frozen=True)
class Either:
    parts: tuple[Criterion, ...]


Criterion = Field | Prop | All | Either


@dataclass(frozen=True)
class Query:
    criteria: Criterion
    fields: tuple[str, ...] = FIELDS
    properties: frozenset[str] | None = None  # keys to show ("*": every one); None: no properties
    sort: tuple[bool, tuple[str, ...]] | None = None  # (descending, fields)
    offset: int = 0
    limit: int | None = None
    types: tuple[str, ...] = ("file",)  # no criterion on type: AQL finds files only


def matches(criterion: Criterion, item: Item, *, properties: bool = True) -> bool:
    """Whether ``item`` meets ``criterion``; without ``properties`` every property criterion holds."""
    if isinstance(criterion, Field):
        return criterion.test(item.value(criterion.name))
    if isinstance(criterion, Prop):
        if not properties:
            return True
        keys = item.properties if criterion.key == "*" else [criterion.key]
        return any(criterion.test(v) for k in keys for v in item.properties.get(k, ()))
    parts = (matches(part, item, properties=properties) for part in criterion.parts)
    return all(parts) if isinstance(criterion, All) else any(parts)


# -- criteria -----------------------------------------------------------------------------------
def criteria_of(obj: Obj) -> Criterion:
    """The criteria of ``find(obj)``: its pairs must all hold."""
    return All(tuple(_pair(key, value) for key, value in obj.pairs))


def _pair(key: str, value: Any) -> Criterion:
    if key in ("$and", "$or"):
        if not isinstance(value, list) or not value or not all(isinstance(v, Obj) for v in value):
            raise AqlError(f"{key} takes a list of criteria objects")
        parts = tuple(criteria_of(v) for v in value)
        return All(parts) if key == "$and" else Either(parts)
    if key.startswith("@"):
        return _compare(key, value, lambda op, arg: Prop(key[1:], _property_test(key, op, arg)))
    if key not in FIELDS:
        raise AqlError(f"unknown field {key!r} of items; known: {', '.join(FIELDS)} and @<property>")
    return _compare(key, value, lambda op, arg: Field(key, _field_test(key, op, arg)))


def _compare(key: str, value: Any, make: Callable[[str, Any], Criterion]) -> Criterion:
    """``"k": v`` is ``"k": {"$eq": v}``; an object of several operators needs them all."""
    if not isinstance(value, Obj):
        return make("$eq", value)
    if not value.pairs:
        raise AqlError(f"{key!r} has an empty comparison")
    return All(tuple(make(op, arg) for op, arg in value.pairs))


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": lambda a, b: a == b,
    "$ne": lambda a, b: a != b,
    "$gt": lambda a, b: a > b,
    "$gte": lambda a, b: a >= b,
    "$lt": lambda a, b: a < b,
    "$lte": lambda a, b: a <= b,
}
WILDCARDS = ("$match", "$nmatch")


def _operator(key: str, op: str) -> None:
    if op not in OPERATORS and op not in WILDCARDS:
        known = ", ".join([*OPERATORS, *WILDCARDS])
        raise AqlError(f"unknown operator {op!r} on {key!r}; known: {known}")


def _wildcard(key: str, op: str, pattern: Any) -> Callable[[str], bool]:
    """``*`` any string, ``?`` one character; every other character is itself."""
    if not isinstance(pattern, str):
        raise AqlError(f"{op} on {key!r} takes a string pattern")
    regex = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL)
    found = op == "$match"
    return lambda value: (regex.fullmatch(value) is not None) is found


def _property_test(key: str, op: str, arg: Any) -> Callable[[str], bool]:
    _operator(key, op)
    if op in WILDCARDS:
        return _wildcard(key, op, arg)
    if isinstance(arg, bool) or not isinstance(arg, str | int | float):
        raise AqlError(f"{key!r} compares with a string or a number")
    if op == "$eq" and arg == "*":
        return lambda _value: True  # the documented catch-all value
    compare, text = OPERATORS[op], str(arg)
    return lambda value: compare(value, text)


def _field_test(key: str, op: str, arg: Any) -> Callable[[Any], bool]:
    _operator(key, op)
    if op in WILDCARDS:
        if key not in STRINGS:
            raise AqlError(f"{op} applies to text fields, not {key!r}")
        return _wildcard(key, op, arg)
    if key == "type" and (arg not in TYPES or op not in ("$eq", "$ne")):
        raise AqlError(f"'type' is compared with $eq or $ne to one of {', '.join(TYPES)}")
    if key == "type" and arg == "any":
        return lambda _value: op == "$eq"
    compare, value = OPERATORS[op], _operand(key, arg)
    return lambda found: bool(compare(found, value))


def _operand(key: str, arg: Any) -> str | int | float:
    if key in STRINGS:
        if not isinstance(arg, str):
            raise AqlError(f"{key!r} compares with a string")
        return arg
    if key == "size":
        if isinstance(arg, int) and not isinstance(arg, bool):
            return arg
        if isinstance(arg, str) and arg.isascii() and arg.isdigit() and len(arg) < 16:
            return int(arg)
        raise AqlError("'size' compares with a whole number of bytes")
    return parse_time(key, arg)


def parse_time(key: str, arg: Any) -> float:
    """An ISO-8601 date or time (UTC unless it says otherwise) as seconds since the epoch."""
    try:
        when = datetime.fromisoformat(str(arg).replace("Z", "+00:00")) if isinstance(arg, str) else None
    except ValueError:
        when = None
    if when is None:
        raise AqlError(f"{key!r} compares with an ISO-8601 time such as 2024-07-01T00:00:00Z, not {str(arg)[:40]!r}")
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
