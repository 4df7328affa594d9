"""What the interview shows at its end: a screen, not the whole diagnosis. The level, the target,
the first actions to take, and how many findings there are to review; the commands for the
rest (explanation, full diagnosis, report) are the terminal's to print."""

from __future__ import annotations

from typing import NamedTuple

from ..inference.diagnosis import Diagnosis
from ..packs.model import RulePack
from .advice import level_name

TEAM_FINDINGS = "team."
"""How the ids of the findings about the BRM team start."""

TOP_ACTIONS = 3
"""Recommendations shown at the end of an interview: the first ones, in the diagnosis's order."""


class ClosingDimension(NamedTuple):
    """One dimension's standing at the end of an interview (a pack that rates several)."""

    name: str
    level: str  # the level's name
    rank: int
    levels: int  # how many levels the dimension's ladder has
    target: str | None  # the target level's name


class Closing(NamedTuple):
    """The end of an interview, in a few lines. (The maturity index joins the level here once
    the packs define one.)"""

    organization: str
    level: str  # the level's name
    rank: int
    levels: int  # how many levels the pack has
    target: str | None  # the target level's name
    actions: tuple[tuple[str, str], ...]  # (level name, action) of the first recommendations
    more_actions: int  # recommendations beyond those shown
    findings: int  # findings to review
    dimensions: tuple[ClosingDimension, ...] = ()  # each dimension's level, when rated
    business_unit: str | None = None  # the unit assessed, when answered
    respondent: str | None = None  # who answered ("Dana Reyes (business)"), when answered
    brms: int = 0  # the BRMs listed (their profiles are in the diagnosis)
    team_findings: int = 0  # of the findings, those about the BRM team

    @property
    def top(self) -> bool:
        """Whether the level is the pack's top level (nothing above to recommend)."""
        return self.rank == self.levels


def closing(diagnosis: Diagnosis, pack: RulePack, business_unit: str | None = None,
            respondent: str | None = None) -> Closing:
    """The end of an interview, from its diagnosis (and who the answers are of)."""
    shown = diagnosis.recommendations[:TOP_ACTIONS]
    return Closing(
        diagnosis.organization, diagnosis.level.name, diagnosis.level.rank, len(pack.levels),
        diagnosis.target.name if diagnosis.target else None,
        tuple((level_name(pack, rec.level), rec.action.strip()) for rec in shown),
        len(diagnosis.recommendations) - len(shown), len(diagnosis.findings),
        tuple(ClosingDimension(d.name, d.level.name, d.level.rank,
                               len(pack.dimension(d.id).levels),
                               d.target.name if d.target else None)
              for d in diagnosis.dimensions), business_unit, respondent,
        len(diagnosis.team.profiles) if diagnosis.team is not None else 0,
        sum(1 for f in diagnosis.findings if f.id.startswith(TEAM_FINDINGS)))
