"""Evidence as the renderers show it: beside each criterion whose facts it supports, and the met
criteria that rest on facts with none (the audit trail).

Evidence comes from the facts (``evidence:`` per field path, read by
`engine.engagement.evidence.read_evidence`) or, for a unit of an engagement, also from the
engagement file. It never changes a conclusion; when no evidence is given at all, nothing here
is shown, so a facts file without evidence reads as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..engagement.evidence import UNIT, Evidence, read_evidence, supporting
from ..inference.diagnosis import CriterionResult, Diagnosis
from ..inputs.facts import Facts


def facts_evidence(facts: Facts) -> tuple[Evidence, ...]:
    """The evidence a facts file gives (its ``evidence`` mapping), in the order written."""
    return read_evidence(facts.get("evidence"))


def criterion_evidence(criterion: CriterionResult, evidence: Sequence[Evidence]
                       ) -> tuple[Evidence, ...]:
    """The evidence supporting any of the facts a criterion was decided on."""
    return supporting(evidence, [path for path, _ in criterion.facts])


def unevidenced(diagnosis: Diagnosis, evidence: Sequence[Evidence]) -> tuple[str, ...]:
    """Met criteria resting on at least one fact that no evidence supports."""
    backed = {item.path for item in evidence}
    return tuple(c.id for c in diagnosis.criteria
                 if c.met and any(path not in backed for path, _ in c.facts))


def about_unit(evidence: Sequence[Evidence]) -> tuple[Evidence, ...]:
    """Evidence about a unit as a whole rather than one of its answers."""
    return tuple(item for item in evidence if item.path == UNIT)


def unevidenced_line(diagnosis: Diagnosis, evidence: Sequence[Evidence]) -> str:
    """``Met without evidence: a, b`` (or ``none``), for a diagnosis whose facts give some."""
    missing = unevidenced(diagnosis, evidence)
    return "Met without evidence: " + (", ".join(missing) if missing else
                                       "none (every met criterion rests on evidenced facts)")


def evidence_dict(diagnosis: Diagnosis, evidence: Sequence[Evidence]) -> dict[str, Any]:
    """The JSON keys a diagnosis gains when its facts give evidence (none when they give none):
    ``evidence``, each item with the criteria it supports, and ``unevidenced``, the met criteria
    resting on facts with none."""
    if not evidence:
        return {}
    items = []
    for item in evidence:
        supported = [c.id for c in diagnosis.criteria
                     if any(path == item.path for path, _ in c.facts)]
        items.append({**item.to_dict(), "criteria": supported})
    return {"evidence": items, "unevidenced": list(unevidenced(diagnosis, evidence))}
