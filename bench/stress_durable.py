"""Stress the engine adapter's lifetimes: rulesets (Advisors) of the same and different packs
created, used, closed and collected in random orders, with searches and lint in between.

A crash here is a segfault of the process: run it under ``python -X faulthandler``. Bounded by
count and by time::

    python -X faulthandler bench/stress_durable.py --seconds 60 --seed 1

Prints one line of counts at the end; exits 0 when nothing went wrong.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from typing import Any

from brm_advisor.engine import Advisor, EngineError, lint_pack, resolve_pack
from brm_advisor.engine.analysis.search import search
from brm_advisor.engine.packs.cases import load_cases
from brm_advisor.engine.packs.discovery import shipped_packs


def _material() -> list[tuple[Any, list[Any], Any]]:
    found = []
    for ref in shipped_packs():
        pack = resolve_pack(ref.id)
        tests = ref.location / "tests"
        cases = load_cases(tests, ref.location) if tests.is_dir() else []
        found.append((pack, cases, ref.location))
    return found


def stress(seconds: float, steps: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    material = _material()
    live: list[Advisor] = []
    counts = dict.fromkeys(("created", "assessed", "searched", "closed", "dropped", "collected",
                            "linted", "errors"), 0)
    end = time.monotonic() + seconds
    for _ in range(steps):
        if time.monotonic() > end:
            break
        op = rng.random()
        if op < 0.25 or not live:
            pack, _, _ = rng.choice(material)
            live.append(Advisor(pack))
            counts["created"] += 1
        elif op < 0.60:
            advisor = rng.choice(live)
            cases = next(c for p, c, _ in material if p.id == advisor.pack.id)
            if cases:
                case = rng.choice(cases)
                try:
                    advisor.assess(advisor.reader.from_data(case.facts), case.target)
                    counts["assessed"] += 1
                except EngineError:
                    counts["errors"] += 1
        elif op < 0.65:
            advisor = rng.choice(live)
            cases = next(c for p, c, _ in material if p.id == advisor.pack.id)
            if cases:
                case = rng.choice(cases)
                top = advisor.pack.levels[-1].id
                search(advisor, advisor.reader.from_data(case.facts), case.target or top)
                counts["searched"] += 1
        elif op < 0.75:
            live.pop(rng.randrange(len(live))).close()
            counts["closed"] += 1
        elif op < 0.85:
            live.pop(rng.randrange(len(live)))  # left to the collector
            counts["dropped"] += 1
        elif op < 0.97:
            gc.collect()
            counts["collected"] += 1
        else:
            _, _, location = rng.choice(material)
            lint_pack(location)
            counts["linted"] += 1
    live.clear()
    gc.collect()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    counts = stress(args.seconds, args.steps, args.seed)
    print(" ".join(f"{key}={value}" for key, value in counts.items()))
    return 1 if counts["errors"] else 0  # the shipped packs' cases never fail in the engine


if __name__ == "__main__":
    sys.exit(main())
