#!/usr/bin/env python3
"""The anchor for the benchmark: the seed pack's 13 criteria as a plain durable-rules ruleset,
written the way durable-rules' own documentation shows (``durable.lang``: ``with ruleset``,
``@when_all``, ``assert_fact`` with a ``sid``, ``delete_state`` after each organization).

No trace, no derived facts, no recommendations, no findings: each rule records its criterion as
met, and the level is worked out in Python from the criteria met (staged: every criterion of a
level and of every level below). What brm-advisor's own inference is compared with.

Run as a script by bench/bench.py, in a process of its own (durable.lang keeps a process-wide
host with timer threads, which the rest of the benchmark should not share):

    python bench/plain_durable.py ORGS.json ROUNDS   # prints the figures as JSON
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from durable.lang import assert_fact, delete_state, item, m, ruleset, when_all

sys.path.insert(0, str(Path(__file__).resolve().parent))
from floor import floor_diagnosis  # noqa: E402

NAME = "brm_plain_anchor"
MET: set[str] = set()  # the criteria met by the organization being assessed
LEVELS = ("ad_hoc", "order_taker", "advisor", "strategic_partner")


ORG = +m.organization
"""Every rule also asks for an organization: the session's state fact (``$s``), which the
engine asserts and updates after each action, would otherwise match the tests that accept an
absent value (``!=``, where rated), and fire the rules again without end."""


def _rated_at_least_3(skill: Any) -> Any:
    return (skill >= 3) | -skill  # where rated, at least 3


with ruleset(NAME):
    @when_all(ORG & (m.brm.formal_role == True))  # noqa: E712 - durable.lang builds the test
    def formal_role(c: Any) -> None:
        MET.add("order_taker.formal_role")

    @when_all(ORG & ((m.engagement.mode == "order_taking") | (m.engagement.mode == "advisory")
              | (m.engagement.mode == "partnership")))
    def supply_engagement(c: Any) -> None:
        MET.add("order_taker.supply_engagement")

    @when_all(ORG & (m.engagement.prioritization != "loudest_voice"))
    def orderly_prioritization(c: Any) -> None:
        MET.add("order_taker.orderly_prioritization")

    @when_all(ORG & (m.measures.anyItem((item == "satisfaction") | (item == "service_levels"))))
    def supply_measures(c: Any) -> None:
        MET.add("order_taker.supply_measures")

    @when_all(ORG & ((m.engagement.mode == "advisory") | (m.engagement.mode == "partnership")))
    def sought_out(c: Any) -> None:
        MET.add("advisor.sought_out")

    @when_all(ORG & ((m.engagement.prioritization == "business_priorities")
              | (m.engagement.prioritization == "joint")))
    def business_priorities(c: Any) -> None:
        MET.add("advisor.business_priorities")

    @when_all(ORG & (m.measures.anyItem(item == "business_value")))
    def value_measures(c: Any) -> None:
        MET.add("advisor.value_measures")

    @when_all(ORG & (_rated_at_least_3(m.competencies.business_environment)
              & _rated_at_least_3(m.competencies.business_alignment)
              & _rated_at_least_3(m.competencies.communication)))
    def advisor_competencies(c: Any) -> None:
        MET.add("advisor.competencies")

    @when_all(ORG & (m.engagement.mode == "partnership"))
    def partnership(c: Any) -> None:
        MET.add("strategic_partner.partnership")

    @when_all(ORG & (m.engagement.prioritization == "joint"))
    def joint_prioritization(c: Any) -> None:
        MET.add("strategic_partner.joint_prioritization")

    @when_all(ORG & (m.engagement.lifecycle.anyItem(item == "strategy")
              & m.engagement.lifecycle.anyItem(item == "planning")
              & m.engagement.lifecycle.anyItem(item == "investment")
              & m.engagement.lifecycle.anyItem(item == "delivery")
              & m.engagement.lifecycle.anyItem(item == "operations")
              & m.engagement.lifecycle.anyItem(item == "value_realization")))
    def full_lifecycle(c: Any) -> None:
        MET.add("strategic_partner.full_lifecycle")

    @when_all(ORG & (m.measures.anyItem(item == "agility")
                     & m.measures.anyItem(item == "innovation")
                     & m.measures.anyItem(item == "collaboration")))
    def partnership_measures(c: Any) -> None:
        MET.add("strategic_partner.partnership_measures")

    @when_all(ORG & (_rated_at_least_3(m.competencies.value_realization)
              & _rated_at_least_3(m.competencies.business_environment)
              & _rated_at_least_3(m.competencies.business_alignment)
              & _rated_at_least_3(m.competencies.relationships)
              & _rated_at_least_3(m.competencies.organizational_change)
              & _rated_at_least_3(m.competencies.projects_and_programs)
              & _rated_at_least_3(m.competencies.communication)
              & _rated_at_least_3(m.competencies.financial_savvy)))
    def partner_competencies(c: Any) -> None:
        MET.add("strategic_partner.competencies")


CRITERIA = {level: [] for level in LEVELS[1:]}  # type: dict[str, list[str]]
for _criterion in ("order_taker.formal_role", "order_taker.supply_engagement",
                   "order_taker.orderly_prioritization", "order_taker.supply_measures",
                   "advisor.sought_out", "advisor.business_priorities", "advisor.value_measures",
                   "advisor.competencies", "strategic_partner.partnership",
                   "strategic_partner.joint_prioritization", "strategic_partner.full_lifecycle",
                   "strategic_partner.partnership_measures", "strategic_partner.competencies"):
    CRITERIA[_criterion.split(".")[0]].append(_criterion)

_sids = 0


def plain_level(org: dict[str, Any]) -> str:
    """Assert the organization in a session of its own, collect the criteria met, delete the
    session; the level is the highest one whose criteria (and those below) are all met."""
    global _sids
    _sids += 1
    sid = str(_sids)
    MET.clear()
    try:
        assert_fact(NAME, {**org, "sid": sid})
    except Exception as error:  # MessageNotHandledException: no criterion met
        if type(error).__name__ != "MessageNotHandledException":
            raise
    finally:
        delete_state(NAME, sid)
    level = LEVELS[0]
    for candidate in LEVELS[1:]:
        if not all(c in MET for c in CRITERIA[candidate]):
            break
        level = candidate
    return level


def main() -> int:
    orgs = json.loads(Path(sys.argv[1]).read_text())
    rounds = int(sys.argv[2])
    for org in orgs:  # the same answers as the floor, before speed counts
        expected = floor_diagnosis(org)["level"]
        got = plain_level(org)
        assert got == expected, (org, got, expected)
    clock = time.perf_counter
    medians = []
    for _ in range(rounds):
        gc.collect()
        samples = []
        for org in orgs:
            start = clock()
            plain_level(org)
            samples.append(clock() - start)
        medians.append(statistics.median(samples) * 1e6)
    print(json.dumps({"plain_durable_us": statistics.median(medians)}))
    return 0


if __name__ == "__main__":
    sys.stdout.flush()
    # durable.lang's host keeps timer threads alive: leave without waiting for them
    import os

    code = main()
    sys.stdout.flush()
    os._exit(code)
