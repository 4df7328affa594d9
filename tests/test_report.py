"""Reports: self-contained HTML that a real HTML5 parser and a real Chromium accept, Markdown,
charts with text alternatives, escaping of what users wrote, and the report command."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import html5lib
import pytest
from click.testing import CliRunner

from brm_advisor.cli.main import cli
from brm_advisor.engine.present.charts import Axis, Rung, ladder_svg, radar_svg
from brm_advisor.engine.present.report import markdown_escape

from browser import chromium_or_skip, rendered_dom, screenshot
from conftest import ROOT, run

EXAMPLES = {"ad_hoc": "globex-ad-hoc.yaml", "order_taker": "acme.yaml",
            "advisor": "initech-advisor.json", "strategic_partner": "umbrella-partner.yaml"}
SECTIONS = ["summary", "ladder", "competencies", "criteria", "roadmap", "findings",
            "explanation", "sources"]


def report(path: Path, fmt: str, *extra: str) -> str:
    result = run("assess", str(path), "--format", fmt, *extra)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("level", list(EXAMPLES))
def test_html_parses_without_errors_in_an_html5_parser(level):
    html = report(ROOT / "examples" / EXAMPLES[level], "html")
    parser = html5lib.HTMLParser(strict=True)
    document = parser.parse(html)
    assert not parser.errors
    ids = {e.get("id") for e in document.iter() if e.get("id")}
    assert set(SECTIONS) <= ids
    assert "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html


@pytest.mark.parametrize("level", list(EXAMPLES))
def test_markdown_has_the_same_content(level):
    md = report(ROOT / "examples" / EXAMPLES[level], "markdown")
    for heading in ("## Summary", "## Where the organization stands", "## Criteria of every level",
                    "## Roadmap", "## Findings", "## Appendix: why this level"):
        assert heading in md
    assert "| Status | Criterion | Facts behind it |" in md


def test_what_users_write_is_escaped(tmp_path):
    facts = json.loads((ROOT / "examples" / "initech-advisor.json").read_text())
    facts["organization"] = "<script>alert(1)</script> & *Bold* [x](http://e.vil) | pipe"
    facts["notes"] = "<img src=x onerror=alert(2)> # heading\n- item `code`"
    facts["assessor"] = "_under_ **star**"
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(facts))
    html = report(path, "html")
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; *Bold*" in html
    parser = html5lib.HTMLParser(strict=True)
    parser.parse(html)
    assert not parser.errors
    md = report(path, "markdown")
    assert "<script>" not in md and "<img" not in md
    assert "&lt;script>alert(1)&lt;/script> &amp; \\*Bold\\* \\[x\\](http://e.vil) \\| pipe" in md
    assert "\\_under\\_ \\*\\*star\\*\\*" in md


def test_markdown_escape():
    assert markdown_escape("a_b c_d") == "a_b c_d"
    assert markdown_escape("# title") == "\\# title"
    assert markdown_escape("1. first") == "1\\. first"
    assert markdown_escape("x\n\ny") == "x y"


def test_charts_have_text_alternatives_and_are_deterministic():
    rungs = [Rung("Ad hoc", 1, True, False, False), Rung("Order Taker", 2, True, True, False),
             Rung("Advisor", 3, False, False, True)]
    ladder = ladder_svg(rungs)
    tree = ET.fromstring(ladder)
    ns = "{http://www.w3.org/2000/svg}"
    assert tree.get("role") == "img"
    assert tree.find(f"{ns}title").text == "Maturity ladder"
    assert "Current level: Order Taker. Target: Advisor." in tree.find(f"{ns}desc").text
    assert "\u25b2 current" in ladder and "\u2691 target" in ladder
    axes = [Axis("Communication", 3, (("next level (Advisor)", 3),)),
            Axis("Financial savvy", None, (("next level (Advisor)", 3),)),
            Axis("Relationships", 1, ())]
    radar = radar_svg(axes, 4)
    tree = ET.fromstring(radar)
    desc = tree.find(f"{ns}desc").text
    assert "Financial savvy not rated" in desc and "Communication 3, next level" in desc
    assert "Financial savvy (not rated)" in radar
    assert radar == radar_svg(axes, 4) and ladder == ladder_svg(rungs)


def test_a_framework_without_ratings_has_no_radar():
    html = report(ROOT / "rules" / "brmi_relationship" / "example.yaml", "html",
                  "--pack", "brmi-relationship")
    assert 'id="competencies"' not in html and "Level 2 of 5: Order Taker." in html


# --- the report command -----------------------------------------------------------------------

def test_report_command_writes_by_extension_and_never_overwrites_silently(tmp_path):
    runner = CliRunner()
    html, md = tmp_path / "r.html", tmp_path / "r.md"
    acme = str(ROOT / "examples" / "acme.yaml")
    assert runner.invoke(cli, ["report", acme, "-o", str(html)]).exit_code == 0
    assert runner.invoke(cli, ["report", acme, "-o", str(md)]).exit_code == 0
    assert html.read_text().startswith("<!DOCTYPE html>")
    assert md.read_text().startswith("# BRM maturity report: Acme Corp")
    md.write_text("my edits\n")
    refused = runner.invoke(cli, ["report", acme, "-o", str(md)], input="n\n")
    assert refused.exit_code == 2 and md.read_text() == "my edits\n"
    assert runner.invoke(cli, ["report", acme, "-o", str(md), "--force"]).exit_code == 0
    bad = runner.invoke(cli, ["report", acme, "-o", str(tmp_path / "r.txt")])
    assert bad.exit_code == 2 and "name it .html or .md" in bad.output


def test_pdf_without_chromium_says_how_to_get_one(tmp_path, monkeypatch):
    import brm_advisor.engine.present.pdf as browser

    monkeypatch.setattr(browser, "find_chromium", lambda: None)
    out = tmp_path / "r.html"
    result = run("report", str(ROOT / "examples" / "acme.yaml"), "-o",
                                      str(out), "--pdf")
    assert result.exit_code == 1
    assert "apt-get install chromium" in result.output
    assert out.is_file(), "the HTML report is still written"


def test_the_report_renders_in_headless_chromium(tmp_path):
    chromium_or_skip()
    from PIL import Image

    out = tmp_path / "acme.html"
    run("report", str(ROOT / "examples" / "acme.yaml"), "-o", str(out),
                             "--target", "strategic_partner")
    dom = rendered_dom(out)
    for section in SECTIONS:
        assert f'id="{section}"' in dom
    assert "Level 2 of 4: Order Taker." in dom
    png = tmp_path / "acme.png"
    screenshot(out, png)
    image = Image.open(png).convert("L")
    low, high = image.getextrema()
    colours = len(image.getcolors(maxcolors=1 << 16) or [])
    assert high - low > 100 and colours > 20, "the screenshot is blank"


def test_pdf_through_chromium(tmp_path):
    chromium_or_skip()
    out = tmp_path / "acme.html"
    result = run("report", str(ROOT / "examples" / "acme.yaml"), "-o",
                                      str(out), "--pdf")
    assert result.exit_code == 0, result.output
    pdf = out.with_suffix(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
