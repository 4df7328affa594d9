"""The engagement figure of issue 10: an organization of 50 business units, each answered by 5
respondents, read from its folder (an engagement file and 250 facts files), combined, assessed
and rolled up. Run alone (``python bench/engagements.py``) or from bench/bench.py.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from brm_advisor.engine import Advisor, resolve_pack
from brm_advisor.engine.engagement.reading import read_engagement
from brm_advisor.engine.engagement.rollup import assess_engagement

MODES = ["reactive", "order_taking", "advisory", "partnership"]
PRIORITIES = ["loudest_voice", "first_come", "business_priorities", "joint"]
STAGES = ["strategy", "planning", "investment", "delivery", "operations", "value_realization"]
MEASURES = ["satisfaction", "service_levels", "business_value", "agility", "innovation",
            "collaboration"]
ROLES = ["business", "it", "brm", "business", "it"]


def respondent(rng: random.Random, maturity: int, unit: str, index: int) -> dict[str, Any]:
    """One respondent's answers: near the unit's maturity, each a little off."""
    def near(options: list[str]) -> str:
        return options[min(3, max(0, maturity + rng.choice((-1, 0, 0, 1))))]
    return {
        "organization": "Bench Bank", "business_unit": unit, "assessed_on": "2026-11-30",
        "respondent": {"name": f"Respondent {index}", "role": ROLES[index % 5]},
        "brm": {"formal_role": maturity > 0},
        "engagement": {"mode": near(MODES), "prioritization": near(PRIORITIES),
                       "lifecycle": sorted(rng.sample(STAGES, rng.randint(0, 2 + maturity)),
                                           key=STAGES.index)},
        "measures": sorted(rng.sample(MEASURES, rng.randint(0, 2 + maturity)),
                           key=MEASURES.index),
        "competencies": {"communication": rng.randint(0, 4), "relationships": rng.randint(0, 4)},
        "evidence": {"engagement.mode": f"Interview notes, respondent {index}"},
    }


def write_engagement(folder: Path, units: int, respondents: int, seed: int = 5) -> Path:
    """A folder with an engagement.yaml listing `units` units of `respondents` files each."""
    rng = random.Random(seed)
    listed = []
    for number in range(units):
        unit = f"Unit {number:02d}"
        maturity = rng.randrange(4)
        entries = []
        for index in range(respondents):
            name = f"u{number:02d}-r{index}.yaml"
            (folder / name).write_text(yaml.safe_dump(respondent(rng, maturity, unit, index)))
            entries.append({"name": f"Respondent {index}", "file": name})
        listed.append({"name": unit, "respondents": entries})
    (folder / "engagement.yaml").write_text(yaml.safe_dump(
        {"organization": "Bench Bank", "assessed_on": "2026-11-30", "units": listed}))
    return folder


def engagement_figures(units: int = 50, respondents: int = 5, runs: int = 5) -> dict[str, Any]:
    """Median seconds to read, combine, assess and roll up the engagement (the pack compiled
    once beforehand, as a session does)."""
    advisor = Advisor(resolve_pack())
    with tempfile.TemporaryDirectory() as name:
        folder = write_engagement(Path(name), units, respondents)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            engagement = read_engagement(folder, advisor.reader, advisor.pack.fields)
            result = assess_engagement(advisor, engagement)
            result.to_dict()
            times.append(time.perf_counter() - start)
    advisor.close()
    assert len(result.units) == units and not result.broken
    return {"units": units, "respondents": respondents, "seconds": statistics.median(times),
            "level": result.rollup.level.id}


def main() -> int:
    figures = engagement_figures()
    print(f"engagement of {figures['units']} units x {figures['respondents']} respondents "
          f"(read, combined, assessed, rolled up): {figures['seconds'] * 1000:.0f} ms "
          f"(median of 5; organization at {figures['level']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
