"""A documented subset of the Artifactory Query Language: ``items.find`` with its modifiers.

What ``POST /artifactory/api/search/aql`` takes (docs/refregistry.md lists it with its sources)::

    query     := "items" "." "find" "(" [criteria] ")" { "." modifier }
    modifier  := "include" "(" [string {"," string}] ")" | "sort" "(" object ")"
               | "offset" "(" integer ")" | "limit" "(" integer ")" | "distinct" "(" boolean ")"
    criteria  := a JSON object: field -> value | {operator: value, ...}; "@key" -> a property;
                 "$and" / "$or" -> [criteria, ...]; the pairs of one object must all hold

A tokenizer, then a recursive-descent parser of that grammar and of the JSON values in it, bounded
in depth: anything else is an ``AqlError`` naming the problem and where it is, which the handler
answers 400.  The criteria compile to a tree of ``Field``/``Prop``/``All``/``Either`` nodes that
``matches`` evaluates against an ``Item``.
"""

from __future__ import annotations

import json
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


# -- tokens -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Token:
    kind: str  # "string" | "number" | "name" | a punctuation character | "end"
    text: str
    pos: int


TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<string>"(?:[^"\\\x00-\x1f]|\\.)*")
      | (?P<number>-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<punct>[(){}\[\],:.])""",
    re.VERBOSE | re.ASCII,
)


def tokens(text: str) -> list[Token]:
    found, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if m is None:
            raise AqlError(f"unexpected character {text[pos]!r} at position {pos}")
        kind = str(m.lastgroup)
        if kind != "space":
            found.append(Token(m.group() if kind == "punct" else kind, m.group(), pos))
        pos = m.end()
    return [*found, Token("end", "", pos)]


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


def parse(text: str) -> Query:
    return _Parser(tokens(text)).query()


class _Parser:
    def __init__(self, toks: list[Token]) -> None:
        self.toks = toks
        self.at = 0

    def _peek(self) -> Token:
        return self.toks[self.at]

    def _take(self, kind: str, what: str = "") -> Token:
        tok = self._peek()
        if tok.kind != kind:
            raise _unexpected(tok, what or repr(kind))
        self.at += 1
        return tok

    def _name(self, *allowed: str) -> str:
        what = " or ".join(repr(a) for a in allowed)
        tok = self._take("name", what)
        if tok.text not in allowed:
            raise _unexpected(tok, what)
        return tok.text

    def query(self) -> Query:
        domain = self._take("name", "a domain")
        if domain.text != "items":
            raise AqlError(f"only the items domain is supported, not {domain.text!r} (position {domain.pos})")
        self._take(".")
        self._name("find")
        self._take("(")
        found = self._value(0) if self._peek().kind == "{" else Obj(())
        if not isinstance(found, Obj):
            raise AqlError("find() takes the criteria as a JSON object")
        self._take(")")
        criteria = _criteria(found)
        options: dict[str, Any] = {}
        while self._peek().kind == ".":
            self._take(".")
            modifier = self._name("include", "sort", "offset", "limit", "distinct")
            if modifier in options:
                raise AqlError(f".{modifier}() is given twice")
            self._take("(")
            options[modifier] = self._arguments()
            self._take(")")
        self._take("end", "the end of the query")
        return _query(criteria, _mentions_type(found), options)

    def _arguments(self) -> list[Any]:
        if self._peek().kind == ")":
            return []
        found = [self._value(0)]
        while self._peek().kind == ",":
            self._take(",")
            found.append(self._value(0))
        return found

    def _value(self, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise AqlError(f"criteria nested deeper than {MAX_DEPTH} levels (position {self._peek().pos})")
        tok = self._peek()
        if tok.kind == "{":
            return self._object(depth)
        if tok.kind == "[":
            self._take("[")
            items = [] if self._peek().kind == "]" else self._list(depth)
            self._take("]")
            return items
        if tok.kind == "string":
            self.at += 1
            return json.loads(tok.text)
        if tok.kind == "number":
            self.at += 1
            number = json.loads(tok.text)
            if abs(number) > MAX_NUMBER:
                raise AqlError(f"number {tok.text[:20]} at position {tok.pos} is out of range")
            return number
        literals = {"true": True, "false": False, "null": None}
        if tok.kind == "name" and tok.text in literals:
            self.at += 1
            return literals[tok.text]
        raise _unexpected(tok, "a JSON value")

    def _list(self, depth: int) -> list[Any]:
        items = [self._value(depth + 1)]
        while self._peek().kind == ",":
            self._take(",")
            items.append(self._value(depth + 1))
        return items

    def _object(self, depth: int) -> Obj:
        self._take("{")
        pairs: list[tuple[str, Any]] = []
        while self._peek().kind != "}":
            if pairs:
                self._take(",")
            key = json.loads(self._take("string", "a quoted key").text)
            self._take(":")
            pairs.append((key, self._value(depth + 1)))
        self._take("}")
        return Obj(tuple(pairs))


def _unexpected(tok: Token, what: str) -> AqlError:
    found = "the end of the query" if tok.kind == "end" else repr(tok.text[:40])
    return AqlError(f"expected {what} at position {tok.pos}, found {found}")


# -- criteria -----------------------------------------------------------------------------------
def _criteria(obj: Obj) -> Criterion:
    return All(tuple(_pair(key, value) for key, value in obj.pairs))


def _pair(key: str, value: Any) -> Criterion:
    if key in ("$and", "$or"):
        if not isinstance(value, list) or not value or not all(isinstance(v, Obj) for v in value):
            raise AqlError(f"{key} takes a list of criteria objects")
        parts = tuple(_criteria(v) for v in value)
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


def _mentions_type(obj: Obj) -> bool:
    """Whether the criteria name ``type`` anywhere (else AQL finds files only)."""

    def inside(value: Any) -> bool:
        if isinstance(value, Obj):
            return any(k == "type" or inside(v) for k, v in value.pairs)
        return isinstance(value, list) and any(inside(v) for v in value)

    return inside(obj)


# -- modifiers ----------------------------------------------------------------------------------
def _query(criteria: Criterion, typed: bool, options: dict[str, list[Any]]) -> Query:
    if options.get("distinct", [True]) not in ([True], [False]):
        raise AqlError(".distinct() takes true or false")  # results are distinct items either way
    fields, properties = _include(options.get("include"))
    return Query(
        criteria,
        fields,
        properties,
        _sort(options["sort"]) if "sort" in options else None,
        _count("offset", options["offset"]) if "offset" in options else 0,
        _count("limit", options["limit"]) if "limit" in options else None,
        TYPES[:2] if typed else ("file",),
    )


def _include(args: list[Any] | None) -> tuple[tuple[str, ...], frozenset[str] | None]:
    if not args:
        return FIELDS, None
    fields: list[str] = []
    keys: set[str] = set()
    for arg in args:
        if not isinstance(arg, str):
            raise AqlError(".include() takes field names as strings")
        if arg in ("property.*", "property", "property.key", "property.value") or arg == "@*":
            keys.add("*")
        elif arg.startswith("@") and len(arg) > 1:
            keys.add(arg[1:])
        elif arg == "*":
            fields.extend(FIELDS)
        elif arg in FIELDS:
            fields.append(arg)
        else:
            raise AqlError(f"unknown field {arg!r} in .include(); known: {', '.join(FIELDS)}, property.*, @<key>")
    shown = tuple(dict.fromkeys(fields)) or FIELDS  # properties alone come with the item's fields
    return shown, frozenset(keys) if keys else None


def _sort(args: list[Any]) -> tuple[bool, tuple[str, ...]]:
    if len(args) != 1 or not isinstance(args[0], Obj) or len(args[0].pairs) != 1:
        raise AqlError('.sort() takes one object: {"$asc": [fields]} or {"$desc": [fields]}')
    direction, names = args[0].pairs[0]
    if direction not in ("$asc", "$desc"):
        raise AqlError(f".sort() orders by $asc or $desc, not {direction!r}")
    if not isinstance(names, list) or not names or not all(n in FIELDS for n in names):
        raise AqlError(f".sort() takes a list of fields among {', '.join(FIELDS)}")
    return direction == "$desc", tuple(names)


def _count(modifier: str, args: list[Any]) -> int:
    if len(args) != 1 or isinstance(args[0], bool) or not isinstance(args[0], int) or args[0] < 0:
        raise AqlError(f".{modifier}() takes one whole number, 0 or more")
    return int(args[0])
