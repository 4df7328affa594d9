"""Rule packs: the knowledge as typed, immutable objects, and the one function that loads them.

A pack is a folder holding ``pack.yaml`` (data only). Loading takes two passes, as
ansible-rulebook does: the pack's JSON Schema (``schemas/rulepack.schema.json``) first, then
meaning: duplicate ids, references to levels, criteria, derived facts or input facts that do not
exist (with "did you mean"), cycles between derived facts, files outside the pack folder.
Every problem found is reported at once in a `PackError`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import DocumentError, Issue, PackError
from ..inputs.documents import read_document
from ..inputs.paths import json_path
from ..present.words import suggest
from . import resources
from .conditions import (
    Condition,
    FactInfo,
    ParseContext,
    parse_condition,
    references,
)

PACK_FILE = "pack.yaml"
MAX_PACK_BYTES = 2 * 1024 * 1024
MAX_RULES = 400
"""Packs with more rules than this are refused: the engine degrades long before its hard limits."""

IMPACT_ORDER = {"high": 3, "medium": 2, "low": 1}
SEVERITIES = ("info", "warning", "critical")
_IDENT = re.compile(r"[a-z][a-z0-9_]*")


class Source(NamedTuple):
    id: str
    title: str
    author: str | None = None
    date: str | None = None
    note: str | None = None


class Level(NamedTuple):
    id: str
    rank: int
    name: str
    summary: str
    source: str
    engagement: str | None = None
    measures_of_success: str | None = None


class DerivedFact(NamedTuple):
    id: str
    text: str
    when: Condition
    source: str


class Criterion(NamedTuple):
    id: str
    level: str
    text: str
    when: Condition
    source: str
    quote: str | None = None


class Recommendation(NamedTuple):
    id: str
    level: str
    addresses: tuple[str, ...]
    action: str
    impact: str
    source: str
    rationale: str | None = None
    when: Condition | None = None


class Finding(NamedTuple):
    id: str
    severity: str
    message: str
    when: Condition
    source: str


class Question(NamedTuple):
    """How the interview asks for one fact (the pack's wording; defaults come from the schema)."""

    fact: str
    ask: str
    help: str | None = None
    labels: tuple[tuple[str, str], ...] = ()  # (allowed value, label)


class RulePack(NamedTuple):
    """One framework's knowledge, loaded and checked."""

    id: str
    name: str
    version: str
    description: str
    sources: tuple[Source, ...]
    levels: tuple[Level, ...]
    attainment: str
    derived: tuple[DerivedFact, ...]
    criteria: tuple[Criterion, ...]
    recommendations: tuple[Recommendation, ...]
    findings: tuple[Finding, ...]
    facts_schema: Mapping[str, Any] = None  # type: ignore[assignment]
    fact_paths: Mapping[str, FactInfo] = None  # type: ignore[assignment]
    location: str = ""
    content_hash: str = ""
    questions: tuple[Question, ...] = ()

    def level(self, level_id: str) -> Level:
        for level in self.levels:
            if level.id == level_id:
                return level
        raise KeyError(level_id)

    def criteria_of(self, level_id: str) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.level == level_id)

    def source(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)


# --- loading ----------------------------------------------------------------------------------

def load_pack(location: str | Path) -> RulePack:
    """Load and check the pack in folder `location` (or its ``pack.yaml``)."""
    path = Path(location)
    folder = path if path.is_dir() else path.parent
    pack_file = path / PACK_FILE if path.is_dir() else path
    source = str(pack_file)
    try:
        document = read_document(pack_file, max_bytes=MAX_PACK_BYTES)
    except DocumentError as error:
        raise PackError(source, error.issues) from None
    raw = pack_file.read_bytes()

    def line_of(parts: list[str | int], is_key: bool = False) -> int | None:
        return document.line_of(parts, key=is_key)

    schema_issues = resources.validator("rulepack").issues(document.data, line_of)
    if schema_issues:
        raise PackError(source, schema_issues)
    return _build(document.data, folder, source, raw, line_of)


def _build(data: Mapping[str, Any], folder: Path, source: str, raw: bytes,
           line_of: Any) -> RulePack:
    issues: list[Issue] = []

    def problem(where: Sequence[str | int], message: str, **extra: Any) -> None:
        issues.append(Issue(json_path(where), message, line=line_of(list(where)), **extra))

    meta = data["pack"]
    facts_schema, schema_bytes = _facts_schema(meta.get("facts_schema", "builtin:facts-v1"),
                                               folder, problem)
    if facts_schema is not None and "facts_extensions" in meta:
        facts_schema, extra_bytes = _extended(facts_schema, meta["facts_extensions"], folder,
                                              problem)
        schema_bytes += b"\0" + extra_bytes
    fact_paths = _fact_paths(facts_schema) if facts_schema else {}

    sources = tuple(Source(s["id"], s["title"], s.get("author"), _text(s.get("date")),
                           s.get("note")) for s in meta["sources"])
    source_ids = [s.id for s in sources]
    levels = tuple(Level(item["id"], rank, item["name"], item["summary"], item["source"],
                         item.get("engagement"), item.get("measures_of_success"))
                   for rank, item in enumerate(data["levels"], start=1))
    level_ids = [level.id for level in levels]

    # ids: unique across the whole pack, so that every conclusion has one name
    seen: dict[str, tuple[str | int, ...]] = {}
    for section in ("levels", "derived", "criteria", "recommendations", "findings"):
        for index, item in enumerate(data.get(section, [])):
            ident = item["id"]
            where = (section, index, "id")
            if ident in seen:
                problem(where, f"the id {ident!r} is used twice (first at "
                               f"{'.'.join(map(str, seen[ident][:2]))})", code="duplicate-id")
            else:
                seen[ident] = where
    for index, item in enumerate(meta["sources"]):
        if source_ids.count(item["id"]) > 1 and source_ids.index(item["id"]) != index:
            problem(("pack", "sources", index, "id"), f"the source id {item['id']!r} is used "
                    "twice", code="duplicate-id")

    def check_source(where: tuple[str | int, ...], ident: str) -> None:
        if ident not in source_ids:
            problem(where, f"unknown source {ident!r}", allowed=", ".join(source_ids),
                    suggestion=suggest(ident, source_ids), code="unknown-reference")

    def check_level(where: tuple[str | int, ...], ident: str) -> None:
        if ident not in level_ids:
            problem(where, f"unknown level {ident!r}", allowed=", ".join(level_ids),
                    suggestion=suggest(ident, level_ids), code="unknown-reference")

    for index, level in enumerate(levels):
        check_source(("levels", index, "source"), level.source)

    ids = {
        "derived": [item["id"] for item in data.get("derived", [])],
        "criterion": [item["id"] for item in data.get("criteria", [])],
        "level": level_ids,
    }
    ctx = ParseContext(fact_paths=fact_paths, ids=ids,
                       line_of=lambda parts: line_of(parts))

    derived = []
    for index, item in enumerate(data.get("derived", [])):
        check_source(("derived", index, "source"), item["source"])
        derived.append(DerivedFact(item["id"], item["text"],
                                   parse_condition(item["when"], ("derived", index, "when"), ctx),
                                   item["source"]))
    criteria = []
    for index, item in enumerate(data.get("criteria", [])):
        check_source(("criteria", index, "source"), item["source"])
        check_level(("criteria", index, "level"), item["level"])
        if item["level"] == level_ids[0]:
            problem(("criteria", index, "level"), f"{item['level']!r} is the floor level, "
                    "which every organization attains: it takes no criteria",
                    allowed=", ".join(level_ids[1:]), code="floor-criterion")
        criteria.append(Criterion(item["id"], item["level"], item["text"],
                                  parse_condition(item["when"], ("criteria", index, "when"), ctx),
                                  item["source"], item.get("quote")))
    recommendations = []
    for index, item in enumerate(data.get("recommendations", [])):
        check_source(("recommendations", index, "source"), item["source"])
        check_level(("recommendations", index, "level"), item["level"])
        for position, criterion in enumerate(item["addresses"]):
            if criterion not in ids["criterion"]:
                problem(("recommendations", index, "addresses", position),
                        f"unknown criterion {criterion!r}", allowed=", ".join(ids["criterion"]),
                        suggestion=suggest(criterion, ids["criterion"]),
                        code="unknown-reference")
        when = item.get("when")
        recommendations.append(Recommendation(
            item["id"], item["level"], tuple(item["addresses"]), item["action"],
            item.get("impact", "medium"), item["source"], item.get("rationale"),
            parse_condition(when, ("recommendations", index, "when"), ctx)
            if when is not None else None))
    findings = []
    for index, item in enumerate(data.get("findings", [])):
        check_source(("findings", index, "source"), item["source"])
        findings.append(Finding(item["id"], item["severity"], item["message"],
                                parse_condition(item["when"], ("findings", index, "when"), ctx),
                                item["source"]))

    questions = _questions(data.get("questions", []), facts_schema or {}, problem)
    _check_cycles(levels, derived, criteria, problem)
    total = len(derived) + len(criteria) + len(recommendations) + len(findings) + len(levels)
    if total > MAX_RULES:
        problem((), f"the pack has {total} rules; at most {MAX_RULES} are allowed",
                code="too-large")
    issues.extend(ctx.issues)
    if issues:
        unique = sorted(set(issues), key=lambda i: (i.line or 0, i.path, i.message))
        raise PackError(source, tuple(unique))

    digest = hashlib.sha256(raw + b"\0" + schema_bytes).hexdigest()
    return RulePack(
        id=meta["id"], name=meta["name"], version=str(meta["version"]),
        description=meta["description"], sources=sources, levels=levels,
        attainment=meta.get("attainment", "staged"), derived=tuple(derived),
        criteria=tuple(criteria), recommendations=tuple(recommendations),
        findings=tuple(findings), facts_schema=facts_schema or {}, fact_paths=fact_paths,
        location=str(folder), content_hash=digest, questions=questions,
    )


def _questions(items: Sequence[Mapping[str, Any]], schema: Mapping[str, Any], problem: Any
               ) -> tuple[Question, ...]:
    fields = leaf_fields(schema)
    found = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        fact = item["fact"]
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
        allowed = field.get("enum") or field.get("items", {}).get("enum") or []
        labels = item.get("choices", {})
        for value in labels:
            if value not in [str(a) for a in allowed]:
                problem(("questions", index, "choices", value),
                        f"{value!r} is not a value {fact} can take",
                        allowed=", ".join(map(str, allowed)) or "no choices",
                        suggestion=suggest(value, [str(a) for a in allowed]),
                        code="unknown-value")
        found.append(Question(fact, item["ask"], item.get("help"),
                              tuple((str(k), str(v)) for k, v in labels.items())))
    return tuple(found)


def leaf_fields(schema: Mapping[str, Any], prefix: str = "") -> dict[str, Mapping[str, Any]]:
    """Every leaf field of a facts schema: dotted path -> its schema."""
    fields: dict[str, Mapping[str, Any]] = {}
    for name, child in schema.get("properties", {}).items():
        if not isinstance(child, Mapping):
            continue
        if child.get("type") == "object" and "properties" in child:
            fields.update(leaf_fields(child, f"{prefix}{name}."))
        else:
            fields[f"{prefix}{name}"] = child
    return fields


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _facts_schema(reference: str, folder: Path, problem: Any
                  ) -> tuple[Mapping[str, Any] | None, bytes]:
    """The facts schema a pack names: ``builtin:NAME`` or a file inside the pack folder."""
    where = ("pack", "facts_schema")
    if reference.startswith("builtin:"):
        name = reference.split(":", 1)[1]
        known = resources.builtin_facts_schemas()
        if name not in known:
            problem(where, f"unknown built-in facts schema {name!r}",
                    allowed=", ".join(f"builtin:{k}" for k in known),
                    suggestion=suggest(name, list(known)), code="unknown-reference")
            return None, b""
        raw = resources.schema_bytes(known[name])
        return json.loads(raw), raw
    return _pack_json(reference, folder, where, problem)


def _extended(schema: Mapping[str, Any], reference: str, folder: Path, problem: Any
              ) -> tuple[Mapping[str, Any], bytes]:
    """The facts schema with the new top-level fields of a pack's extensions file."""
    where = ("pack", "facts_extensions")
    extension, raw = _pack_json(reference, folder, where, problem)
    if extension is None:
        return schema, b""
    added = extension.get("properties", {})
    clashes = sorted(set(added) & set(schema.get("properties", {})))
    if clashes or not isinstance(added, Mapping):
        problem(where, f"{reference!r} redefines fields of the facts schema: "
                f"{', '.join(clashes) or 'properties is not a mapping'}",
                allowed="new field names only: contract fields are never replaced",
                code="schema")
        return schema, b""
    merged = dict(schema)
    merged["properties"] = {**schema.get("properties", {}), **added}
    merged["required"] = [*schema.get("required", []), *extension.get("required", [])]
    return merged, raw


def _pack_json(reference: str, folder: Path, where: tuple[str, ...], problem: Any
               ) -> tuple[Mapping[str, Any] | None, bytes]:
    """A JSON object from a file that must lie inside the pack folder."""
    root = folder.resolve()
    target = (folder / reference).resolve()
    if not target.is_relative_to(root):
        problem(where, f"{reference!r} points outside the pack folder",
                allowed="a path inside the pack folder", code="outside-pack")
        return None, b""
    try:
        document = read_document(target)
    except DocumentError as error:
        problem(where, f"cannot read {reference!r}: {error.issues[0].message}",
                code="unreadable")
        return None, b""
    if not isinstance(document.data, Mapping):
        problem(where, f"{reference!r} is not a JSON object", code="schema")
        return None, b""
    return document.data, target.read_bytes()


def _fact_paths(schema: Mapping[str, Any], prefix: str = "", required: bool = True
                ) -> dict[str, FactInfo]:
    """Every testable path of a facts schema: scalars, enums and lists of enums."""
    paths: dict[str, FactInfo] = {}
    needed = set(schema.get("required", ()))
    for name, child in schema.get("properties", {}).items():
        if not isinstance(child, Mapping) or not _IDENT.fullmatch(name):
            continue
        path = f"{prefix}{name}"
        is_required = required and name in needed
        kind = child.get("type")
        if kind == "object" and "properties" in child:
            paths.update(_fact_paths(child, path + ".", is_required))
        elif kind == "array":
            items = child.get("items", {})
            paths[path] = FactInfo(path, "list", is_required, tuple(items.get("enum", ())))
        elif "enum" in child:
            paths[path] = FactInfo(path, _kind_of(child["enum"]), is_required,
                                   tuple(child["enum"]))
        elif kind in ("string", "boolean", "integer", "number"):
            paths[path] = FactInfo(path, kind, is_required, (), child.get("minimum"),
                                   child.get("maximum"))
    return paths


def _kind_of(choices: Sequence[Any]) -> str:
    if all(isinstance(c, bool) for c in choices):
        return "boolean"
    if all(isinstance(c, int) and not isinstance(c, bool) for c in choices):
        return "integer"
    return "string"


def _check_cycles(levels: Sequence[Level], derived: Sequence[DerivedFact],
                  criteria: Sequence[Criterion], problem: Any) -> None:
    """Refuse conclusions that depend on themselves (they could never be decided)."""
    graph: dict[tuple[str, str], list[tuple[str, str]]] = {}
    where: dict[tuple[str, str], tuple[str | int, ...]] = {}
    for index, fact in enumerate(derived):
        graph[("derived", fact.id)] = [(r.kind, r.id) for r in references(fact.when)]
        where[("derived", fact.id)] = ("derived", index, "when")
    for index, criterion in enumerate(criteria):
        graph[("criterion", criterion.id)] = [(r.kind, r.id) for r in references(criterion.when)]
        where[("criterion", criterion.id)] = ("criteria", index, "when")
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
