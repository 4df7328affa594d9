"""The result of an assessment, kept apart from how it is shown.

Immutable typed tuples (NamedTuple: cheap to define, which a CLI's start-up needs);
`Diagnosis.to_dict()` gives the JSON form described by
``schemas/diagnosis.schema.json`` and `Diagnosis.from_dict()` reads it back (a saved result has
no trace: it reads back with an empty one). Nothing here knows about text, HTML or the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from ..team.result import TeamResult

if TYPE_CHECKING:
    from ..packs.model import Level


class LevelRef(NamedTuple):
    id: str
    rank: int
    name: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "rank": self.rank, "name": self.name}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LevelRef:
        return cls(str(data["id"]), int(data["rank"]), str(data["name"]))

    @classmethod
    def by_id(cls, levels: Iterable[Level]) -> dict[str, LevelRef]:
        """Each of the pack's `levels` (one ladder, or ``pack.all_levels``) by its id, as a
        result names it."""
        return {level.id: cls(level.id, level.rank, level.name) for level in levels}

    @classmethod
    def maybe(cls, data: Mapping[str, Any] | None) -> LevelRef | None:
        return None if data is None else cls.from_dict(data)


class Matched(NamedTuple):
    """One fact a fired rule matched: the input facts it tested, or an earlier conclusion."""

    kind: str  # "facts" | "derived" | "criterion" | "level"
    id: str | None = None
    value: bool | None = None
    values: tuple[tuple[str, Any], ...] = ()  # (path, value) for the input facts

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "facts":
            return {"kind": "facts", "values": {path: value for path, value in self.values}}
        return {"kind": self.kind, "id": self.id, "value": self.value}


class TraceStep(NamedTuple):
    """One rule that fired, in firing order."""

    step: int
    rule: str  # the pack-level rule, e.g. "criterion:advisor.mode/unmet"
    engine_rule: str  # the compiled rule's name in the engine
    kind: str
    concludes: str  # the id concluded about
    value: bool
    matched: tuple[Matched, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step, "rule": self.rule, "engine_rule": self.engine_rule,
            "kind": self.kind, "concludes": self.concludes, "value": self.value,
            "matched": [m.to_dict() for m in self.matched],
        }


class Trace(Sequence[TraceStep]):
    """The steps of a trace, built on first use: most assessments (a batch, a what-if search)
    never read their trace, and building it costs as much as the rest of the result. Equal to
    the tuple of its steps, and compared, hashed and pickled as that tuple."""

    __slots__ = ("_build", "_steps")

    def __init__(self, steps: Sequence[TraceStep] | Callable[[], tuple[TraceStep, ...]]
                 = ()) -> None:
        self._build: Callable[[], tuple[TraceStep, ...]] | None = None
        self._steps: tuple[TraceStep, ...] | None = None
        if callable(steps):
            self._build = steps
        else:
            self._steps = tuple(steps)

    @property
    def steps(self) -> tuple[TraceStep, ...]:
        if self._steps is None:
            assert self._build is not None
            self._steps = self._build()
            self._build = None
        return self._steps

    @overload
    def __getitem__(self, index: int) -> TraceStep: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[TraceStep]: ...

    def __getitem__(self, index: int | slice) -> TraceStep | Sequence[TraceStep]:
        return self.steps[index]

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[TraceStep]:
        return iter(self.steps)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Trace):
            return self.steps == other.steps
        if isinstance(other, tuple):
            return self.steps == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.steps)

    def __repr__(self) -> str:
        return repr(self.steps)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Trace, (self.steps,))


class CriterionResult(NamedTuple):
    id: str
    level: str
    met: bool
    text: str
    source: str
    facts: tuple[tuple[str, Any], ...]  # the input facts the decision rested on
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "level": self.level, "met": self.met, "text": self.text,
                "source": self.source, "facts": {p: v for p, v in self.facts},
                "rule": self.rule}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CriterionResult:
        return cls(data["id"], data["level"], bool(data["met"]), data["text"], data["source"],
                   tuple(data.get("facts", {}).items()), data.get("rule", ""))


class RecommendationResult(NamedTuple):
    order: int
    id: str
    level: str
    action: str
    criteria: tuple[str, ...]
    impact: str
    source: str
    rationale: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"order": self.order, "id": self.id, "level": self.level, "action": self.action,
                "criteria": list(self.criteria), "impact": self.impact, "source": self.source,
                "rationale": self.rationale}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecommendationResult:
        return cls(int(data["order"]), data["id"], data["level"], data["action"],
                   tuple(data.get("criteria", ())), data["impact"], data["source"],
                   data.get("rationale"))


class FindingResult(NamedTuple):
    id: str
    severity: str
    message: str
    source: str
    facts: tuple[tuple[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "severity": self.severity, "message": self.message,
                "source": self.source, "facts": {p: v for p, v in self.facts}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FindingResult:
        return cls(data["id"], data["severity"], data["message"], data["source"],
                   tuple(data.get("facts", {}).items()))


class PackInfo(NamedTuple):
    id: str
    version: str
    name: str
    content_hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "name": self.name,
                "sha256": self.content_hash}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PackInfo:
        return cls(data["id"], str(data["version"]), data.get("name", data["id"]),
                   data.get("sha256", ""))


class DimensionResult(NamedTuple):
    """Where an organization stands on one dimension of a pack that rates several."""

    id: str
    name: str
    level: LevelRef
    next_level: LevelRef | None
    target: LevelRef | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "level": self.level.to_dict(),
                "next_level": self.next_level.to_dict() if self.next_level else None,
                "target": self.target.to_dict() if self.target else None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DimensionResult:
        return cls(str(data["id"]), str(data.get("name", data["id"])),
                   LevelRef.from_dict(data["level"]), LevelRef.maybe(data.get("next_level")),
                   LevelRef.maybe(data.get("target")))


class Diagnosis(NamedTuple):
    """Where an organization stands, why, and what to do next."""

    organization: str
    level: LevelRef
    next_level: LevelRef | None
    target: LevelRef | None
    criteria: tuple[CriterionResult, ...]
    derived: tuple[tuple[str, bool], ...]
    gaps: tuple[str, ...]  # unmet criteria of the next level and of every level up to the target
    recommendations: tuple[RecommendationResult, ...]
    findings: tuple[FindingResult, ...]
    trace: Sequence[TraceStep]  # a `Trace` (built on first use) or a tuple
    pack: PackInfo
    dimensions: tuple[DimensionResult, ...] = ()  # each dimension's level, when rated
    team: TeamResult | None = None  # the BRMs' profiles, when the facts list them

    def level_on(self, ladder: str) -> LevelRef:
        """The level reached on a ladder: a dimension's (by its id) or, for "", the overall
        one."""
        return self.dimension(ladder).level if ladder else self.level

    def dimension(self, dimension_id: str) -> DimensionResult:
        for result in self.dimensions:
            if result.id == dimension_id:
                return result
        raise KeyError(dimension_id)

    def criterion(self, criterion_id: str) -> CriterionResult:
        for result in self.criteria:
            if result.id == criterion_id:
                return result
        raise KeyError(criterion_id)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``schemas/diagnosis.schema.json``; ``dimensions`` only for a pack
        that rates several, so a one-ladder pack's result reads as it always has)."""
        return {
            "organization": self.organization,
            "level": self.level.to_dict(),
            "next_level": self.next_level.to_dict() if self.next_level else None,
            "target": self.target.to_dict() if self.target else None,
            **({"dimensions": [d.to_dict() for d in self.dimensions]}
               if self.dimensions else {}),
            "criteria": [c.to_dict() for c in self.criteria],
            "derived": {ident: value for ident, value in self.derived},
            "gaps": list(self.gaps),
            "recommendations": [r.to_dict() for r in self.recommendations],
            "findings": [f.to_dict() for f in self.findings],
            **({"team": self.team.to_dict()} if self.team is not None else {}),
            "trace": [t.to_dict() for t in self.trace],
            "pack": self.pack.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Diagnosis:
        """A diagnosis read back from its JSON (as printed, or as saved in the history,
        which keeps no trace). Raises KeyError/TypeError/ValueError on a malformed one."""
        return cls(
            organization=str(data["organization"]), level=LevelRef.from_dict(data["level"]),
            next_level=LevelRef.maybe(data.get("next_level")),
            target=LevelRef.maybe(data.get("target")),
            criteria=tuple(CriterionResult.from_dict(c) for c in data["criteria"]),
            derived=tuple((str(k), bool(v)) for k, v in data.get("derived", {}).items()),
            gaps=tuple(data.get("gaps", ())),
            recommendations=tuple(RecommendationResult.from_dict(r)
                                  for r in data.get("recommendations", ())),
            findings=tuple(FindingResult.from_dict(f) for f in data.get("findings", ())),
            trace=(), pack=PackInfo.from_dict(data["pack"]),
            dimensions=tuple(DimensionResult.from_dict(d)
                             for d in data.get("dimensions", ())),
            team=TeamResult.from_dict(data["team"]) if data.get("team") else None)
