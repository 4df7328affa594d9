"""Loading a rule pack: one function, two passes, as ansible-rulebook does.

The pack's JSON Schema (``schemas/rulepack.schema.json``) first, then meaning: duplicate ids,
references to levels, criteria, derived facts or input facts that do not exist (with "did you
mean"), cycles between conclusions, files outside the pack folder, too many rules. Every
problem found is reported at once in a `PackError`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import DocumentError, Issue, PackError
from ..inputs.documents import Document, read_document
from ..inputs.paths import json_path
from ..present.words import suggest
from . import resources
from .conditions import Condition, ParseContext, parse_condition, references
from .fields import FieldTable
from .model import (
    PACK_FILE,
    Criterion,
    DerivedFact,
    Finding,
    Level,
    QuestionWording,
    Recommendation,
    RulePack,
    Source,
)

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
        sources = tuple(Source(s["id"], s["title"], s.get("author"), _text(s.get("date")),
                               s.get("note")) for s in self.meta["sources"])
        self.source_ids = [s.id for s in sources]
        levels = tuple(Level(item["id"], rank, item["name"], item["summary"], item["source"],
                             item.get("engagement"), item.get("measures_of_success"))
                       for rank, item in enumerate(self.data["levels"], start=1))
        self.level_ids = [level.id for level in levels]
        self._check_ids()
        for index, level in enumerate(levels):
            self._check_source(("levels", index, "source"), level.source)
        self.ctx = ParseContext(fact_paths=fields.testable, ids={
            "derived": [item["id"] for item in self.data.get("derived", [])],
            "criterion": [item["id"] for item in self.data.get("criteria", [])],
            "level": self.level_ids,
        }, line_of=lambda parts: self.document.line_of(parts))
        derived = self._derived()
        criteria = self._criteria()
        recommendations = self._recommendations()
        findings = self._findings()
        questions = _questions(self.data.get("questions", []), fields, self.problem)
        _check_cycles(levels, derived, criteria, self.problem)
        self._check_size(len(derived) + len(criteria) + len(recommendations) + len(findings)
                         + len(levels))
        self.issues.extend(self.ctx.issues)
        if self.issues:
            unique = sorted(set(self.issues), key=lambda i: (i.line or 0, i.path, i.message))
            raise PackError(self.document.source, tuple(unique))
        meta = self.meta
        return RulePack(
            id=meta["id"], name=meta["name"], version=str(meta["version"]),
            description=meta["description"], sources=sources, levels=levels,
            attainment=meta.get("attainment", "staged"), derived=derived, criteria=criteria,
            recommendations=recommendations, findings=findings, fields=fields,
            ranks={level.id: level.rank for level in levels}, location=str(self.folder),
            content_hash=hashlib.sha256(self.raw + b"\0" + schema_bytes).hexdigest(),
            questions=questions)

    # --- the facts schema -------------------------------------------------------------------

    def _fields(self) -> tuple[FieldTable, bytes]:
        meta, folder = self.meta, self.folder
        schema, schema_bytes = _facts_schema(meta.get("facts_schema", "builtin:facts-v1"),
                                             folder, self.problem)
        if schema is not None and "facts_extensions" in meta:
            schema, extra_bytes = _extended(schema, meta["facts_extensions"], folder,
                                            self.problem)
            schema_bytes += b"\0" + extra_bytes
        return FieldTable(schema or {}), schema_bytes

    # --- ids and references -----------------------------------------------------------------

    def _check_ids(self) -> None:
        """Ids are unique across the whole pack, so that every conclusion has one name."""
        seen: dict[str, tuple[str | int, ...]] = {}
        for section in ("levels", "derived", "criteria", "recommendations", "findings"):
            for index, item in enumerate(self.data.get(section, [])):
                ident = item["id"]
                where = (section, index, "id")
                if ident in seen:
                    self.problem(where, f"the id {ident!r} is used twice (first at "
                                 f"{'.'.join(map(str, seen[ident][:2]))})", code="duplicate-id")
                else:
                    seen[ident] = where
        for index, item in enumerate(self.meta["sources"]):
            if self.source_ids.index(item["id"]) != index:
                self.problem(("pack", "sources", index, "id"), f"the source id {item['id']!r} "
                             "is used twice", code="duplicate-id")

    def _check_source(self, where: Where, ident: str) -> None:
        self._check_known(where, ident, "source", self.source_ids)

    def _check_level(self, where: Where, ident: str) -> None:
        self._check_known(where, ident, "level", self.level_ids)

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
            if item["level"] == self.level_ids[0]:
                self.problem(("criteria", index, "level"), f"{item['level']!r} is the floor "
                             "level, which every organization attains: it takes no criteria",
                             allowed=", ".join(self.level_ids[1:]), code="floor-criterion")
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


def _questions(items: Sequence[Mapping[str, Any]], fields: FieldTable, problem: Problem
               ) -> tuple[QuestionWording, ...]:
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
        labels = item.get("choices", {})
        _check_choice_labels(index, fields[fact].choices, labels, fact, problem)
        found.append(QuestionWording(fact, item["ask"], item.get("help"),
                                     tuple((str(k), str(v)) for k, v in labels.items())))
    return tuple(found)


def _check_choice_labels(index: int, choices: Sequence[Any], labels: Mapping[str, Any],
                         fact: str, problem: Problem) -> None:
    allowed = [str(a) for a in choices]
    for value in labels:
        if value not in allowed:
            problem(("questions", index, "choices", value),
                    f"{value!r} is not a value {fact} can take",
                    allowed=", ".join(allowed) or "no choices",
                    suggestion=suggest(value, allowed), code="unknown-value")


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _facts_schema(reference: str, folder: Path, problem: Problem
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


def _extended(schema: Mapping[str, Any], reference: str, folder: Path, problem: Problem
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


def _pack_json(reference: str, folder: Path, where: tuple[str, ...], problem: Problem
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


def _check_cycles(levels: Sequence[Level], derived: Sequence[DerivedFact],
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
