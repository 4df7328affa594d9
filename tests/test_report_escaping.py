"""Reports escape every string a pack or a facts file brings, in HTML and in Markdown.

A hostile pack (every free-text field of pack.yaml and every description of its facts schema
carrying HTML and script payloads) and hostile facts (every free-text field) are rendered both
ways: the HTML, parsed by a real HTML5 parser, holds no element or attribute from the payloads,
and the Markdown holds no raw ``<`` but the report's own line breaks.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import html5lib
import pytest
import yaml

from brm_advisor.engine import Advisor, load_pack
from brm_advisor.engine.analysis.explain import explain
from brm_advisor.engine.present.report import (
    markdown_code,
    markdown_escape,
    markdown_token,
    render_report,
    report_context,
)

from conftest import ROOT

PAYLOAD = ("<img src=x onerror=alert(1)><svg onload=alert(2)>"
           "<iframe src=file:///etc/passwd></iframe><script>alert(3)</script>")
MARKDOWN_PAYLOAD = "[link](javascript:alert(4)) `code` *em* | cell"
FOREIGN_TAGS = {"img", "iframe", "script", "object", "embed", "link", "style", "a", "form",
                "input", "base", "meta", "frame", "video", "audio", "source"}
# free-text fields of a pack, by section (ids, references and conditions are kept)
PACK_TEXT = {
    "pack": ("name", "description"),
    "sources": ("title", "author", "date", "note"),
    "levels": ("name", "summary", "engagement", "measures_of_success"),
    "derived": ("text",),
    "criteria": ("text", "quote"),
    "recommendations": ("action", "rationale"),
    "findings": ("message",),
    "questions": ("ask", "help"),
}


def hostile(text: Any, number: int) -> str:
    """A payload that stays unique (level names must be) and within a schema's maxLength."""
    return f"{number} {PAYLOAD} {MARKDOWN_PAYLOAD} {text}"[:190]


def _poison(items: list[dict[str, Any]], fields: tuple[str, ...], count: Iterator[int]) -> None:
    for item in items:
        for field in fields:
            if field in item:
                item[field] = hostile(item[field], next(count))


def _poison_schema(schema: dict[str, Any], count: Iterator[int]) -> None:
    for child in schema.get("properties", {}).values():
        if "description" in child:
            child["description"] = hostile(child["description"], next(count))
        _poison_schema(child, count)


@pytest.fixture(scope="module")
def hostile_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("packs") / "hostile"
    shutil.copytree(ROOT / "rules" / "merlyn_brm", folder)
    data = yaml.safe_load((folder / "pack.yaml").read_text(encoding="utf-8"))
    count = iter(range(1, 10_000))
    head = data["pack"]
    for field in PACK_TEXT["pack"]:
        head[field] = hostile(head[field], next(count))
    _poison(head["sources"], PACK_TEXT["sources"], count)
    for section, fields in PACK_TEXT.items():
        if section not in ("pack", "sources"):
            _poison(data.get(section, []), fields, count)
    schema = json.loads((ROOT / "schemas" / "facts.schema.json").read_text(encoding="utf-8"))
    _poison_schema(schema, count)
    (folder / "facts.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    head["facts_schema"] = "facts.schema.json"
    (folder / "pack.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder


def hostile_facts(example: str) -> dict[str, Any]:
    facts = yaml.safe_load((ROOT / "examples" / example).read_text(encoding="utf-8"))
    for number, field in enumerate(("organization", "assessor", "business_unit", "notes"), 1):
        facts[field] = hostile(facts.get(field, field), 100 + number)
    facts["evidence"] = {"engagement.mode": hostile("interviews", 200),
                         "measures": hostile("reports", 201)}
    return facts


def render_both(pack_folder: Path, facts_data: dict[str, Any]) -> tuple[str, str]:
    pack = load_pack(pack_folder)
    with Advisor(pack) as advisor:
        facts = advisor.read(io.BytesIO(json.dumps(facts_data).encode()), name="hostile.json")
        diagnosis = advisor.assess(facts)
        context = report_context(advisor, facts, diagnosis, explain(advisor, facts, diagnosis))
    return render_report(context, "html"), render_report(context, "markdown")


EXAMPLES = ("globex-ad-hoc.yaml", "acme.yaml", "initech-advisor.json", "umbrella-partner.yaml")


@pytest.fixture(scope="module", params=EXAMPLES)
def reports(request: pytest.FixtureRequest, hostile_pack: Path) -> tuple[str, str]:
    return render_both(hostile_pack, hostile_facts(request.param))


def test_the_hostile_pack_reaches_the_report(reports: tuple[str, str]) -> None:
    """The test is worth something only if the payloads are shown (escaped)."""
    html, md = reports
    assert html.count("onerror=alert(1)") >= 20
    assert md.count("onerror=alert(1)") >= 20
    for word in ("alert(1)", "file:///etc/passwd"):
        assert word in html and word in md


def test_html_holds_no_element_or_attribute_from_the_payloads(reports: tuple[str, str]) -> None:
    html, _ = reports
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    document = parser.parse(html)
    assert not parser.errors
    tags = [re.sub(r"^\{.*\}", "", element.tag) for element in document.iter()
            if isinstance(element.tag, str)]
    assert not FOREIGN_TAGS & set(tags) - {"meta", "style"}, sorted(FOREIGN_TAGS & set(tags))
    assert tags.count("style") == 1  # the report's own
    assert tags.count("svg") <= 2  # the ladder and the radar, nothing else
    for element in document.iter():
        for name, value in element.attrib.items():
            assert not str(name).lower().startswith("on"), (element.tag, name)
            assert "javascript:" not in value and "file:" not in value, (element.tag, name)
    assert "<script" not in html and "<img" not in html and "<iframe" not in html


def test_markdown_holds_no_raw_html_from_the_payloads(reports: tuple[str, str]) -> None:
    _, md = reports
    assert "<" not in md.replace("<br>", ""), re.findall(r".{30}<(?!br>).{30}", md)[:5]
    assert not re.search(r"(?<!\\)\]\(javascript:", md)  # no link: its brackets escaped
    for line in md.splitlines():
        assert "`code`" not in line, line  # backticks from the payload are escaped


def test_markdown_escape_of_each_kind_of_payload() -> None:
    assert markdown_escape("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)>"
    assert markdown_escape("<svg onload=alert(2)>") == "&lt;svg onload=alert(2)>"
    assert "<" not in markdown_escape("<iframe src=file:///etc/passwd></iframe>")
    assert markdown_escape("&lt;") == "&amp;lt;"


def test_ids_and_fixed_words_are_kept_when_plain_and_escaped_otherwise() -> None:
    assert markdown_token("1.0.0") == "1.0.0"  # not "1\\.0.0": a version is not a list item
    assert markdown_token("criterion:order_taker.formal_role/met") == \
        "criterion:order_taker.formal_role/met"
    assert markdown_token("<b>x</b>") == "&lt;b>x&lt;/b>"
    assert markdown_code("rec.advisor.x") == "`rec.advisor.x`"
    assert markdown_code("a`b <i>") == "a\\`b &lt;i>"  # no code span it could close
