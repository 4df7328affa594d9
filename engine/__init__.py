"""brm-advisor's library: facts in, a diagnosis out. This module is its public API.

    from brm_advisor.engine import Advisor, resolve_pack, render_text

    with Advisor(resolve_pack()) as advisor:
        diagnosis = advisor.assess(advisor.read("examples/acme.yaml"))
        print(render_text(diagnosis, advisor.pack))

Everything importable from here is public and kept stable; the subpackages behind it are
private (their modules may move or change between versions):

- ``inputs``: documents, schema checks, facts, batch records, survey column maps and
  spreadsheets;
- ``packs``: the pack model, conditions, the fact-field table, loading, discovery, and the
  authoring tools (lint, test cases, scaffold);
- ``inference``: the compiler, the durable-rules adapter (the only code that knows the
  engine), the advisor and the diagnosis;
- ``analysis``: what criteria rest on, explanations, what-if edits, targets as written,
  searches, diffs;
- ``portfolio``: batches, the history, comparisons of assessments;
- ``engagement``: an organization assessed unit by unit, by several respondents, with
  evidence (reading, combining answers, rolling units up);
- ``team``: the BRM team (each BRM's profile, the practice's ratings derived from theirs,
  the team's findings, a development plan);
- ``present``: the words printed, text and JSON, reports, charts, PDF;
- ``interview``: the guided interview.

A name may differ from its module's (``load_saved`` is the interview's ``savefile.load``).

Names are imported on first use, so that a command pays only for what it uses (start-up time).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    BrmError,
    ConflictError,
    DocumentError,
    EditError,
    EngagementError,
    EngineError,
    FactsValidationError,
    HistoryError,
    InputError,
    Issue,
    IssuesError,
    NotFoundError,
    PackError,
    PackNotFoundError,
    RunawayError,
    UnknownLevelError,
)

_MODULES = frozenset({"words"})
"""Names that are modules themselves (``from brm_advisor.engine import words``)."""

_EXPORTS: dict[str, str] = {
    # the path through the house
    "Advisor": "inference.advisor",
    "Diagnosis": "inference.diagnosis",
    "LevelRef": "inference.diagnosis",
    "Facts": "inputs.facts",
    "FactsReader": "inputs.facts",
    # packs
    "RulePack": "packs.model",
    "Dimension": "packs.model",
    "load_pack": "packs.loader",
    "DEFAULT_PACK": "packs.discovery",
    "PackRef": "packs.discovery",
    "available_packs": "packs.discovery",
    "find_pack": "packs.discovery",
    "resolve_pack": "packs.discovery",
    "shipped_packs": "packs.discovery",
    "lint_pack": "packs.lint",
    "LintReport": "packs.lint",
    "run_cases": "packs.cases",
    "CaseResult": "packs.cases",
    "cases_dict": "packs.cases",
    "scaffold": "packs.scaffold",
    "ScaffoldError": "packs.scaffold",
    "pack_summary": "packs.summary",
    "pack_listing": "packs.summary",
    # analysis
    "explain": "analysis.explain",
    "Explanation": "analysis.explain",
    "parse_edit": "analysis.edits",
    "parse_targets": "analysis.targets",
    "TargetError": "analysis.targets",
    "what_if": "analysis.edits",
    "WhatIf": "analysis.edits",
    "search": "analysis.search",
    "SearchResult": "analysis.search",
    "diff": "analysis.diff",
    "DiagnosisDiff": "analysis.diff",
    # presentation
    "render_text": "present.text",
    "render_json": "present.text",
    "render_explanation": "present.text",
    "render_search": "present.text",
    "render_comparison": "present.text",
    "render_levels": "present.text",
    "levels_dict": "packs.summary",
    "render_report": "present.report",
    "report_context": "present.report",
    "ReportError": "present.report",
    "print_pdf": "present.pdf",
    "BrowserError": "present.pdf",
    "words": "present.words",
    # portfolio
    "History": "portfolio.history",
    "Timeline": "portfolio.history",
    "listing": "portfolio.history",
    "saved_result": "portfolio.history",
    "BatchOutput": "portfolio.batch",
    "Summary": "portfolio.batch",
    "assess_all": "portfolio.batch",
    "batch_id": "portfolio.batch",
    "overwritten_input": "portfolio.batch",
    "Record": "inputs.records",
    "load_json": "inputs.documents",
    "read_records": "inputs.records",
    "count_records": "inputs.records",
    "input_problems": "inputs.records",
    "table_errors": "inputs.records",
    "ColumnMap": "inputs.columns",
    "load_column_map": "inputs.columns",
    "Snapshot": "portfolio.compare",
    "load_snapshot": "portfolio.compare",
    "compare": "portfolio.compare",
    "compare_engagements": "portfolio.compare",
    "ComparisonReport": "portfolio.compare",
    # engagements
    "read_engagement": "engagement.reading",
    "is_engagement": "engagement.reading",
    "Engagement": "engagement.reading",
    "UnitFacts": "engagement.reading",
    "UnknownUnitError": "engagement.reading",
    "assess_engagement": "engagement.rollup",
    "EngagementResult": "engagement.rollup",
    "Evidence": "engagement.evidence",
    "read_evidence": "engagement.evidence",
    "render_engagement_text": "present.engagement",
    "render_combined": "present.engagement",
    "Combined": "engagement.combine",
    "problem_text": "present.engagement",
    "engagement_report_context": "present.engagement_report",
    "evidence_dict": "present.evidence",
    "facts_evidence": "present.evidence",
    # the interview
    "Interview": "interview.session",
    "OtherPackError": "interview.session",
    "InterviewQuestion": "interview.questions",
    "AnswerError": "interview.answers",
    "SavedFile": "interview.savefile",
    "SaveError": "interview.savefile",
    "check_can_save": "interview.savefile",
    "load_saved": "interview.savefile:load",
    "Why": "interview.advice",
    # the workshop's store (brm serve)
    "Workshop": "portfolio.workshop",
    "Draft": "portfolio.workshop",
    "with_answer": "portfolio.workshop",
    "value_at": "inputs.paths",
    # the BRM team
    "anonymized_facts": "team.privacy",
    "anonymized_engagement": "team.privacy",
    "without_profiles": "team.privacy",
    # files
    "write_text": "files",
    "atomic_output": "files",
    "write_bytes": "files",
}

__all__ = [
    "Advisor", "AnswerError", "assess_all", "atomic_output", "available_packs", "batch_id",
    "BatchOutput", "BrmError", "BrowserError", "CaseResult", "cases_dict", "check_can_save",
    "ColumnMap", "compare",
    "ComparisonReport",
    "count_records", "DEFAULT_PACK", "Diagnosis", "DiagnosisDiff", "diff", "Dimension",
    "DocumentError", "EditError", "Engagement", "EngagementError", "engagement_report_context",
    "EngagementResult", "EngineError", "Evidence", "evidence_dict", "assess_engagement",
    "facts_evidence", "problem_text",
    "is_engagement", "read_engagement", "read_evidence", "render_engagement_text", "explain",
    "render_combined", "Combined", "compare_engagements",
    "Explanation", "Facts", "FactsReader",
    "FactsValidationError", "find_pack", "History", "HistoryError", "input_problems", "InputError",
    "Interview", "InterviewQuestion", "Issue", "IssuesError", "LevelRef", "levels_dict",
    "lint_pack", "LintReport", "listing", "load_column_map", "load_pack", "load_saved",
    "load_snapshot",
    "OtherPackError", "overwritten_input", "pack_listing", "pack_summary", "PackError",
    "PackNotFoundError", "PackRef", "parse_edit", "parse_targets", "print_pdf", "read_records",
    "Record",
    "render_comparison", "render_explanation", "render_json", "render_levels", "render_report",
    "render_search", "render_text", "report_context", "ReportError", "resolve_pack", "RulePack",
    "run_cases", "RunawayError", "saved_result", "SavedFile", "SaveError", "scaffold",
    "ScaffoldError", "search",
    "SearchResult", "shipped_packs", "Snapshot", "Summary", "table_errors", "TargetError",
    "Timeline",
    "UnitFacts", "UnknownLevelError", "UnknownUnitError",
    "what_if", "WhatIf", "Why", "words", "write_bytes", "write_text",
    "anonymized_facts", "anonymized_engagement", "without_profiles",
    "ConflictError", "NotFoundError", "Workshop", "Draft", "with_answer", "load_json", "value_at",
]


def __getattr__(name: str) -> Any:
    where = _EXPORTS.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module_name, _, attribute = where.partition(":")  # "module:name" when named otherwise
    module = importlib.import_module(f".{module_name}", __name__)
    value = module if name in _MODULES else getattr(module, attribute or name)
    globals()[name] = value  # the next lookup does not come here
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from .analysis.diff import DiagnosisDiff, diff
    from .analysis.edits import WhatIf, parse_edit, what_if
    from .analysis.explain import Explanation, explain
    from .analysis.search import SearchResult, search
    from .analysis.targets import TargetError, parse_targets
    from .engagement.combine import Combined
    from .engagement.evidence import Evidence, read_evidence
    from .engagement.reading import (
        Engagement,
        UnitFacts,
        UnknownUnitError,
        is_engagement,
        read_engagement,
    )
    from .engagement.rollup import EngagementResult, assess_engagement
    from .files import atomic_output, write_bytes, write_text
    from .inference.advisor import Advisor
    from .inference.diagnosis import Diagnosis, LevelRef
    from .inputs.columns import ColumnMap, load_column_map
    from .inputs.documents import load_json
    from .inputs.facts import Facts, FactsReader
    from .inputs.paths import value_at
    from .inputs.records import Record, count_records, input_problems, read_records, table_errors
    from .interview.advice import Why
    from .interview.answers import AnswerError
    from .interview.questions import InterviewQuestion
    from .interview.savefile import SavedFile, SaveError, check_can_save
    from .interview.savefile import load as load_saved
    from .interview.session import Interview, OtherPackError
    from .packs.cases import CaseResult, cases_dict, run_cases
    from .packs.discovery import (
        DEFAULT_PACK,
        PackRef,
        available_packs,
        find_pack,
        resolve_pack,
        shipped_packs,
    )
    from .packs.lint import LintReport, lint_pack
    from .packs.loader import load_pack
    from .packs.model import Dimension, RulePack
    from .packs.scaffold import ScaffoldError, scaffold
    from .packs.summary import levels_dict, pack_listing, pack_summary
    from .portfolio.batch import BatchOutput, Summary, assess_all, batch_id, overwritten_input
    from .portfolio.compare import (
        ComparisonReport,
        Snapshot,
        compare,
        compare_engagements,
        load_snapshot,
    )
    from .portfolio.history import History, Timeline, listing, saved_result
    from .portfolio.workshop import Draft, Workshop, with_answer
    from .present import words as words
    from .present.engagement import problem_text, render_combined, render_engagement_text
    from .present.engagement_report import engagement_report_context
    from .present.evidence import evidence_dict, facts_evidence
    from .present.pdf import BrowserError, print_pdf
    from .present.report import ReportError, render_report, report_context
    from .present.text import (
        render_comparison,
        render_explanation,
        render_json,
        render_levels,
        render_search,
        render_text,
    )
    from .team.privacy import anonymized_engagement, anonymized_facts, without_profiles
