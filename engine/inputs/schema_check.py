"""Validating documents against a JSON Schema: fast when valid, thorough when not.

`jsonschema` (Draft 2020-12) is the authority. Building its validator and importing it costs a
CLI start-up about 170 ms, and it spends more per document than our inference does, so the happy
path goes through a *conservative* checker compiled once from the same schema: it answers True
only when it is certain the document is valid (a subset of JSON Schema it understands exactly),
and otherwise hands the document to jsonschema, which decides and, when the document is invalid,
reports every error at once. Tests check the conservative checker never accepts what jsonschema
rejects (hypothesis), so the schema file stays the single source of truth.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from ..errors import Issue
from ..present.words import describe_value, plain, plural, suggest
from .paths import json_path

Check = Callable[[Any], bool]
LineFinder = Callable[[list[str | int], bool], "int | None"]

_ANNOTATIONS = frozenset({
    "$schema", "$id", "$comment", "title", "description", "default", "examples",
    "deprecated", "readOnly", "writeOnly", "format",
})


class _Unsupported(Exception):
    """The schema uses a keyword the fast checker does not model; jsonschema decides alone."""


class SchemaValidator:
    """A JSON Schema compiled once and reused for every document."""

    def __init__(self, schema: Mapping[str, Any], *, trusted: bool = False) -> None:
        """`trusted`: a schema shipped with brm-advisor (its patterns need no time limit);
        a pack's facts schema is not."""
        self.schema = schema
        self.trusted = trusted
        try:
            self._fast: Check | None = _Compiler(schema, trusted).compile(schema)
        except _Unsupported:
            self._fast = None
        self._full: Any = None

    def is_valid(self, instance: Any) -> bool:
        """True when the instance satisfies the schema."""
        if self._fast is not None and self._fast(instance):
            return True
        return bool(self._validator().is_valid(instance))

    def issues(self, instance: Any, line_of: LineFinder | None = None) -> tuple[Issue, ...]:
        """Every problem of the instance against the schema, sorted by place; () when valid.

        `line_of(parts, is_key)` gives the line of a path in the document's text, when known.
        At most `MAX_ISSUES` are listed, then one saying how many more there are.
        """
        if self._fast is not None and self._fast(instance):
            return ()
        found: dict[tuple[Any, ...], Located] = {}
        for error in self._validator().iter_errors(instance):
            for located in _issues_of(error):
                issue = located.issue
                if line_of is not None:
                    issue = issue._replace(line=_line(line_of, located.parts, issue.code))
                    located = located._replace(issue=issue)
                order = tuple((isinstance(p, int), p) for p in located.parts)
                found.setdefault((issue.line or 0, order, issue.code, issue.message), located)
        result = [found[key] for key in sorted(found)]
        too_short = {located.issue.path for located in result if located.issue.code == "length"}
        # an empty string also fails its pattern: one message for one mistake
        kept = [located for located in result
                if not (located.issue.code == "pattern" and located.issue.path in too_short)]
        return cap_issues([located.suggested() for located in kept[:MAX_ISSUES]],
                          total=len(kept))

    def _validator(self) -> Any:
        if self._full is None:
            from referencing import Registry

            # nothing is ever retrieved: a reference resolves inside the schema or not at all
            # (the pack loader refuses others; this is the second line of defence)
            registry = Registry(retrieve=_refuse_retrieval)  # type: ignore[call-arg]  # attrs
            self._full = _bounded_validator(self.trusted)(self.schema, registry=registry)
        return self._full


MAX_PATTERN_INPUT = 10_000
"""Characters of a string checked against a `pattern`: a longer one is refused unmatched (even
an innocent-looking pattern such as ``.*x`` takes time quadratic in the text)."""


MATCH_SECONDS = 0.25
"""The time one answer may take to be checked against a pattern: a pattern written so that it
backtracks (a pack's, which is not trusted) refuses the answer after this long instead of
hanging. Patterns are matched by the `regex` module, which stops at a timeout and avoids
most backtracking that Python's `re` falls into (``a*a*a*b``); the pack loader refuses nested
repeats outright."""


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> tuple[Any, bool]:
    """The compiled pattern, and whether it needs the timed matcher: a pattern without an
    unbounded repeat runs in linear time, so Python's own `re` matches it (the facts
    contract's patterns; importing `regex` costs start-up time)."""
    import re

    try:
        plain = re.compile(pattern)
    except re.error:
        plain = None
    if plain is not None and not _unbounded(pattern):
        return plain, False
    regex: Any = importlib.import_module("regex")  # untyped; costs start-up time
    return regex.compile(pattern), True


@functools.lru_cache(maxsize=256)
def _plain(pattern: str) -> Any:
    import re

    return re.compile(pattern)


def _trusted_pattern(argument: str, schema: Mapping[str, Any]) -> Check:
    compiled = _plain(argument)
    return lambda value: type(value) is not str or (len(value) <= MAX_PATTERN_INPUT
                                                     and compiled.search(value) is not None)


def _unbounded(pattern: str) -> bool:
    """Whether a pattern repeats anything without bound (``*``, ``+``, ``{n,}``)."""
    parser: Any = importlib.import_module("re._parser")  # the parser (Python 3.11+)
    constants: Any = importlib.import_module("re._constants")  # and its names

    stack = [parser.parse(pattern)]
    while stack:
        for op, argument in stack.pop():
            if op in (constants.MAX_REPEAT, constants.MIN_REPEAT, constants.POSSESSIVE_REPEAT):
                if argument[1] == constants.MAXREPEAT:
                    return True
                stack.append(argument[2])
            elif op in (constants.SUBPATTERN, constants.ATOMIC_GROUP):
                stack.append(argument[-1])
            elif op == constants.BRANCH:
                stack.extend(argument[1])
            elif op in (constants.ASSERT, constants.ASSERT_NOT):
                stack.append(argument[1])
    return False


def pattern_matches(pattern: str, text: str, *, trusted: bool = False) -> bool | None:
    """Whether `text` matches `pattern` anywhere (JSON Schema's `pattern`); None when it could
    not be decided in `MATCH_SECONDS` or the text is longer than `MAX_PATTERN_INPUT` (both
    count as not matching). A `trusted` pattern (a shipped schema's) is matched by `re`."""
    if len(text) > MAX_PATTERN_INPUT:
        return None
    if trusted:
        return _plain(pattern).search(text) is not None
    compiled, timed = _compiled(pattern)
    if not timed:
        return compiled.search(text) is not None
    try:
        return compiled.search(text, timeout=MATCH_SECONDS) is not None
    except TimeoutError:
        return None


def _refuse_retrieval(uri: str) -> Any:
    from referencing.exceptions import NoSuchResource

    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # an attrs class mypy misreads


@functools.cache
def _bounded_validator(trusted: bool = False) -> Any:
    """Draft 2020-12, with `pattern` refusing strings longer than `MAX_PATTERN_INPUT`."""
    from jsonschema import Draft202012Validator, ValidationError, validators

    def pattern(validator: Any, regex: str, instance: Any, schema: Any) -> Iterator[Any]:
        if not isinstance(instance, str):
            return
        found = pattern_matches(regex, instance, trusted=trusted)
        if found is None:
            yield ValidationError(f"could not be checked against {regex!r} in time")
        elif not found:
            yield ValidationError(f"{instance!r} does not match {regex!r}")

    return validators.extend(Draft202012Validator, {"pattern": pattern})


def _line(line_of: LineFinder, parts: list[str | int], code: str) -> int | None:
    if code == "required":  # where it is missing: its parent's key
        return line_of(parts[:-1], True)
    return line_of(parts, code == "unknown-field")


# --- the conservative checker -----------------------------------------------------------------

class _Compiler:
    """Compiles a schema into nested closures; local ``$ref``s resolve lazily (recursion)."""

    def __init__(self, root: Mapping[str, Any], trusted: bool = False) -> None:
        self.root = root
        self.trusted = trusted
        self.refs: dict[str, Check | None] = {}

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return lambda value: True
        if schema is False:
            return lambda value: False
        if not isinstance(schema, Mapping):
            raise _Unsupported(repr(schema))
        checks: list[Check] = []
        if any(keyword in schema for keyword in _OBJECT_KEYWORDS):
            checks.append(_object(schema, self))
        for keyword, argument in schema.items():
            if keyword in _ANNOTATIONS or keyword in _OBJECT_KEYWORDS or keyword == "$defs":
                continue
            if keyword == "$ref":
                checks.append(self.reference(argument))
                continue
            if keyword == "items":
                checks.append(_items(self.compile(argument)))
                continue
            if keyword == "anyOf" and isinstance(argument, list) and argument:
                checks.append(_any_of([self.compile(item) for item in argument]))
                continue
            compiler = _trusted_pattern if keyword == "pattern" and self.trusted else (
                _KEYWORDS.get(keyword))
            if compiler is None:
                raise _Unsupported(keyword)
            checks.append(compiler(argument, schema))
        if len(checks) == 1:
            return checks[0]
        return lambda value: all(check(value) for check in checks)

    def reference(self, pointer: str) -> Check:
        if not pointer.startswith("#/"):
            raise _Unsupported(f"$ref {pointer}")
        if pointer not in self.refs:
            self.refs[pointer] = None  # placeholder while compiling: recursion goes lazy
            target: Any = self.root
            for part in pointer[2:].split("/"):
                if not isinstance(target, Mapping) or part not in target:
                    raise _Unsupported(f"$ref {pointer}")
                target = target[part]
            self.refs[pointer] = self.compile(target)
        refs = self.refs

        def check(value: Any) -> bool:
            compiled = refs[pointer]
            return compiled is not None and compiled(value)

        return check


def _type(argument: Any, schema: Mapping[str, Any]) -> Check:
    names = [argument] if isinstance(argument, str) else list(argument)
    exact: dict[str, tuple[type, ...]] = {
        "string": (str,), "boolean": (bool,), "integer": (int,), "number": (int, float),
        "array": (list,), "object": (dict,), "null": (type(None),),
    }
    accepted: tuple[type, ...] = ()
    for name in names:
        if name not in exact:
            raise _Unsupported(f"type {name}")
        accepted += exact[name]
    allow_bool = "boolean" in names

    def check(value: Any) -> bool:
        kind = type(value)
        if kind is bool:
            return allow_bool
        if kind is float and "number" not in names:
            return False  # 3.0 is an integer to jsonschema: let it decide
        return kind in accepted

    return check


def _enum(argument: Any, schema: Mapping[str, Any]) -> Check:
    if not all(isinstance(item, str) for item in argument):
        raise _Unsupported("enum of non-strings")
    allowed = frozenset(argument)
    return lambda value: type(value) is str and value in allowed


def _const(argument: Any, schema: Mapping[str, Any]) -> Check:
    if isinstance(argument, bool) or not isinstance(argument, (str, int)):
        raise _Unsupported("const")
    kind = type(argument)
    return lambda value: type(value) is kind and value == argument


def _object(schema: Mapping[str, Any], compiler: _Compiler) -> Check:
    children = {name: compiler.compile(child)
                for name, child in schema.get("properties", {}).items()}
    required = tuple(schema.get("required", ()))
    extra = schema.get("additionalProperties", True)
    extra_check = None if extra is True or extra is False else compiler.compile(extra)
    closed = extra is False
    names = schema.get("propertyNames")
    names_check = compiler.compile(names) if names is not None else None
    least = schema.get("minProperties", 0)

    def check(value: Any) -> bool:
        if type(value) is not dict:
            return True  # other types are the business of `type`
        if len(value) < least:
            return False
        for name in required:
            if name not in value:
                return False
        for name, item in value.items():
            child = children.get(name)
            if child is not None:
                if not child(item):
                    return False
            elif closed or extra_check is not None and not extra_check(item):
                return False
            if names_check is not None and not names_check(name):
                return False
        return True

    return check


def _items(item_check: Check) -> Check:
    return lambda value: type(value) is not list or all(item_check(item) for item in value)


def _unique_items(argument: Any, schema: Mapping[str, Any]) -> Check:
    if not argument:
        return lambda value: True

    def check(value: Any) -> bool:
        if type(value) is not list:
            return True
        if not all(type(item) is str for item in value):
            return False  # not sure: let jsonschema decide
        return len(set(value)) == len(value)

    return check


def _bound(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Check]:
    def compiler(argument: Any, schema: Mapping[str, Any]) -> Check:
        def check(value: Any) -> bool:
            if type(value) is int or type(value) is float:
                return compare(value, argument)
            return True
        return check
    return compiler


def _string_bound(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Check]:
    def compiler(argument: Any, schema: Mapping[str, Any]) -> Check:
        return lambda value: type(value) is not str or compare(len(value), argument)
    return compiler


def _array_bound(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Check]:
    def compiler(argument: Any, schema: Mapping[str, Any]) -> Check:
        return lambda value: type(value) is not list or compare(len(value), argument)
    return compiler


def _any_of(alternatives: list[Check]) -> Check:
    return lambda value: any(check(value) for check in alternatives)


def _pattern(argument: str, schema: Mapping[str, Any]) -> Check:
    try:
        _compiled(argument)
    except Exception as error:  # noqa: BLE001 - the matcher's own error types
        raise _Unsupported(f"pattern {argument!r}") from error  # jsonschema judges it
    return lambda value: type(value) is not str or bool(pattern_matches(argument, value))


_KEYWORDS: dict[str, Callable[[Any, Mapping[str, Any]], Check]] = {
    "type": _type,
    "enum": _enum,
    "const": _const,
    "uniqueItems": _unique_items,
    "minimum": _bound(lambda a, b: a >= b),
    "maximum": _bound(lambda a, b: a <= b),
    "exclusiveMinimum": _bound(lambda a, b: a > b),
    "exclusiveMaximum": _bound(lambda a, b: a < b),
    "minLength": _string_bound(lambda a, b: a >= b),
    "maxLength": _string_bound(lambda a, b: a <= b),
    "minItems": _array_bound(lambda a, b: a >= b),
    "maxItems": _array_bound(lambda a, b: a <= b),
    "pattern": _pattern,
}
_OBJECT_KEYWORDS = frozenset({"properties", "required", "additionalProperties", "propertyNames",
                              "minProperties"})


# --- turning jsonschema's errors into issues --------------------------------------------------

_TYPE_WORDS = {
    "string": "a string", "boolean": "true or false", "integer": "a whole number",
    "number": "a number", "array": "a list", "object": "a mapping", "null": "null",
}

MAX_ISSUES = 100
"""At most this many problems are listed for one document; a last one says how many more."""

_LONGEST_MESSAGE = 300
"""jsonschema's own message (for keywords without words of ours) is used up to this length."""

def cap_issues(issues: Sequence[Issue], limit: int = MAX_ISSUES, *,
               total: int | None = None) -> tuple[Issue, ...]:
    """The first `limit` issues, and one more saying how many were left out (of `total`, when
    the caller listed only the first ones)."""
    listed = tuple(issues[:limit])
    total = len(issues) if total is None else total
    if total <= len(listed):
        return listed
    more = plural(total - len(listed), "more problem")
    return (*listed, Issue("$", f"... and {more}", code="more", more=total - len(listed)))


class Located(NamedTuple):
    """An issue, the path parts it concerns, and the word and names to suggest from: the
    suggestion is found only for the issues listed (with thousands, it would cost seconds)."""

    parts: list[str | int]
    issue: Issue
    near: tuple[Any, tuple[str, ...]] | None = None

    def suggested(self) -> Issue:
        if self.near is None:
            return self.issue
        return self.issue._replace(suggestion=suggest(*self.near))


class _Failure(NamedTuple):
    """One jsonschema error, reduced to what the messages need."""

    path: list[str | int]
    keyword: str
    argument: Any
    value: Any
    schema: Mapping[str, Any]
    message: str

    @classmethod
    def of(cls, error: Any) -> _Failure:
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        return cls(list(error.absolute_path), str(error.validator), error.validator_value,
                   error.instance, schema, str(error.message))

    def at(self, message: str, code: str, *, allowed: str | None = None,
           near: tuple[Any, Sequence[str]] | None = None,
           parts: list[str | int] | None = None) -> Located:
        """An issue at the failure's path (or `parts`); `near`: (word, names) to suggest from."""
        where = self.path if parts is None else parts
        issue = Issue(json_path(where), message, allowed=allowed, code=code)
        return Located(where, issue, None if near is None else (near[0], tuple(near[1])))


def _issues_of(error: Any) -> list[Located]:
    """Issues for one jsonschema error, each with the path parts it concerns."""
    failure = _Failure.of(error)
    if "propertyNames" in error.absolute_schema_path and isinstance(failure.value, str):
        return _property_name_issues(failure)
    return _ISSUES.get(failure.keyword, _other_issues)(failure)


def _property_name_issues(failure: _Failure) -> list[Located]:
    name = failure.value
    choices = [str(c) for c in failure.argument] if failure.keyword == "enum" else []
    return [failure.at(f"{describe_value(name)} is not an allowed key here", "unknown-field",
                       allowed=", ".join(choices) or _their_words(failure),
                       near=(name, choices), parts=[*failure.path, name])]


def _additional_properties_issues(failure: _Failure) -> list[Located]:
    if not isinstance(failure.value, Mapping):
        return _other_issues(failure)
    known = list(failure.schema.get("properties", {}))
    allowed = ", ".join(known) or "no fields"
    return [failure.at(f"unknown field {describe_value(name)}", "unknown-field", allowed=allowed,
                       near=(name, known), parts=[*failure.path, name])
            for name in failure.value if name not in known]


def _required_issues(failure: _Failure) -> list[Located]:
    if not isinstance(failure.value, Mapping):
        return _other_issues(failure)
    fields = failure.schema.get("properties", {})
    return [failure.at(f"missing required field {name!r}", "required",
                       allowed=_allowed_for(fields.get(name)), parts=[*failure.path, name])
            for name in failure.argument if name not in failure.value]


def _enum_issues(failure: _Failure) -> list[Located]:
    choices = failure.argument
    return [failure.at(f"{describe_value(failure.value)} is not allowed", "enum",
                       allowed=", ".join(map(plain, choices)),
                       near=(failure.value, [c for c in choices if isinstance(c, str)]))]


def _const_issues(failure: _Failure) -> list[Located]:
    return [failure.at(f"{describe_value(failure.value)} is not allowed", "const",
                       allowed=plain(failure.argument))]


def _type_issues(failure: _Failure) -> list[Located]:
    argument = failure.argument
    names = [argument] if isinstance(argument, str) else list(argument)
    expected = " or ".join(_TYPE_WORDS.get(name, name) for name in names)
    return [failure.at(f"expected {expected}, got {describe_value(failure.value)}", "type",
                       allowed=_allowed_for(failure.schema) or expected)]


def _unique_items_issues(failure: _Failure) -> list[Located]:
    seen: list[Any] = []
    repeated: list[Any] = []
    for item in failure.value:
        if item in seen and item not in repeated:
            repeated.append(item)
        seen.append(item)
    shown = ", ".join(plain(item) for item in repeated) or "an item"
    return [failure.at(f"lists {shown} more than once", "duplicate-item",
                       allowed="each item at most once")]


def _range_issues(failure: _Failure) -> list[Located]:
    return [failure.at(f"{describe_value(failure.value)} is out of range", "range",
                       allowed=_range_of(failure.schema))]


def _min_length_issues(failure: _Failure) -> list[Located]:
    least = failure.argument
    message = "must not be empty" if least == 1 else f"is shorter than {least} characters"
    return [failure.at(message, "length", allowed=_allowed_for(failure.schema))]


def _max_length_issues(failure: _Failure) -> list[Located]:
    most = failure.argument
    return [failure.at(f"is longer than {most} characters", "length",
                       allowed=f"at most {most} characters")]


def _min_items_issues(failure: _Failure) -> list[Located]:
    least = failure.argument
    message = "must not be empty" if least == 1 else f"has fewer than {least} items"
    return [failure.at(message, "length", allowed=f"at least {plural(least, 'item')}")]


def _max_items_issues(failure: _Failure) -> list[Located]:
    most = failure.argument
    return [failure.at(f"has more than {most} items", "length",
                       allowed=f"at most {most} items")]


def _pattern_issues(failure: _Failure) -> list[Located]:
    value = failure.value
    described = failure.schema.get("description")
    if isinstance(value, str) and not value.strip():
        return [failure.at("must not be blank", "pattern", allowed=described or "non-blank text")]
    if isinstance(value, str) and len(value) > MAX_PATTERN_INPUT:
        return [failure.at(f"is longer than {MAX_PATTERN_INPUT} characters: too long to check "
                           "against its form", "pattern",
                           allowed=described or f"text matching {failure.argument}")]
    if isinstance(value, str) and pattern_matches(failure.argument, value) is None:
        return [failure.at(f"could not be checked against its form in {MATCH_SECONDS} s (the "
                           "pattern backtracks: the pack should simplify it)", "pattern",
                           allowed=described or f"text matching {failure.argument}")]
    return [failure.at(f"{describe_value(value)} does not have the expected form", "pattern",
                       allowed=described or f"text matching {failure.argument}")]


def _other_issues(failure: _Failure) -> list[Located]:
    """A keyword without words of ours: jsonschema's message."""
    return [failure.at(_their_words(failure), failure.keyword)]


def _their_words(failure: _Failure) -> str:
    """jsonschema's message, unless it echoes too much of the value (it shows it in full)."""
    if len(failure.message) <= _LONGEST_MESSAGE:
        return failure.message
    return f"{describe_value(failure.value)} does not satisfy {failure.keyword}"


_ISSUES: dict[str, Callable[[_Failure], list[Located]]] = {
    "additionalProperties": _additional_properties_issues,
    "required": _required_issues,
    "enum": _enum_issues,
    "const": _const_issues,
    "type": _type_issues,
    "uniqueItems": _unique_items_issues,
    "minimum": _range_issues,
    "maximum": _range_issues,
    "exclusiveMinimum": _range_issues,
    "exclusiveMaximum": _range_issues,
    "minLength": _min_length_issues,
    "maxLength": _max_length_issues,
    "minItems": _min_items_issues,
    "maxItems": _max_items_issues,
    "pattern": _pattern_issues,
}
"""One function per JSON Schema keyword, as python-jsonschema's ``_keywords.py`` has."""


def _range_of(schema: Mapping[str, Any]) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    kind = "whole numbers" if schema.get("type") == "integer" else "numbers"
    if low is not None and high is not None:
        return f"{kind} from {low} to {high}"
    if low is not None:
        return f"{kind} of at least {low}"
    if high is not None:
        return f"{kind} of at most {high}"
    return kind


def _allowed_for(schema: Any) -> str | None:
    """A short phrase for what a schema accepts, for messages."""
    if not isinstance(schema, Mapping):
        return None
    if "enum" in schema:
        return ", ".join(plain(choice) for choice in schema["enum"])
    kind = schema.get("type")
    if kind == "array" and isinstance(schema.get("items"), Mapping) and "enum" in schema["items"]:
        choices = ", ".join(plain(c) for c in schema["items"]["enum"])
        return f"a list (possibly empty) of distinct items from: {choices}"
    if kind == "integer" and ("minimum" in schema or "maximum" in schema):
        return _range_of(schema)
    if kind == "boolean":
        return "true or false"
    if kind == "string":
        return "a non-empty string" if schema.get("minLength") else "a string"
    if kind == "object":
        names = list(schema.get("properties", {}))
        return "a mapping with " + ", ".join(names) if names else "a mapping"
    return None
