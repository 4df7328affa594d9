"""The floor for the benchmark: the seed pack's criteria, level and recommendations written as
one plain Python function, on already-parsed facts. What the engine path is measured against.
"""

from __future__ import annotations

from typing import Any

ALL_STAGES = {"strategy", "planning", "investment", "delivery", "operations",
              "value_realization"}
ADVISOR_SKILLS = ("business_environment", "business_alignment", "communication")
PARTNER_ONLY_SKILLS = ("value_realization", "relationships", "organizational_change",
                       "projects_and_programs", "financial_savvy")
RANK = {"ad_hoc": 1, "order_taker": 2, "advisor": 3, "strategic_partner": 4}
LEVELS = ("ad_hoc", "order_taker", "advisor", "strategic_partner")


def floor_diagnosis(facts: dict[str, Any]) -> dict[str, Any]:
    c = _criteria(facts)
    rank = 1
    for level in LEVELS[1:]:
        if all(met for cid, met in c.items() if cid.startswith(level + ".")):
            rank += 1
        else:
            break
    target = RANK.get(facts.get("target_level", ""), 0)

    def scope(level: str) -> bool:
        r = RANK[level]
        return r > rank and (r == rank + 1 or r <= target)

    rated = facts.get("competencies", {})
    recs: list[str] = []
    if scope("order_taker"):
        recs += _order_taker_recommendations(c)
    if scope("advisor"):
        recs += _advisor_recommendations(c, rated)
    if scope("strategic_partner"):
        recs += _partner_recommendations(c, rated, set(facts["engagement"]["lifecycle"]))
    return {"level": LEVELS[rank - 1], "criteria": c, "recommendations": recs}


def _criteria(facts: dict[str, Any]) -> dict[str, bool]:
    engagement = facts["engagement"]
    mode, priority = engagement["mode"], engagement["prioritization"]
    lifecycle = set(engagement["lifecycle"])
    measures = set(facts["measures"])
    rated = facts.get("competencies", {})

    def ok(skill: str) -> bool:
        return bool(rated.get(skill, 3) >= 3)

    return {
        "order_taker.formal_role": facts["brm"]["formal_role"],
        "order_taker.supply_engagement": mode != "reactive",
        "order_taker.orderly_prioritization": priority != "loudest_voice",
        "order_taker.supply_measures": bool(measures & {"satisfaction", "service_levels"}),
        "advisor.sought_out": mode in ("advisory", "partnership"),
        "advisor.business_priorities": priority in ("business_priorities", "joint"),
        "advisor.value_measures": "business_value" in measures,
        "advisor.competencies": all(ok(s) for s in ADVISOR_SKILLS),
        "strategic_partner.partnership": mode == "partnership",
        "strategic_partner.joint_prioritization": priority == "joint",
        "strategic_partner.full_lifecycle": lifecycle >= ALL_STAGES,
        "strategic_partner.partnership_measures": {"agility", "innovation",
                                                   "collaboration"} <= measures,
        "strategic_partner.competencies": all(ok(s) for s in ADVISOR_SKILLS + PARTNER_ONLY_SKILLS),
    }


def _low(rated: dict[str, int], skill: str) -> bool:
    return skill in rated and rated[skill] < 3


def _order_taker_recommendations(c: dict[str, bool]) -> list[str]:
    return ["rec.order_taker." + rec for rec, crit in (
        ("appoint_brm", "formal_role"), ("demand_management", "orderly_prioritization"),
        ("route_requests", "supply_engagement"), ("service_measures", "supply_measures"))
        if not c["order_taker." + crit]]


def _advisor_recommendations(c: dict[str, bool], rated: dict[str, int]) -> list[str]:
    recs = ["rec.advisor." + rec for rec, crit in (
        ("seek_advice", "sought_out"), ("prioritize_by_business", "business_priorities"),
        ("value_measures", "value_measures")) if not c["advisor." + crit]]
    return recs + ["rec.advisor.develop." + s for s in ADVISOR_SKILLS if _low(rated, s)]


def _partner_recommendations(c: dict[str, bool], rated: dict[str, int],
                             lifecycle: set[str]) -> list[str]:
    high: list[str] = []
    medium: list[str] = []
    lower: list[str] = []
    if not c["strategic_partner.partnership"]:
        high.append("rec.strategic_partner.partnership")
    if not c["strategic_partner.joint_prioritization"]:
        high.append("rec.strategic_partner.joint_prioritization")
    for stage, bucket in (("strategy", high), ("planning", medium), ("investment", medium),
                          ("delivery", medium), ("operations", lower),
                          ("value_realization", high)):
        if stage not in lifecycle:
            bucket.append("rec.strategic_partner.lifecycle." + stage)
    if not c["strategic_partner.partnership_measures"]:
        medium.append("rec.strategic_partner.partnership_measures")
    for skill in PARTNER_ONLY_SKILLS:
        if _low(rated, skill):
            (lower if skill == "projects_and_programs" else medium).append(
                "rec.strategic_partner.develop." + skill)
    return high + medium + lower
