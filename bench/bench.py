#!/usr/bin/env python3
"""brm-advisor's benchmark: where speed and memory figures come from (never from timed tests).

    python bench/bench.py                  # the standard run (about a minute)
    python bench/bench.py --soak 100000    # also 100,000 assessments in one process
    python bench/bench.py --json out.json  # the figures as JSON too

It generates seeded organizations and reports medians over rounds:

- end to end in one process: parse (YAML, or one JSONL line) + validate + infer + recommend,
  per organization;
- inference alone (validated facts in, diagnosis out; its trace is built when read, so it is
  also timed with the trace read);
- the anchors, measured in the same rounds: the same 13 criteria as a plain durable-rules
  ruleset written as its documentation shows (bench/plain_durable.py, in a process of its own),
  and the floor, the same criteria, level and recommendations as a plain Python function;
- validation alone: our fast path, and jsonschema's Draft 2020-12 validator, built once;
- the cold start of `brm assess` on one file and of `brm --help` against
  `python3 -c "import click"` (with the compiled-pack cache filled, and without it);
- peak memory (max RSS) of this process, and with --soak, RSS as the run grows.
Every organization's level is checked against the floor's (and the plain ruleset's against it
too), so a fast wrong answer cannot pass. Quote ratios from one run, not absolute times.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from brm_advisor.engine import Advisor, load_pack, resolve_pack, shipped_packs
from brm_advisor.engine.analysis.explain import explain
from brm_advisor.engine.analysis.search import search
from brm_advisor.engine.inputs.documents import load_json, read_document
from brm_advisor.engine.packs.cases import run_cases
from brm_advisor.engine.packs.lint import lint_pack

sys.path.insert(0, str(Path(__file__).resolve().parent))
from floor import floor_diagnosis  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

MODES = ["reactive", "order_taking", "advisory", "partnership"]
PRIORITIES = ["loudest_voice", "first_come", "business_priorities", "joint"]
STAGES = ["strategy", "planning", "investment", "delivery", "operations", "value_realization"]
MEASURES = ["satisfaction", "service_levels", "business_value", "agility", "innovation",
            "collaboration"]
COMPETENCIES = ["value_realization", "business_environment", "business_alignment",
                "relationships", "organizational_change", "projects_and_programs",
                "communication", "financial_savvy"]
LEVELS = ["ad_hoc", "order_taker", "advisor", "strategic_partner"]


def organization(rng: random.Random, index: int) -> dict[str, Any]:
    """One plausible organization: answers lean together, as in real assessments."""
    maturity = rng.randrange(4)
    def pick(options: list[str]) -> str:
        return options[min(3, max(0, maturity + rng.choice((-1, 0, 0, 1))))]
    facts: dict[str, Any] = {
        "organization": f"Org {index:06d}",
        "brm": {"formal_role": maturity > 0 or rng.random() < 0.2},
        "engagement": {
            "mode": pick(MODES), "prioritization": pick(PRIORITIES),
            "lifecycle": sorted(rng.sample(STAGES, rng.randint(0, min(6, 2 + 2 * maturity))),
                                key=STAGES.index),
        },
        "measures": sorted(rng.sample(MEASURES[: 3 + maturity], rng.randint(0, 3 + maturity)),
                           key=MEASURES.index),
    }
    if rng.random() < 0.7:
        facts["competencies"] = {name: min(4, max(0, maturity + rng.randint(-1, 2)))
                                 for name in rng.sample(COMPETENCIES, rng.randint(1, 8))}
    if rng.random() < 0.5:
        facts["target_level"] = rng.choice(LEVELS)
    return facts


DELIVERY = ["ad_hoc", "projects", "products"]
PLANNING = ["none", "project_by_project", "annual", "continuous"]
PRACTICES = ["portfolio_review", "business_cases", "benefits_tracking", "demand_forecasting",
             "investment_prioritization"]


def two_sided(rng: random.Random, index: int) -> dict[str, Any]:
    """One organization for the demand-supply pack (two dimensions, lowest roll-up)."""
    demand, supply = rng.randrange(3), rng.randrange(3)
    facts: dict[str, Any] = {
        "organization": f"Org {index:06d}",
        "demand": {"planning": PLANNING[min(3, demand + rng.randint(0, 1))],
                   "practices": sorted(rng.sample(PRACTICES, rng.randint(0, 2 + demand)),
                                       key=PRACTICES.index),
                   "executive_sponsor": demand == 2 or rng.random() < 0.2},
        "supply": {"run_share": round(rng.uniform(40, 90) - 10 * supply, 1),
                   "service_catalog": supply > 0 or rng.random() < 0.2,
                   "delivery": DELIVERY[min(2, supply + rng.randint(0, 1))]},
    }
    if rng.random() < 0.5:
        facts["target_level"] = rng.choice(["initial", "managed", "strategic"])
    return facts


VIEW_ANSWERS = {
    "engagement": ["ad_hoc_requests", "orders", "services", "advice", "strategy"],
    "conversations": ["incidents", "requests", "service_reviews", "business_outcomes",
                      "strategy"],
    "trust": ["low", "moderate", "high"],
    "planning": ["none", "project_by_project", "annual", "continuous"],
}


def two_views(rng: random.Random, index: int) -> dict[str, Any]:
    """One business-provider pair for the brmi-relationship pack, both views leaning alike."""
    maturity = rng.randrange(5)

    def view() -> dict[str, str]:
        return {key: values[min(len(values) - 1, max(0, round(
            maturity * (len(values) - 1) / 4) + rng.choice((-1, 0, 0, 1))))]
            for key, values in VIEW_ANSWERS.items()}

    return {"organization": f"Pair {index:06d}", "business_view": view(),
            "provider_view": view()}


def two_sided_floor(facts: dict[str, Any]) -> str:
    """The demand-supply pack's overall level, computed plainly from its criteria."""
    demand, supply = facts["demand"], facts["supply"]
    practices = demand["practices"]
    d_rank = 1 + (demand["planning"] in ("annual", "continuous") and len(practices) >= 3)
    d_rank += d_rank == 2 and (demand["planning"] == "continuous" and "benefits_tracking" in
                               practices and demand.get("executive_sponsor") is True)
    s_rank = 1 + (supply["service_catalog"] and supply["run_share"] <= 70)
    s_rank += s_rank == 2 and (supply["run_share"] < 55.5 and supply.get("delivery") == "products")
    return ["initial", "managed", "strategic"][min(d_rank, s_rank) - 1]


def timed(function: Any, items: list[Any]) -> list[float]:
    """Seconds per call, one item at a time."""
    out = []
    clock = time.perf_counter
    for item in items:
        start = clock()
        function(item)
        out.append(clock() - start)
    return out


def median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def walls(commands: list[tuple[list[str], dict[str, str] | None]], runs: int) -> list[float]:
    """Median wall time of each command (with its environment); runs interleaved so that drift
    hits all alike."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for index, (command, env) in enumerate(commands):
            start = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=env)
            times[index].append(time.perf_counter() - start)
    return [statistics.median(samples) for samples in times]


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=5000, help="organizations per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cold-runs", type=int, default=15)
    parser.add_argument("--soak", type=int, default=0, help="assessments in the soak run")
    parser.add_argument("--whatif-orgs", type=int, default=300,
                        help="organizations whose what-if searches are timed (x 4 targets)")
    parser.add_argument("--batch", type=int, default=0,
                        help="also run `brm batch` on this many generated organizations, with "
                             "1 and 2 workers, and on a tenth of them (memory growth)")
    parser.add_argument("--profile", action="store_true",
                        help="also profile an in-process batch and show where the time goes")
    parser.add_argument("--fuzz", type=int, default=0,
                        help="also push this many mutated documents through the reader and "
                             "the batch reader (tests/fuzzing.py): every one accepted or "
                             "refused with a clear error")
    parser.add_argument("--survey", type=int, default=0,
                        help="only measure a survey export of this many rows imported through "
                             "`brm batch --columns` (peak RSS at a tenth of it and at all of it)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    return parser.parse_args()


def _check_against_floor(advisor: Advisor, orgs: list[dict[str, Any]],
                         validated: list[Any]) -> None:
    """The answers must agree with the floor's before speed counts."""
    for org, facts in zip(orgs, validated, strict=True):
        diagnosis = advisor.assess(facts)
        expected = floor_diagnosis(org)
        assert diagnosis.level.id == expected["level"], (org, diagnosis.level.id, expected)
        got = [r.id for r in diagnosis.recommendations]
        assert got == expected["recommendations"], (org, got, expected)


def _dimension_figures(advisor: Advisor, validated: list[Any], rounds: int) -> dict[str, Any]:
    """Packs with dimensions, timed in rounds of their own beside the seed pack (issue 11: a
    dimensioned pack assesses at the seed's rate within 20%): demand-supply (two dimensions),
    and the same knowledge with and without dimensions (brmi-relationship 2.0, the two views as
    dimensions; 1.0, one ladder of "both sides" criteria, kept in tests/data). Every level is
    checked: demand-supply's against a plain computation, 2.0's against 1.0's."""
    rng = random.Random(11)
    count = len(validated)
    dimensioned = Advisor(resolve_pack("demand-supply"))
    sided = [two_sided(rng, i) for i in range(count)]
    sided_facts = [dimensioned.reader.from_data(org) for org in sided]
    for org, facts in zip(sided, sided_facts, strict=True):
        assert dimensioned.assess(facts).level.id == two_sided_floor(org), org
    views = Advisor(resolve_pack("brmi-relationship"))
    one_ladder = Advisor(load_pack(ROOT / "tests" / "data" / "brmi_relationship_v1"))
    pairs = [two_views(rng, i) for i in range(count)]
    views_facts = [views.reader.from_data(org) for org in pairs]
    ladder_facts = [one_ladder.reader.from_data(org) for org in pairs]
    for with_views, plain in zip(views_facts, ladder_facts, strict=True):
        assert views.assess(with_views).level == one_ladder.assess(plain).level
    timings: dict[str, list[float]] = {"seed": [], "dimensions": [], "views": [], "ladder": []}
    for _ in range(rounds):
        gc.collect()
        timings["seed"].append(median_us(timed(advisor.assess, validated)))
        timings["dimensions"].append(median_us(timed(dimensioned.assess, sided_facts)))
        timings["views"].append(median_us(timed(views.assess, views_facts)))
        timings["ladder"].append(median_us(timed(one_ladder.assess, ladder_facts)))
    for opened in (dimensioned, views, one_ladder):
        opened.close()
    found = {key: statistics.median(values) for key, values in timings.items()}
    return {"inference_dimensions_us": found["dimensions"],
            "dimensions_vs_seed": found["dimensions"] / found["seed"],
            "inference_views_us": found["views"], "inference_one_ladder_us": found["ladder"],
            "views_vs_one_ladder": found["views"] / found["ladder"]}


def _analysis_figures(advisor: Advisor, sample: list[Any]) -> dict[str, Any]:
    """What-if searches to each target and explanations, for a sample of organizations."""
    search_ms: list[float] = []
    candidates: list[int] = []
    for facts in sample:
        for target in LEVELS:
            start = time.perf_counter()
            result = search(advisor, facts, target)
            search_ms.append((time.perf_counter() - start) * 1000)
            candidates.append(result.evaluated)
    explain_ms = []
    for facts in sample:
        start = time.perf_counter()
        explain(advisor, facts, advisor.assess(facts))
        explain_ms.append((time.perf_counter() - start) * 1000)
    return {"whatif": {"searches": len(search_ms),
                       "median_ms": statistics.median(search_ms), "max_ms": max(search_ms),
                       "median_candidates": statistics.median(candidates),
                       "max_candidates": max(candidates)},
            "explain": {"median_ms": statistics.median(explain_ms), "max_ms": max(explain_ms)}}


def _fuzz_figures(advisor: Advisor, count: int) -> dict[str, Any]:
    """The suite's fuzzers, at a larger count: any traceback stops the benchmark."""
    sys.path.insert(0, str(ROOT / "tests"))
    from fuzzing import fuzz, fuzz_batch

    started = time.perf_counter()
    report = fuzz(advisor.reader, count, seed=2026)
    documents_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="brm-fuzz-") as folder:
        started = time.perf_counter()
        records = fuzz_batch(advisor, Path(folder), count, seed=2026)
    return {"documents": report.count, "seconds": documents_s,
            "endings": dict(report.endings.most_common(8)),
            "batch_records": count, "batch_seconds": time.perf_counter() - started,
            "batch_endings": dict(records.most_common(4))}


def main() -> int:
    args = _arguments()
    if args.survey:
        return _survey_figures(args.survey, args.json)

    rng = random.Random(2026)
    orgs = [organization(rng, i) for i in range(args.orgs)]
    texts = [yaml.safe_dump(org, sort_keys=False).encode() for org in orgs]
    pack = resolve_pack()
    advisor = Advisor(pack)

    lines = [json.dumps(org) for org in orgs]

    def end_to_end(text: bytes) -> Any:
        facts = advisor.reader.check(read_document(io.BytesIO(text), name="org.yaml"))
        return advisor.assess(facts)

    def end_to_end_jsonl(line: str) -> Any:
        facts = advisor.reader.from_data(load_json(line, "orgs.jsonl:1"), owned=True)
        return advisor.assess(facts)

    def with_trace(facts: Any) -> Any:
        return tuple(advisor.assess(facts).trace)

    validated = [advisor.reader.from_data(org) for org in orgs]
    _check_against_floor(advisor, orgs, validated)

    from jsonschema import Draft202012Validator
    full_validator = Draft202012Validator(pack.facts_schema)
    fast = advisor.reader.validator
    anchor = _PlainDurable(orgs)

    rounds: dict[str, list[float]] = {k: [] for k in (
        "end_to_end_us", "end_to_end_jsonl_us", "inference_us", "inference_trace_us",
        "plain_durable_us", "floor_us", "validate_fast_us", "validate_jsonschema_us",
        "parse_us", "parse_jsonl_us", "end_to_end_per_s", "end_to_end_jsonl_per_s",
        "floor_per_s")}
    for _ in range(args.rounds):
        gc.collect()
        rounds["plain_durable_us"].append(anchor.round())
        e2e = timed(end_to_end, texts)
        rounds["end_to_end_us"].append(median_us(e2e))
        rounds["end_to_end_per_s"].append(len(texts) / sum(e2e))
        e2e = timed(end_to_end_jsonl, lines)
        rounds["end_to_end_jsonl_us"].append(median_us(e2e))
        rounds["end_to_end_jsonl_per_s"].append(len(lines) / sum(e2e))
        rounds["inference_us"].append(median_us(timed(advisor.assess, validated)))
        rounds["inference_trace_us"].append(median_us(timed(with_trace, validated)))
        plain = timed(floor_diagnosis, orgs)
        rounds["floor_us"].append(median_us(plain))
        rounds["floor_per_s"].append(len(orgs) / sum(plain))
        rounds["validate_fast_us"].append(median_us(timed(fast.is_valid, orgs)))
        rounds["validate_jsonschema_us"].append(median_us(timed(full_validator.is_valid, orgs)))
        rounds["parse_us"].append(median_us(timed(
            lambda text: read_document(io.BytesIO(text), name="org.yaml"), texts)))
        rounds["parse_jsonl_us"].append(median_us(timed(
            lambda line: load_json(line, "orgs.jsonl:1"), lines)))
    anchor.close()
    figures: dict[str, Any] = {k: statistics.median(v) for k, v in rounds.items()}
    figures["engine_vs_floor"] = figures["inference_us"] / figures["floor_us"]
    figures["engine_vs_plain_durable"] = figures["inference_us"] / figures["plain_durable_us"]
    figures["plain_durable_vs_floor"] = figures["plain_durable_us"] / figures["floor_us"]

    figures.update(_dimension_figures(advisor, validated, args.rounds))
    figures.update(_analysis_figures(advisor, validated[: args.whatif_orgs]))

    # rule packs: lint and the tests beside the rules, for every shipped pack (in-process)
    figures["packs"] = {}
    for ref in shipped_packs():
        start = time.perf_counter()
        report = lint_pack(ref.location)
        lint_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        pack_advisor = Advisor(load_pack(ref.location))
        results = list(run_cases(pack_advisor, ref.location / "tests"))
        pack_advisor.close()
        test_ms = (time.perf_counter() - start) * 1000
        assert not report.errors and all(r.passed for r in results), ref.id
        figures["packs"][ref.id] = {"lint_ms": lint_ms, "test_ms": test_ms,
                                    "cases": len(results)}
    figures["end_to_end_vs_floor"] = figures["end_to_end_us"] / figures["floor_us"]
    figures["peak_rss_mb"] = max_rss_mb()

    brm = shutil.which("brm") or str(Path(sys.executable).parent / "brm")
    figures.update(_cold_figures(brm, args.cold_runs))

    if args.soak:
        figures["soak"] = _soak(advisor, validated, args.soak)

    if args.batch:
        figures["batch"] = _batch_figures(args.batch, brm, figures["floor_per_s"])
    if args.profile:
        figures["profile"] = _profile(advisor, orgs)
    if args.fuzz:
        figures["fuzz"] = _fuzz_figures(advisor, args.fuzz)

    figures["machine"] = {"python": platform.python_version(), "cpus": _cpus(),
                          "platform": platform.platform()}
    figures["orgs"] = args.orgs
    figures["rounds"] = args.rounds
    _report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    advisor.close()
    return 0


class _PlainDurable:
    """The plain durable-rules anchor (bench/plain_durable.py), one process per round: each
    round's median per organization, on the same organizations."""

    def __init__(self, orgs: list[dict[str, Any]]) -> None:
        import tempfile

        self._file = Path(tempfile.mkdtemp(prefix="brm-bench-")) / "orgs.json"
        self._file.write_text(json.dumps(orgs))

    def round(self) -> float:
        script = Path(__file__).resolve().parent / "plain_durable.py"
        done = subprocess.run([sys.executable, str(script), str(self._file), "1"], check=True,
                              capture_output=True, text=True)
        return float(json.loads(done.stdout)["plain_durable_us"])

    def close(self) -> None:
        shutil.rmtree(self._file.parent)


def _cold_figures(brm: str, runs: int) -> dict[str, Any]:
    """Fresh processes: `brm assess` (compiled-pack cache filled, and without it) and
    `brm --help`, against `python -c "import click"` and a bare interpreter."""
    import os
    import tempfile

    example = str(ROOT / "examples" / "acme.yaml")
    cache = tempfile.mkdtemp(prefix="brm-bench-cache-")
    with_cache = {**os.environ, "XDG_CACHE_HOME": cache}
    without = {**os.environ, "BRM_NO_CACHE": "1"}
    commands = [([brm, "assess", example], with_cache), ([brm, "--help"], with_cache),
                ([brm, "assess", example], without),
                ([sys.executable, "-c", "import click"], None),
                ([sys.executable, "-c", "pass"], None)]
    walls(commands, 2)  # warm the file cache (and fill the compiled-pack cache)
    assess, help_, uncached, click, bare = walls(commands, runs)
    shutil.rmtree(cache)
    return {"cold_brm_assess_s": assess, "cold_brm_help_s": help_,
            "cold_brm_assess_no_cache_s": uncached, "cold_import_click_s": click,
            "cold_python_pass_s": bare, "cold_ratio_vs_click": assess / click,
            "cold_help_ratio_vs_click": help_ / click,
            "cold_no_cache_ratio_vs_click": uncached / click}


def _soak(advisor: Advisor, facts: list[Any], count: int) -> dict[str, Any]:
    """`count` assessments in this process, RSS at 1k, 10k, 100k, 1M and the end."""
    checkpoints = {}
    marks = {n for n in (1000, 10_000, 100_000, 1_000_000) if n <= count} | {count}
    gc.collect()
    start_rss = current_rss_mb()
    started = time.perf_counter()
    for index in range(1, count + 1):
        advisor.assess(facts[index % len(facts)])
        if index in marks:
            checkpoints[index] = round(current_rss_mb(), 1)
    return {"assessments": count, "seconds": time.perf_counter() - started,
            "rss_start_mb": round(start_rss, 1), "rss_mb_at": checkpoints}


def _watched(command: list[str], name: str) -> tuple[float, dict[int, int], int]:
    """Run `command`, sampling the peak memory (kB) of its process tree: the seconds it took,
    the peaks by process id, and its process id. Stops the benchmark when it fails."""
    peaks: dict[int, int] = {}
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None:
        _tree_peak_kb(proc.pid, peaks)
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed with {proc.returncode}")
    return seconds, peaks, proc.pid


def _tree_peak_kb(root: int, peaks: dict[int, int]) -> None:
    """Record VmHWM (peak resident set) of `root` and its descendants, by pid."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    pending = [root]
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks[pid] = max(peaks.get(pid, 0), int(line.split()[1]))
        except OSError:
            continue


def _run_batch(brm: str, source: Path, workers: int) -> dict[str, Any]:
    out = source.with_suffix(f".out{workers}.jsonl")
    seconds, peaks, pid = _watched([brm, "batch", str(source), "-o", str(out), "--force",
                                    "--workers", str(workers)], "brm batch")
    parent = peaks.pop(pid, 0)
    return {"workers": workers, "seconds": seconds,
            "orgs_per_s": sum(1 for _ in source.open()) / seconds,
            "peak_rss_mb_parent": parent / 1024,
            "peak_rss_mb_per_worker": max(peaks.values(), default=parent) / 1024,
            "output": out}


def _batch_figures(count: int, brm: str, floor_per_s: float) -> dict[str, Any]:
    import tempfile

    rng = random.Random(7)
    folder = Path(tempfile.mkdtemp(prefix="brm-bench-"))
    big, small = folder / "orgs.jsonl", folder / "orgs-small.jsonl"
    with big.open("w") as handle, small.open("w") as few:
        for index in range(count):
            line = json.dumps(organization(rng, index)) + "\n"
            handle.write(line)
            if index < count // 10:
                few.write(line)
    runs = [_run_batch(brm, big, 1), _run_batch(brm, big, 2)]
    same = runs[0]["output"].read_bytes() == runs[1]["output"].read_bytes()
    small_run = _run_batch(brm, small, 1)
    result = {"orgs": count, "identical_output": same, "floor_per_s": floor_per_s,
              "runs": [{k: v for k, v in r.items() if k != "output"} for r in runs],
              "small": {"orgs": count // 10, "peak_rss_mb": small_run["peak_rss_mb_parent"]}}
    for run in result["runs"]:
        run["vs_floor"] = floor_per_s / run["orgs_per_s"]
    shutil.rmtree(folder)
    return result


SURVEY = Path(__file__).resolve().parent.parent / "examples" / "survey"


def _survey_file(path: Path, rows: int) -> None:
    """The shipped survey export's rows, repeated (each company numbered) to `rows` rows."""
    import csv

    with (SURVEY / "export.csv").open(newline="", encoding="utf-8") as handle:
        header, *answers = list(csv.reader(handle))
    company = header.index("Company")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for index in range(rows):
            row = list(answers[index % len(answers)])
            row[company] = f"{row[company]} {index // len(answers)}"
            writer.writerow(row)


def _survey_xlsx(source: Path, path: Path) -> None:
    """The same rows as an .xlsx workbook (written streaming, ratings as numbers)."""
    import csv

    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Responses")
    with source.open(newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            sheet.append([int(cell) if cell.isdigit() else cell for cell in row])
    book.save(path)


def _run_survey(brm: str, source: Path) -> dict[str, Any]:
    out = source.with_name(source.name + ".out.csv")
    seconds, peaks, pid = _watched([brm, "batch", "--columns", str(SURVEY / "map.yaml"),
                                  str(source), "-o", str(out), "--force"], "brm batch --columns")
    rows = sum(1 for _ in out.open(encoding="utf-8")) - 1
    return {"input": source.suffix[1:], "rows": rows, "seconds": round(seconds, 1),
            "rows_per_s": round(rows / seconds),
            "peak_rss_mb": round(peaks.get(pid, 0) / 1024, 1)}


def _survey_figures(count: int, json_path: Path | None) -> int:
    """`brm batch --columns` on a survey export of count/10 and of count rows: memory flat."""
    import tempfile

    brm = shutil.which("brm") or str(Path(sys.executable).parent / "brm")
    folder = Path(tempfile.mkdtemp(prefix="brm-survey-"))
    try:
        runs = []
        for rows in (count // 10, count):
            source = folder / f"export-{rows}.csv"
            _survey_file(source, rows)
            runs.append(_run_survey(brm, source))
            _survey_xlsx(source, source.with_suffix(".xlsx"))
            runs.append(_run_survey(brm, source.with_suffix(".xlsx")))
    finally:
        shutil.rmtree(folder)
    for run in runs:
        print(f"  survey export ({run['input']}) through brm batch --columns: {run['rows']:7d} "
              f"rows in "
              f"{run['seconds']:6.1f} s ({run['rows_per_s']} rows/s), peak RSS "
              f"{run['peak_rss_mb']:.1f} MB")
    if json_path:
        json_path.write_text(json.dumps({"survey": runs}, indent=2) + "\n")
    return 0


def _profile(advisor: Any, orgs: list[dict[str, Any]]) -> list[str]:
    import cProfile
    import pstats

    from brm_advisor.engine.portfolio import batch as b

    records = [b.Record(f"bench:{i}", org) for i, org in enumerate(orgs)]
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in b.assess_all(advisor.pack, records, 1, advisor=advisor):
        pass
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream).sort_stats("tottime")
    stats.print_stats(8)
    return [line for line in stream.getvalue().splitlines() if line.strip()][-9:]


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


def _report(f: dict[str, Any]) -> None:
    print(f"brm-advisor benchmark: {f['orgs']} organizations x {f['rounds']} rounds, medians "
          f"(Python {f['machine']['python']}, {f['machine']['cpus']} CPUs)")
    print(f"  end to end from YAML (parse+validate+infer+recommend): "
          f"{f['end_to_end_us']:8.1f} us/org {f['end_to_end_per_s']:8.0f} orgs/s on one core")
    print(f"  end to end from JSONL (parse+validate+infer+recommend): "
          f"{f['end_to_end_jsonl_us']:7.1f} us/org {f['end_to_end_jsonl_per_s']:8.0f} orgs/s "
          "on one core")
    print(f"    parse YAML / one JSONL line                {f['parse_us']:8.1f} us / "
          f"{f['parse_jsonl_us']:.1f} us")
    print(f"    validate (fast path)                       {f['validate_fast_us']:8.1f} us"
          f"   (jsonschema Draft 2020-12: {f['validate_jsonschema_us']:.1f} us)")
    print(f"    inference + result                         {f['inference_us']:8.1f} us"
          f"   (with the trace read: {f['inference_trace_us']:.1f} us)")
    print(f"    inference + result, demand-supply pack     {f['inference_dimensions_us']:8.1f} us"
          f"   (two dimensions: {f['dimensions_vs_seed']:.2f}x the seed pack's)")
    print(f"    brmi-relationship 2.0 (two views as dimensions) {f['inference_views_us']:.1f} us, "
          f"1.0 (one ladder, the same decisions) {f['inference_one_ladder_us']:.1f} us: "
          f"{f['views_vs_one_ladder']:.2f}x")
    print(f"  plain durable-rules ruleset (13 criteria)    {f['plain_durable_us']:8.1f} us/org")
    print(f"  plain-Python floor (same criteria)           {f['floor_us']:8.1f} us/org"
          f"   {f['floor_per_s']:8.0f} orgs/s")
    print(f"  ratios: inference / plain durable-rules {f['engine_vs_plain_durable']:.2f}x, "
          f"inference / floor {f['engine_vs_floor']:.0f}x, plain durable-rules / floor "
          f"{f['plain_durable_vs_floor']:.0f}x, end to end / floor "
          f"{f['end_to_end_vs_floor']:.0f}x")
    print(f"  cold start: brm assess {f['cold_brm_assess_s'] * 1000:.0f} ms "
          f"({f['cold_ratio_vs_click']:.2f}x python -c 'import click', "
          f"{f['cold_import_click_s'] * 1000:.0f} ms; without the compiled-pack cache "
          f"{f['cold_brm_assess_no_cache_s'] * 1000:.0f} ms, "
          f"{f['cold_no_cache_ratio_vs_click']:.2f}x); brm --help "
          f"{f['cold_brm_help_s'] * 1000:.0f} ms ({f['cold_help_ratio_vs_click']:.2f}x); "
          f"bare python {f['cold_python_pass_s'] * 1000:.0f} ms")
    w, e = f["whatif"], f["explain"]
    print(f"  whatif --target: {w['searches']} searches, median {w['median_ms']:.1f} ms, "
          f"max {w['max_ms']:.1f} ms; candidates assessed median {w['median_candidates']:.0f}, "
          f"max {w['max_candidates']}")
    print(f"  explain: median {e['median_ms']:.1f} ms, max {e['max_ms']:.1f} ms")
    for pack_id, p in f["packs"].items():
        print(f"  pack {pack_id}: lint {p['lint_ms']:.0f} ms, test {p['cases']} cases "
              f"{p['test_ms']:.0f} ms (load, compile and run)")
    print(f"  peak memory (max RSS of this process): {f['peak_rss_mb']:.1f} MB")
    if "batch" in f:
        b = f["batch"]
        for run in b["runs"]:
            print(f"  brm batch {b['orgs']} orgs, {run['workers']} worker(s): "
                  f"{run['seconds']:.1f} s, {run['orgs_per_s']:.0f} orgs/s "
                  f"({run['vs_floor']:.0f}x slower than the floor), peak RSS "
                  f"{run['peak_rss_mb_parent']:.1f} MB parent, "
                  f"{run['peak_rss_mb_per_worker']:.1f} MB per worker")
        one, two = b["runs"][0], b["runs"][1]
        print(f"    2 workers / 1 worker: {two['orgs_per_s'] / one['orgs_per_s']:.2f}x; output "
              f"identical with 1 and 2 workers: {b['identical_output']}; "
              f"peak RSS for {b['small']['orgs']} orgs: {b['small']['peak_rss_mb']:.1f} MB")
    if "profile" in f:
        print("  where the time goes (in-process batch, top functions by own time):")
        for line in f["profile"]:
            print("    " + line)
    if "soak" in f:
        soak = f["soak"]
        print(f"  soak: {soak['assessments']} assessments in one process in "
              f"{soak['seconds']:.1f} s; RSS {soak['rss_start_mb']} MB at start, "
              + ", ".join(f"{n}: {mb} MB" for n, mb in soak["rss_mb_at"].items()))
    if "fuzz" in f:
        fz = f["fuzz"]
        print(f"  fuzz: {fz['documents']} mutated documents in {fz['seconds']:.1f} s, no "
              "traceback; endings: " + ", ".join(f"{k} {v}" for k, v in fz["endings"].items()))
        print(f"  fuzz: {fz['batch_records']} mutated batch records (JSONL and CSV) in "
              f"{fz['batch_seconds']:.1f} s, no traceback; endings: "
              + ", ".join(f"{k} {v}" for k, v in fz["batch_endings"].items()))


if __name__ == "__main__":
    raise SystemExit(main())
