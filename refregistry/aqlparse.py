"""The Artifactory Query Language's reader: a tokenizer, then a recursive-descent parser of the
grammar refregistry/aql.py gives and of the JSON values in it, bounded in depth.  Anything else is
an ``AqlError`` naming the problem and where it is."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .aql import FIELDS, MAX_DEPTH, MAX_NUMBER, TYPES, AqlError, Criterion, Obj, Query, criteria_of


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
        criteria = criteria_of(found)
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
