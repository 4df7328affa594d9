"""People data handled with care: the BRMs' names and individual ratings.

- `anonymized`: the facts with each BRM's name replaced by a label (``BRM 1``, ``BRM 2``... in
  the order listed) and a respondent's name by their role, so every output made from them
  (text, JSON, reports, explanations) names no one. Free text (notes, evidence) is the
  writer's to keep clean: it is not rewritten.
- `without_profiles`: the facts as the history keeps them unless asked to keep profiles: the
  list of BRMs replaced by the practice ratings derived from it, so assessing the saved facts
  again gives the same level, criteria and recommendations, and no individual's ratings are
  stored.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ..engagement.reading import Engagement
from ..inputs.facts import Facts
from ..packs.model import TeamPolicy
from .aggregate import aggregates, derived_facts
from .roster import TEAM_LIST, listed, roster


def anonymized(data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `data` naming no one: BRMs by label, a respondent by role."""
    result = copy.deepcopy(dict(data))
    for number, item in enumerate(result.get(TEAM_LIST) or (), start=1):
        if isinstance(item, dict):
            item["name"] = f"BRM {number}"
    respondent = result.get("respondent")
    if isinstance(respondent, dict) and "name" in respondent:
        respondent["name"] = f"Respondent ({respondent.get('role', 'other')})"
    return result


def without_profiles(data: Mapping[str, Any], policy: TeamPolicy | None) -> dict[str, Any]:
    """`data` without the BRMs' individual profiles: their list replaced by the practice
    ratings derived from it (unchanged when no BRMs are listed)."""
    if policy is None or not listed(data):
        return dict(data)
    brms = roster(data, policy)
    kept = derived_facts(data, policy, aggregates(brms, policy, data.get(policy.ratings) or {}))
    kept.pop(TEAM_LIST, None)
    return kept


def anonymized_facts(facts: Facts) -> Facts:
    """Facts naming no one (still valid: labels are distinct names)."""
    return Facts(facts.source, anonymized(facts.data))


def anonymized_engagement(engagement: Engagement) -> Engagement:
    """An engagement naming no one: each unit's BRMs by label, its respondents as
    ``Respondent N (role)`` wherever they appear (who said what, evidence given by)."""
    units = []
    for unit in engagement.units:
        labels = {r.name: f"Respondent {n} ({r.role or 'other'})"
                  for n, r in enumerate(unit.respondents, start=1)}
        units.append(unit._replace(
            facts=anonymized_facts(unit.facts),
            respondents=tuple(r._replace(name=labels[r.name], data=anonymized(r.data))
                              for r in unit.respondents),
            combined=tuple(c._replace(answers=tuple(
                a._replace(respondent=labels.get(a.respondent, a.respondent))
                for a in c.answers)) for c in unit.combined),
            evidence=tuple(e._replace(given_by=labels.get(e.given_by, e.given_by)
                                      if e.given_by else None) for e in unit.evidence)))
    return engagement._replace(units=tuple(units))
