"""Loading a rule pack: one function, two passes, as ansible-rulebook does.

The pack's JSON Schema (``schemas/rulepack.schema.json``) first, then meaning: duplicate ids,
references to levels, criteria, derived facts or input facts that do not exist (with "did you
mean"), cycles between conclusions, files outside the pack folder (also through links), too
many rules. Every problem found is reported at once in a `PackError`.

A pack's own facts schema is untrusted too: it must resolve only inside itself (no `$ref` to a
file, an address or a device: nothing outside the pack is ever read), satisfy the JSON Schema
meta-schema, and hold no regular expression that can backtrack catastrophically. A facts schema
that cannot be used stops the load with its problems: the rules' tests of facts could not be
checked against it.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote

from ..errors import DocumentError, Issue, PackError
from ..inputs.documents import Document, read_document
from ..inputs.paths import json_path
from ..inputs.schema_check import cap_issues
from ..present.words import optional_text, suggest
from . import resources
from .conditions import Condition, ParseContext, parse_condition, references
from .dimensions import read_dimensions, read_levels, rollup_criteria
from .fields import FieldTable
from .model import (
    PACK_FILE,
    Criterion,
    DerivedFact,
    Dimension,
    Finding,
    Level,
    QuestionWording,
    Recommendation,
    RulePack,
    Source,
)
from .team import read_team

MAX_PACK_BYTES = 2 * 1024 * 1024
MAX_RULES = 400
"""Packs with more rules than this are refused: the engine degrades long before its hard limits."""

Where = Sequence[str | int]
Problem = Callable[..., None]
"""``problem(where, message, allowed=..., suggestion=..., code=...)`` records one issue."""


def load_pack(location: str | Path) -> RulePack:
    """Load and check the pack in folder `location` (or its ``pack.yaml``)."""
    path = Path(location)
    folder = path if path.is_dir() else path.parent
    pack_file = path / PACK_FILE if path.is_dir() else path
    source = str(pack_file)
    refusal = unsafe_file(folder, pack_file)
    if refusal is not None:
        raise PackError(source, (Issue("$", f"{pack_file.name} {refusal.message}",
                                       allowed="a file inside the pack folder",
                                       code=refusal.code),))
    try:
        document = read_document(pack_file, max_bytes=MAX_PACK_BYTES)
    except DocumentError as error:
        raise PackError(source, error.issues) from None

    def line_of(parts: list[str | int], is_key: bool = False) -> int | None:
        return document.line_of(parts, key=is_key)

    schema_issues = resources.validator("rulepack").issues(document.data, line_of)
    if schema_issues:
        raise PackError(source, schema_issues)
    return _Builder(document, folder, pack_file.read_bytes()).build()


class Refusal(NamedTuple):
    """Why a file may not be read as part of a pack."""

    message: str
    code: str


def unsafe_file(folder: Path, path: Path, *, is_folder: bool = False) -> Refusal | None:
    """Why `path` may not be read as part of the pack in `folder`, or None when it may: it
    leads outside the folder (through ``..`` or a link), or it is not a regular file (a named
    pipe would block, a device never end) or, with `is_folder`, not a folder. A missing file is
    left to the reader to report."""
    try:
        root = folder.resolve()
        target = path.resolve()
    except (OSError, RuntimeError):  # a loop of links
        return Refusal("is a link that leads nowhere (a loop of links)", "unreadable")
    if not target.is_relative_to(root):
        return Refusal("leads outside the pack folder (through a link or ..)", "outside-pack")
    if target.exists() and not (target.is_dir() if is_folder else target.is_file()):
        return Refusal("is not a folder" if is_folder else "is not a regular file",
                       "unreadable")
    return None


class _Builder:
    """The second pass: from schema-valid pack data to a `RulePack`, every problem noted."""

    def __init__(self, document: Document, folder: Path, raw: bytes) -> None:
        self.document = document
        self.raw = raw  # the file's bytes, for the content hash
        self.data: Mapping[str, Any] = document.data
        self.meta: Mapping[str, Any] = self.data["pack"]
        self.folder = folder
        self.issues: list[Issue] = []

    def problem(self, where: Where, message: str, **extra: Any) -> None:
        self.issues.append(Issue(json_path(where), message,
                                 line=self.document.line_of(list(where)), **extra))

    def build(self) -> RulePack:
        fields, schema_bytes = self._fields()
        if fields is None:  # the rules' tests of facts cannot be checked without it
            raise self._error()
        sources = tuple(Source(s["id"], s["title"], s.get("author"), optional_text(s.get("date")),
                               s.get("note")) for s in self.meta["sources"])
        self.source_ids = [s.id for s in sources]
        levels = read_levels(self.data, self.problem)
        if not levels:  # nothing can be checked against a ladder that is not there
            raise self._error()
        dimensions = read_dimensions(self.data, self.problem)
        self.ladders = [levels, *(d.levels for d in dimensions)]
        self.level_ids = [level.id for ladder in self.ladders for level in ladder]
        self._check_ids()
        self._check_sources(levels, dimensions)
        self.ctx = ParseContext(fact_paths=fields.testable, ids={
            "derived": [item["id"] for item in self.data.get("derived", [])],
            "criterion": [item["id"] for item in self.data.get("criteria", [])],
            "level": self.level_ids,
        }, line_of=lambda parts: self.document.line_of(parts),
            dimensions={d.id: [level.id for level in d.levels] for d in dimensions},
            floors=[ladder[0].id for ladder in self.ladders])
        derived = self._derived()
        rollup, needs = rollup_criteria(self.data, levels, dimensions, self.problem)
        criteria = self._criteria() + self._checked_rollup(needs)
        recommendations = self._recommendations()
        findings = self._findings()
        questions = _questions(self.data.get("questions", []), fields, self.problem,
                               [d.id for d in dimensions])
        team = read_team(self.data, fields, self.source_ids, self.problem)
        _check_cycles(self.ladders, derived, criteria, self.problem)
        self._check_size(len(derived) + len(criteria) + len(recommendations) + len(findings)
                         + len(self.level_ids))
        self.issues.extend(self.ctx.issues)
        if self.issues:
            raise self._error()
        meta = self.meta
        return RulePack(
            id=meta["id"], name=meta["name"], version=str(meta["version"]),
            description=meta["description"], sources=sources, levels=levels,
            attainment=meta.get("attainment", "staged"), derived=derived, criteria=criteria,
            recommendations=recommendations, findings=findings, fields=fields,
            ranks={level.id: level.rank for ladder in self.ladders for level in ladder},
            location=str(self.folder),
            content_hash=hashlib.sha256(self.raw + b"\0" + schema_bytes).hexdigest(),
            questions=questions, dimensions=dimensions, rollup=rollup,
            unit_rollup=meta.get("unit_rollup", "lowest"), team=team)

    def _error(self) -> PackError:
        unique = sorted(set(self.issues), key=lambda i: (i.line or 0, i.path, i.message))
        return PackError(self.document.source, cap_issues(unique))  # the first 100, a count

    # --- the facts schema -------------------------------------------------------------------

    def _fields(self) -> tuple[FieldTable | None, bytes]:
        """The facts schema's fields, or None when the schema cannot be used."""
        meta, folder = self.meta, self.folder
        schema, schema_bytes, own = _facts_schema(meta.get("facts_schema", "builtin:facts-v1"),
                                                  folder, self.problem)
        if schema is not None and "facts_extensions" in meta:
            schema, extra_bytes, extension = _extended(schema, meta["facts_extensions"], folder,
                                                       self.problem)
            schema_bytes += b"\0" + extra_bytes
            own += extension
        if schema is None or not _sound(own, schema, self.problem):
            return None, schema_bytes
        return FieldTable(schema), schema_bytes

    # --- ids and references -----------------------------------------------------------------

    def _check_ids(self) -> None:
        """Ids are unique across the whole pack (every ladder's levels included), so that every
        conclusion has one name."""
        seen: dict[str, tuple[str | int, ...]] = {}
        places: list[tuple[tuple[str | int, ...], Any]] = [
            ((section, index), item) for section in ("levels",)
            for index, item in enumerate(self.data.get(section, []))]
        places += [(("dimensions", number, "levels", index), item)
                   for number, dimension in enumerate(self.data.get("dimensions", []))
                   for index, item in enumerate(dimension["levels"])]
        places += [((section, index), item)
                   for section in ("derived", "criteria", "recommendations", "findings")
                   for index, item in enumerate(self.data.get(section, []))]
        for place, item in places:
            ident = item["id"]
            where = (*place, "id")
            if ident in seen:
                first = seen[ident]
                self.problem(where, f"the id {ident!r} is used twice (first at "
                             f"{json_path(first[:-1])[2:]})", code="duplicate-id")
            else:
                seen[ident] = where
        for index, item in enumerate(self.meta["sources"]):
            if self.source_ids.index(item["id"]) != index:
                self.problem(("pack", "sources", index, "id"), f"the source id {item['id']!r} "
                             "is used twice", code="duplicate-id")

    def _check_source(self, where: Where, ident: str) -> None:
        self._check_known(where, ident, "source", self.source_ids)

    def _check_sources(self, levels: Sequence[Level], dimensions: Sequence[Dimension]) -> None:
        for index, level in enumerate(levels):
            self._check_source(("levels", index, "source"), level.source)
        for number, dimension in enumerate(dimensions):
            self._check_source(("dimensions", number, "source"), dimension.source)
            for index, level in enumerate(dimension.levels):
                self._check_source(("dimensions", number, "levels", index, "source"),
                                   level.source)

    def _check_level(self, where: Where, ident: str) -> None:
        self._check_known(where, ident, "level", self.level_ids)

    def _rank(self, level_id: str) -> int:
        """A level's rank on its ladder (0 for an unknown id)."""
        for ladder in self.ladders:
            for level in ladder:
                if level.id == level_id:
                    return level.rank
        return 0

    def _checked_rollup(self, needs: Sequence[Criterion]) -> tuple[Criterion, ...]:
        """The roll-up's criteria, unless an id of the pack's own takes their name."""
        taken = {item["id"] for item in self.data.get("criteria", [])}
        for criterion in needs:
            if criterion.id in taken:
                index = [item["id"] for item in self.data["criteria"]].index(criterion.id)
                self.problem(("criteria", index, "id"), f"the id {criterion.id!r} is the "
                             "roll-up's own criterion for that level and dimension",
                             allowed="an id that does not start with 'rollup.'",
                             code="duplicate-id")
        return tuple(needs)

    def _check_known(self, where: Where, ident: str, kind: str, known: Sequence[str]) -> None:
        if ident not in known:
            self.problem(where, f"unknown {kind} {ident!r}", allowed=", ".join(known),
                         suggestion=suggest(ident, known), code="unknown-reference")

    def _when(self, section: str, index: int, data: Any) -> Condition:
        return parse_condition(data, (section, index, "when"), self.ctx)

    # --- the sections -----------------------------------------------------------------------

    def _derived(self) -> tuple[DerivedFact, ...]:
        found = []
        for index, item in enumerate(self.data.get("derived", [])):
            self._check_source(("derived", index, "source"), item["source"])
            found.append(DerivedFact(item["id"], item["text"],
                                     self._when("derived", index, item["when"]), item["source"]))
        return tuple(found)

    def _criteria(self) -> tuple[Criterion, ...]:
        found = []
        for index, item in enumerate(self.data.get("criteria", [])):
            self._check_source(("criteria", index, "source"), item["source"])
            self._check_level(("criteria", index, "level"), item["level"])
            if self._rank(item["level"]) == 1:
                self.problem(("criteria", index, "level"), f"{item['level']!r} is the floor "
                             "level, which every organization attains: it takes no criteria",
                             allowed=", ".join(level for level in self.level_ids
                                               if self._rank(level) > 1),
                             code="floor-criterion")
            found.append(Criterion(item["id"], item["level"], item["text"],
                                   self._when("criteria", index, item["when"]), item["source"],
                                   item.get("quote")))
        return tuple(found)

    def _recommendations(self) -> tuple[Recommendation, ...]:
        criteria = self.ctx.ids["criterion"]
        found = []
        for index, item in enumerate(self.data.get("recommendations", [])):
            self._check_source(("recommendations", index, "source"), item["source"])
            self._check_level(("recommendations", index, "level"), item["level"])
            for position, criterion in enumerate(item["addresses"]):
                self._check_known(("recommendations", index, "addresses", position), criterion,
                                  "criterion", criteria)
            when = item.get("when")
            found.append(Recommendation(
                item["id"], item["level"], tuple(item["addresses"]), item["action"],
                item.get("impact", "medium"), item["source"], item.get("rationale"),
                self._when("recommendations", index, when) if when is not None else None))
        return tuple(found)

    def _findings(self) -> tuple[Finding, ...]:
        found = []
        for index, item in enumerate(self.data.get("findings", [])):
            self._check_source(("findings", index, "source"), item["source"])
            found.append(Finding(item["id"], item["severity"], item["message"],
                                 self._when("findings", index, item["when"]), item["source"]))
        return tuple(found)

    def _check_size(self, total: int) -> None:
        if total > MAX_RULES:
            self.problem((), f"the pack has {total} rules; at most {MAX_RULES} are allowed",
                         code="too-large")


def _questions(items: Sequence[Mapping[str, Any]], fields: FieldTable, problem: Problem,
               dimensions: Sequence[str] = ()) -> tuple[QuestionWording, ...]:
    found = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        fact = item["fact"]
        dimension = item.get("dimension")
        if dimension is not None and dimension not in dimensions:
            problem(("questions", index, "dimension"), f"unknown dimension {dimension!r}",
                    allowed=", ".join(dimensions) or "the pack declares no dimensions",
                    suggestion=suggest(dimension, list(dimensions)), code="unknown-reference")
        if fact not in fields:
            problem(("questions", index, "fact"), f"unknown fact {fact!r}",
                    allowed=", ".join(fields), suggestion=suggest(fact, list(fields)),
                    code="unknown-reference")
            continue
        if fact in seen:
            problem(("questions", index, "fact"), f"{fact!r} has two questions",
                    code="duplicate-id")
        seen.add(fact)
        field = fields[fact]
        _check_choice_labels(index, field.choices, item, fact, problem,
                             is_list=field.kind == "list")
        labels = item.get("choices", {})
        synonyms = item.get("synonyms", {})
        found.append(QuestionWording(
            fact, item["ask"], item.get("help"),
            tuple((str(k), str(v)) for k, v in labels.items()), item.get("why"),
            item.get("form"),
            tuple((str(word), str(value)) for value, words in synonyms.items()
                  for word in words), dimension))
    return tuple(found)


def _check_choice_labels(index: int, choices: Sequence[Any], item: Mapping[str, Any],
                         fact: str, problem: Problem, *, is_list: bool = False) -> None:
    """A question's labels and synonyms name values the fact can take; each synonym stands
    for one value only, and is not another allowed value, a number or a command word (see
    `QuestionWording.synonym_problem`)."""
    allowed = [str(a) for a in choices]
    for key in ("choices", "synonyms"):
        for value in item.get(key, {}):
            if str(value) not in allowed:
                problem(("questions", index, key, value),
                        f"{value!r} is not a value {fact} can take",
                        allowed=", ".join(allowed) or "no choices",
                        suggestion=suggest(value, allowed), code="unknown-value")
    values = {QuestionWording.normal(a): a for a in allowed}
    taken: dict[str, str] = {}
    for value, words in item.get("synonyms", {}).items():
        for position, word in enumerate(words):
            refused = QuestionWording.synonym_problem(word, str(value), values, taken,
                                                      is_list=is_list)
            if refused:
                problem(("questions", index, "synonyms", value, position), refused,
                        allowed="a word or words standing for this value alone",
                        code="ambiguous-synonym")
            else:
                taken.setdefault(QuestionWording.normal(word), str(value))


class _SchemaFile(NamedTuple):
    """A facts schema document the pack brings: what pack.yaml calls it, and where."""

    reference: str
    where: Where
    document: Document


def _facts_schema(reference: str, folder: Path, problem: Problem
                  ) -> tuple[Mapping[str, Any] | None, bytes, list[_SchemaFile]]:
    """The facts schema a pack names: ``builtin:NAME`` or a file inside the pack folder."""
    where = ("pack", "facts_schema")
    if reference.startswith("builtin:"):
        name = reference.split(":", 1)[1]
        known = resources.builtin_facts_schemas()
        if name not in known:
            problem(where, f"unknown built-in facts schema {name!r}",
                    allowed=", ".join(f"builtin:{k}" for k in known),
                    suggestion=suggest(name, list(known)), code="unknown-reference")
            return None, b"", []
        raw = resources.schema_bytes(known[name])
        return json.loads(raw), raw, []
    document, raw = _pack_json(reference, folder, where, problem)
    if document is None:
        return None, b"", []
    return document.data, raw, [_SchemaFile(reference, where, document)]


def _extended(schema: Mapping[str, Any], reference: str, folder: Path, problem: Problem
              ) -> tuple[Mapping[str, Any], bytes, list[_SchemaFile]]:
    """The facts schema with the new top-level fields of a pack's extensions file."""
    where = ("pack", "facts_extensions")
    document, raw = _pack_json(reference, folder, where, problem)
    if document is None:
        return schema, b"", []
    extension = document.data
    added = extension.get("properties", {})
    required = extension.get("required", [])
    if not isinstance(added, Mapping) or not isinstance(required, list):
        return schema, b"", [_SchemaFile(reference, where, document)]  # the checks say why
    clashes = sorted(set(added) & set(schema.get("properties", {})))
    if clashes:
        problem(where, f"{reference!r} redefines fields of the facts schema: "
                f"{', '.join(clashes)}",
                allowed="new field names only: contract fields are never replaced",
                code="schema")
        return schema, b"", []
    merged = dict(schema)
    merged["properties"] = {**schema.get("properties", {}), **added}
    merged["required"] = [*schema.get("required", []), *required]
    return merged, raw, [_SchemaFile(reference, where, document)]


def _pack_json(reference: str, folder: Path, where: tuple[str, ...], problem: Problem
               ) -> tuple[Document | None, bytes]:
    """A JSON object from a file that must lie inside the pack folder."""
    refusal = unsafe_file(folder, folder / reference)
    if refusal is not None:
        message = (f"{reference!r} points outside the pack folder"
                   if refusal.code == "outside-pack" else f"{reference!r} {refusal.message}")
        problem(where, message, allowed="a path inside the pack folder", code=refusal.code)
        return None, b""
    target = (folder / reference).resolve()
    try:
        document = read_document(target)
    except DocumentError as error:
        problem(where, f"cannot read {reference!r}: {error.issues[0].message}",
                code="unreadable")
        return None, b""
    if not isinstance(document.data, Mapping):
        problem(where, f"{reference!r} is not a JSON object", code="schema")
        return None, b""
    return document, target.read_bytes()


def _sound(files: Sequence[_SchemaFile], schema: Mapping[str, Any], problem: Problem) -> bool:
    """Whether the facts schema documents the pack brings may be used (`schema`: the whole
    facts schema, as the validator will see it); every problem is reported."""
    found = [(file, issue) for file in files
             for issue in facts_schema_problems(file.document.data, schema)]
    if not found and files:
        found = [(_holding(files, issue.parts), issue) for issue in chain_problems(schema)]
    for file, issue in found:
        line = file.document.line_of(list(issue.parts))
        place = f"{file.reference}:{line}" if line is not None else file.reference
        problem(file.where, f"{place}: {json_path(issue.parts)}: {issue.message}",
                allowed=issue.allowed, code=issue.code)
    return not found


def _holding(files: Sequence[_SchemaFile], parts: Parts) -> _SchemaFile:
    """The document that holds `parts` of the whole facts schema (extensions hold their
    fields), for its line."""
    for file in list(files)[::-1]:
        if _pointed(file.document.data, parts)[1] is not _MISSING:
            return file
    return files[0]


# --- checking a pack's own facts schema -------------------------------------------------------
#
# A pack's facts schema is untrusted: jsonschema would follow any `$ref` it holds (files, URLs,
# devices), accept nonsense (`required: "organization"`), and run any regular expression on
# the answers. Before it is used, it must resolve only inside itself, satisfy the JSON Schema
# meta-schema, and hold only regular expressions that cannot backtrack catastrophically.

LOCAL_REFERENCE = "a reference inside the same schema, such as #/$defs/name"
MAX_SCHEMA_CHAIN = 32
"""At most this many schemas may apply to one value in a chain ($ref, allOf, not...)."""
_REMOTE_KEYWORDS = ("$anchor", "$dynamicAnchor", "$dynamicRef", "$recursiveAnchor",
                    "$recursiveRef")
_IN_PLACE_LISTS = ("allOf", "anyOf", "oneOf")
_IN_PLACE_ONE = ("not", "if", "then", "else")
_MISSING = object()
_regex_parser: Any = importlib.import_module("re._parser")
"""The standard library's parser of regular expressions (no type stubs): how `re` reads a
pattern, to find its nested repeats."""

Parts = tuple[str | int, ...]


class SchemaProblem(NamedTuple):
    """One problem of a facts schema document, at a path inside it."""

    parts: Parts
    message: str
    code: str
    allowed: str | None = None


def facts_schema_problems(schema: Any, root: Any) -> list[SchemaProblem]:
    """Every reason why `schema` (one document of a pack's facts schema) may not be used;
    references resolve against `root`, the facts schema the validator will see."""
    problems = list(_reference_problems(schema, root))
    problems += _pattern_problems(schema)
    problems += _meta_problems(schema)
    problems += [SchemaProblem((*parts, "enum"), "an empty enum allows no value at all",
                               "schema", "at least one value")
                 for parts, node in _mappings(schema) if node.get("enum") == []]
    return problems


def _mappings(data: Any) -> Iterator[tuple[Parts, Mapping[str, Any]]]:
    """Every mapping in a document with its path, whatever keyword holds it: a reference can
    make any of them a schema."""
    stack: list[tuple[Parts, Any]] = [((), data)]
    while stack:
        parts, value = stack.pop()
        if isinstance(value, Mapping):
            yield parts, value
            stack.extend(((*parts, key), child) for key, child in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend(((*parts, index), child)
                         for index, child in reversed(list(enumerate(value))))


def _reference_problems(schema: Any, root: Any) -> Iterator[SchemaProblem]:
    for parts, node in _mappings(schema):
        for key in _REMOTE_KEYWORDS:
            if isinstance(node.get(key), str):
                yield SchemaProblem((*parts, key), f"{key} is not allowed in a pack's facts "
                                    "schema: it can make a reference leave the schema",
                                    "schema-ref", LOCAL_REFERENCE)
        if parts and isinstance(node.get("$id"), str):
            yield SchemaProblem((*parts, "$id"), "$id is allowed only at the top of the "
                                "schema: inside it, it can make a reference leave the schema",
                                "schema-ref", LOCAL_REFERENCE)
        reference = node.get("$ref")
        if isinstance(reference, str):
            message = _reference_problem(reference, root)
            if message:
                yield SchemaProblem((*parts, "$ref"), message, "schema-ref", LOCAL_REFERENCE)


def _reference_problem(reference: str, root: Any) -> str | None:
    if not reference.startswith("#"):
        return (f"the reference {reference!r} points outside this schema: a pack's facts "
                "schema reads no other file or address")
    pointer = unquote(reference[1:])
    if pointer and not pointer.startswith("/"):
        return f"the reference {reference!r} names an anchor: only JSON pointers are allowed"
    _, target = _pointed(root, _pointer_parts(pointer))
    if target is _MISSING:
        return f"the reference {reference!r} points to nothing in this schema"
    if not isinstance(target, (Mapping, bool)):
        return f"the reference {reference!r} points to something that is not a schema"
    return None


def _pointer_parts(pointer: str) -> Parts:
    return tuple(token.replace("~1", "/").replace("~0", "~") for token in pointer.split("/")[1:])


def _pointed(root: Any, parts: Parts) -> tuple[Parts, Any]:
    """The value at `parts` (JSON pointer tokens) in `root`, or `_MISSING`, with the path to
    it as the document's walk names it (list positions as numbers)."""
    target = root
    found: list[str | int] = []
    for token in parts:
        if isinstance(target, Mapping) and token in target:
            target = target[token]
            found.append(token)
        elif isinstance(target, list) and str(token).isdigit() and int(token) < len(target):
            target = target[int(token)]
            found.append(int(token))
        else:
            return parts, _MISSING
    return tuple(found), target


def _pattern_problems(schema: Any) -> Iterator[SchemaProblem]:
    for parts, node in _mappings(schema):
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            problem = regex_problem(pattern)
            if problem:
                yield SchemaProblem((*parts, "pattern"), *problem)
        named = node.get("patternProperties")
        if isinstance(named, Mapping):
            for key in named:
                problem = regex_problem(key)
                if problem:
                    yield SchemaProblem((*parts, "patternProperties", key), *problem)


_NESTED_REPEAT = ("a pattern without a repeated group that holds a repeat or alternatives, "
                  "such as ^[a-z][a-z0-9_]*$; where the nesting is needed, make the inner "
                  "repeat possessive (a++) or atomic ((?>a+))")


def regex_problem(pattern: str) -> tuple[str, str, str | None] | None:
    """(message, code, allowed) when `pattern` is not a usable regular expression: invalid,
    or able to backtrack catastrophically (a repeated group holding a repeat or alternatives,
    as in ``(a+)+``, ``(a|aa)*`` or ``(\\w+\\s?)*``: seconds on a 30-character answer)."""
    try:
        re.compile(pattern)
        parsed = _regex_parser.parse(pattern)
    except (re.error, OverflowError, RecursionError, ValueError) as error:
        return (f"{pattern!r} is not a valid regular expression: {error}", "schema-pattern",
                "a regular expression as Python's re module reads it")
    if _nested_repeat(list(parsed), False):
        return (f"{pattern!r} repeats a group that holds a repeat or alternatives, which can "
                "take exponential time to match a long answer", "schema-pattern",
                _NESTED_REPEAT)
    return None


def _nested_repeat(items: Sequence[tuple[Any, Any]], in_loop: bool) -> bool:
    """Whether a parsed pattern repeats (`in_loop`: inside a repeat of more than once) a part
    that can match in several ways: a repeat of varying count, or alternatives. Possessive
    repeats and atomic groups never backtrack into what they matched, so they are safe."""
    parser = _regex_parser
    for op, argument in items:
        if op in (parser.MAX_REPEAT, parser.MIN_REPEAT):
            low, high, body = argument
            if in_loop and low != high:
                return True
            if _nested_repeat(body, in_loop or high > 1):
                return True
        elif op is parser.BRANCH:
            if in_loop or any(_nested_repeat(branch, in_loop) for branch in argument[1]):
                return True
        elif _nested_repeat(_subpatterns(op, argument), in_loop):
            return True
    return False


def _subpatterns(op: Any, argument: Any) -> list[tuple[Any, Any]]:
    """The parts of a group, a lookaround or a conditional, as one sequence."""
    parser = _regex_parser
    if op is parser.SUBPATTERN:
        return list(argument[-1])
    if op in (parser.ASSERT, parser.ASSERT_NOT):
        return list(argument[1])
    if op is parser.GROUPREF_EXISTS:
        return [*argument[1], *(argument[2] or ())]
    return []


def _meta_problems(schema: Any) -> list[SchemaProblem]:
    """The schema against the JSON Schema 2020-12 meta-schema, every error at once.

    A common subset is recognised as valid without jsonschema (importing it costs a start-up
    about 170 ms); anything else is decided by jsonschema itself."""
    if _plainly_valid(schema):
        return []
    from jsonschema import Draft202012Validator

    checker = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    return [SchemaProblem(tuple(error.absolute_path), _shortened(error.message), "schema",
                          "a JSON Schema (draft 2020-12)")
            for error in checker.iter_errors(schema)]


def _shortened(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[:limit - 1] + "…"


_SIMPLE_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})


def _is_count(value: Any) -> bool:
    return type(value) is int and value >= 0


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_types(value: Any) -> bool:
    if isinstance(value, str):
        return value in _SIMPLE_TYPES
    return (isinstance(value, list) and bool(value) and len(set(map(str, value))) == len(value)
            and all(isinstance(item, str) and item in _SIMPLE_TYPES for item in value))


def _is_names(value: Any) -> bool:
    return (isinstance(value, list) and all(isinstance(item, str) for item in value)
            and len(set(value)) == len(value))


def _is_schema(value: Any) -> bool:
    return isinstance(value, bool) or _plainly_valid(value)


def _is_schemas(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(map(_is_schema, value))


def _is_schema_map(value: Any) -> bool:
    return isinstance(value, Mapping) and all(map(_is_schema, value.values()))


_PLAIN_KEYWORDS: dict[str, Callable[[Any], bool]] = {
    "type": _is_types, "enum": lambda value: isinstance(value, list),
    "const": lambda value: True, "default": lambda value: True,
    "examples": lambda value: isinstance(value, list),
    "minimum": _is_number, "maximum": _is_number,
    "exclusiveMinimum": _is_number, "exclusiveMaximum": _is_number,
    "minLength": _is_count, "maxLength": _is_count, "minItems": _is_count,
    "maxItems": _is_count, "minProperties": _is_count, "maxProperties": _is_count,
    "required": _is_names, "uniqueItems": lambda value: type(value) is bool,
    "pattern": _is_text, "format": _is_text, "title": _is_text, "description": _is_text,
    "$comment": _is_text, "$schema": _is_text, "$ref": _is_text,
    "$id": lambda value: isinstance(value, str) and re.fullmatch("[^#]*#?", value) is not None,
    "properties": _is_schema_map, "patternProperties": _is_schema_map, "$defs": _is_schema_map,
    "additionalProperties": _is_schema, "items": _is_schema, "propertyNames": _is_schema,
    "not": _is_schema, "allOf": _is_schemas, "anyOf": _is_schemas, "oneOf": _is_schemas,
}


def _plainly_valid(schema: Any) -> bool:
    """True only when `schema` certainly satisfies the 2020-12 meta-schema: a mapping of
    keywords from a common subset, each with a value of the right kind. False: not sure."""
    return isinstance(schema, Mapping) and all(
        key in _PLAIN_KEYWORDS and _PLAIN_KEYWORDS[key](value) for key, value in schema.items())


class _Cycle(Exception):
    def __init__(self, parts: Parts) -> None:
        self.parts = parts


class _TooLong(Exception):
    def __init__(self, parts: Parts) -> None:
        self.parts = parts


def chain_problems(root: Any) -> list[SchemaProblem]:
    """A reference cycle that never reads into the value (``{"$ref": "#"}``: validation would
    recurse forever), or a chain of more than `MAX_SCHEMA_CHAIN` schemas applied to one value;
    `root` has passed `facts_schema_problems`."""
    longest: dict[Parts, int] = {}
    try:
        for parts, node in _mappings(root):
            _chain(root, parts, node, longest, set())
    except _Cycle as cycle:
        return [SchemaProblem(cycle.parts, "this reference leads back to where it is, without "
                              "reading into the value: validating would never end",
                              "schema-cycle", LOCAL_REFERENCE)]
    except _TooLong as chain:
        return [SchemaProblem(chain.parts, f"more than {MAX_SCHEMA_CHAIN} schemas apply to one "
                              "value in a chain of $ref, allOf, anyOf, oneOf, not or if/then/"
                              "else", "schema-cycle", "a shorter chain")]
    return []


def _chain(root: Any, parts: Parts, node: Mapping[str, Any], longest: dict[Parts, int],
           path: set[Parts]) -> int:
    """The longest chain of schemas applied in place from `node`, memoised in `longest`."""
    known = longest.get(parts)
    if known is not None:
        return known
    if len(path) > MAX_SCHEMA_CHAIN:
        raise _TooLong(parts)
    path.add(parts)
    result = 0
    for named, where in _applied(parts, node):
        target, child = _pointed(root, named)
        if target in path:
            raise _Cycle(where)
        if isinstance(child, Mapping):
            result = max(result, 1 + _chain(root, target, child, longest, path))
    path.discard(parts)
    longest[parts] = result
    return result


def _applied(parts: Parts, node: Mapping[str, Any]) -> Iterator[tuple[Parts, Parts]]:
    """(schema applied to the same value, where it is named) for each in-place applicator."""
    reference = node.get("$ref")
    if isinstance(reference, str) and reference.startswith("#"):
        yield _pointer_parts(unquote(reference[1:])), (*parts, "$ref")
    for key in _IN_PLACE_LISTS:
        if isinstance(node.get(key), list):
            for index in range(len(node[key])):
                yield (*parts, key, index), (*parts, key, index)
    for key in _IN_PLACE_ONE:
        if key in node:
            yield (*parts, key), (*parts, key)
    dependent = node.get("dependentSchemas")
    if isinstance(dependent, Mapping):
        for name in dependent:
            yield (*parts, "dependentSchemas", name), (*parts, "dependentSchemas", name)


def _check_cycles(ladders: Sequence[Sequence[Level]], derived: Sequence[DerivedFact],
                  criteria: Sequence[Criterion], problem: Problem) -> None:
    """Refuse conclusions that depend on themselves (they could never be decided)."""
    graph: dict[tuple[str, str], list[tuple[str, str]]] = {}
    where: dict[tuple[str, str], tuple[str | int, ...]] = {}
    for index, fact in enumerate(derived):
        graph[("derived", fact.id)] = [(r.kind, r.id) for r in references(fact.when)]
        where[("derived", fact.id)] = ("derived", index, "when")
    for index, criterion in enumerate(criteria):
        graph[("criterion", criterion.id)] = [(r.kind, r.id) for r in references(criterion.when)]
        where[("criterion", criterion.id)] = ("criteria", index, "when")
    for levels in ladders:
        for index, level in enumerate(levels):
            below = [("level", levels[index - 1].id)] if index > 0 else []
            graph[("level", level.id)] = below + [("criterion", c.id) for c in criteria
                                                   if c.level == level.id]
    state: dict[tuple[str, str], int] = {}
    reported: set[frozenset[tuple[str, str]]] = set()

    def visit(node: tuple[str, str], trail: list[tuple[str, str]]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            cycle = trail[trail.index(node):] + [node]
            key = frozenset(cycle)
            start = next((n for n in cycle if n in where), None)
            if key not in reported and start is not None:
                reported.add(key)
                problem(where[start], "these conclusions depend on each other in a cycle and "
                        "could never be decided: " + " -> ".join(f"{k} {i}" for k, i in cycle),
                        code="cycle")
            return
        state[node] = 1
        for used in graph.get(node, []):
            visit(used, [*trail, node])
        state[node] = 2

    for node in graph:
        visit(node, [])
