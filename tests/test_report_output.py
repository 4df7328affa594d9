"""What a report may load, and how report files are written.

- The HTML report carries a Content-Security-Policy that allows its inline CSS and data: images
  and nothing else; a real Chromium, printing a report into which raw elements were injected
  (as if escaping had a hole), loads no local file.
- Chromium keeps its sandbox unless it runs as root or says the sandbox is unavailable.
- A report replaces an existing file only once complete; a failed render or print leaves the
  old file as it was.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import html5lib
import pytest

from brm_advisor.cli import diagnose
from brm_advisor.engine import Advisor, explain, resolve_pack
from brm_advisor.engine.present import pdf as pdf_module
from brm_advisor.engine.present.pdf import BrowserError, print_pdf, sandbox_flags
from brm_advisor.engine.present.report import ReportError, render_report, report_context

from browser import chromium_or_skip
from conftest import ROOT, run

ACME = ROOT / "examples" / "acme.yaml"
CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n')


def html_report(path: Path = ACME) -> str:
    result = run("assess", str(path), "--format", "html")
    assert result.exit_code == 0, result.output
    return result.output


def policy_of(html: str) -> dict[str, list[str]]:
    """The page's Content-Security-Policy, directive -> sources, read by an HTML5 parser."""
    document = html5lib.parse(html, namespaceHTMLElements=False)
    head = document.find("head")
    metas = [m for m in head.iter("meta")
             if (m.get("http-equiv") or "").lower() == "content-security-policy"]
    assert len(metas) == 1
    order = [element.tag for element in head]
    assert order.index("meta") < order.index("style")
    assert list(head).index(metas[0]) < order.index("style"), "the policy precedes the CSS"
    directives = [d.split() for d in metas[0].get("content").split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


# --- the Content-Security-Policy --------------------------------------------------------------

def test_the_html_report_allows_its_inline_css_and_data_images_and_nothing_else() -> None:
    policy = policy_of(html_report())
    assert policy["default-src"] == ["'none'"]
    assert policy["style-src"] == ["'unsafe-inline'"]
    assert policy["img-src"] == ["data:"]
    assert policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'none'"]
    assert not {"script-src", "frame-src", "child-src", "object-src", "connect-src",
                "font-src"} & set(policy), "these fall back to default-src 'none'"
    everything = " ".join(source for sources in policy.values() for source in sources)
    for loose in ("*", "file:", "http:", "https:", "'unsafe-eval'", "'self'", "blob:"):
        assert loose not in everything.split()


def test_a_file_load_written_in_a_report_string_is_escaped_and_the_page_forbids_it(
        tmp_path: Path) -> None:
    facts = json.loads((ROOT / "examples" / "initech-advisor.json").read_text())
    facts["organization"] = '<img src="file:///etc/passwd">'
    facts["notes"] = '<iframe src="file:///etc/passwd"></iframe><object data="file:///x">'
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(facts))
    html = html_report(path)
    document = html5lib.parse(html, namespaceHTMLElements=False)
    assert not [e for e in document.iter() if e.tag in ("img", "iframe", "object")]
    assert "&lt;iframe src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert policy_of(html)["default-src"] == ["'none'"]


def _marker_images(pdf: Path) -> set[tuple[bytes, bytes]]:
    sizes = set(re.findall(rb"/Width (\d+)\s*/Height (\d+)", pdf.read_bytes()))
    return sizes & {(b"37", b"23"), (b"41", b"29")}


def test_chromium_loads_no_local_file_into_the_printed_report(tmp_path: Path) -> None:
    """Raw elements injected into a report (as if escaping had a hole) load nothing: the
    marker images of local files are absent from the PDF; the same page without the policy
    shows them, so the check can see a load."""
    chromium_or_skip()
    from PIL import Image

    Image.new("RGB", (37, 23), (255, 0, 255)).save(tmp_path / "marker.png")
    Image.new("RGB", (41, 29), (0, 255, 0)).save(tmp_path / "framed.png")
    (tmp_path / "frame.html").write_text('<p>local file</p><img src="framed.png">')
    injected = (f'<img src="{(tmp_path / "marker.png").as_uri()}">'
                f'<iframe src="{(tmp_path / "frame.html").as_uri()}"></iframe>'
                f'<object data="{(tmp_path / "framed.png").as_uri()}"></object>')
    html = html_report().replace("<body>", "<body>" + injected, 1)
    assert CSP_META.search(html)
    guarded, open_page = tmp_path / "guarded.html", tmp_path / "open.html"
    guarded.write_text(html)
    open_page.write_text(CSP_META.sub("", html))
    print_pdf(guarded, tmp_path / "guarded.pdf")
    print_pdf(open_page, tmp_path / "open.pdf")
    assert _marker_images(tmp_path / "open.pdf") == {(b"37", b"23"), (b"41", b"29")}
    assert _marker_images(tmp_path / "guarded.pdf") == set()


def test_the_product_module_holds_no_test_helpers() -> None:
    assert not hasattr(pdf_module, "screenshot") and not hasattr(pdf_module, "rendered_dom")


# --- Chromium's sandbox -----------------------------------------------------------------------

def test_the_sandbox_is_kept_unless_running_as_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert sandbox_flags() == ()
    assert "--no-sandbox" not in pdf_module.FLAGS
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert sandbox_flags() == ("--no-sandbox",)


def fake_chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Path:
    """A stand-in for Chromium: a shell script that logs its arguments and runs `body`
    (with $target the --print-to-pdf file)."""
    log = tmp_path / "calls.log"
    script = tmp_path / "fake-chromium"
    prelude = ('target=""; for a in "$@"; do case "$a" in --print-to-pdf=*) '
               'target="${a#--print-to-pdf=}";; esac; done\n')
    script.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\n' + prelude + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(pdf_module, "find_chromium", lambda: str(script))
    return log


def test_without_a_usable_sandbox_the_print_is_tried_once_more_without_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    log = fake_chromium(tmp_path, monkeypatch, """
case "$*" in *--no-sandbox*) printf '%%PDF-1.4 fake' > "$target"; exit 0;; esac
echo "FATAL: No usable sandbox! Update your kernel" >&2; exit 1
""")
    (tmp_path / "r.html").write_text("<p>x</p>")
    print_pdf(tmp_path / "r.html", tmp_path / "r.pdf")
    calls = log.read_text().splitlines()
    assert len(calls) == 2
    assert "--no-sandbox" not in calls[0] and "--no-sandbox" in calls[1]
    assert (tmp_path / "r.pdf").read_bytes() == b"%PDF-1.4 fake"


def test_another_failure_is_not_retried_without_the_sandbox(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    log = fake_chromium(tmp_path, monkeypatch, 'echo "page crashed" >&2; exit 3')
    (tmp_path / "r.html").write_text("<p>x</p>")
    with pytest.raises(BrowserError, match="page crashed"):
        print_pdf(tmp_path / "r.html", tmp_path / "r.pdf")
    assert len(log.read_text().splitlines()) == 1


# --- writing: nothing is lost when rendering or printing fails --------------------------------

@pytest.mark.parametrize("body", [
    "printf 'partial' > \"$target\"; echo crashed >&2; exit 1",  # fails after writing
    "printf '' > \"$target\"; exit 0",  # claims success, writes an empty file
    "printf 'not a pdf' > \"$target\"; exit 0",
])
def test_a_failed_print_leaves_the_existing_pdf_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    fake_chromium(tmp_path, monkeypatch, body)
    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    pdf.write_bytes(b"%PDF-1.4 the previous report")
    result = run("report", str(ACME), "-o", str(html), "--pdf",
                                      "--force")
    assert result.exit_code == 1 and "no PDF written" in result.output
    assert pdf.read_bytes() == b"%PDF-1.4 the previous report"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_printed_pdf_keeps_the_mode_of_the_one_it_replaces(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_chromium(tmp_path, monkeypatch, "printf '%%PDF-1.4 new' > \"$target\"; exit 0")
    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    html.write_text("<p>x</p>")
    pdf.write_bytes(b"%PDF-1.4 old")
    pdf.chmod(0o640)
    print_pdf(html, pdf)
    assert pdf.read_bytes() == b"%PDF-1.4 new"
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o640


def _with_a_lone_surrogate(real: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """`report_context` whose notes hold a character UTF-8 cannot write (facts files cannot
    bring one any more; a pack, a plugin or a future field might)."""
    def context(*args: Any) -> dict[str, Any]:
        return {**real(*args), "notes": "a lone surrogate: \udc80"}
    return context


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_a_report_that_cannot_be_written_is_refused_before_any_file_is_opened(
        fmt: str) -> None:
    with Advisor(resolve_pack()) as advisor:
        facts = advisor.read(ROOT / "examples" / "initech-advisor.json")
        diagnosis = advisor.assess(facts)
        context = _with_a_lone_surrogate(report_context)(
            advisor, facts, diagnosis, explain(advisor, facts, diagnosis))
    with pytest.raises(ReportError, match=r"U\+DC80, after '.*a lone surrogate: '\); nothing"):
        render_report(context, fmt)


def test_report_force_leaves_the_existing_file_when_rendering_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(diagnose, "report_context", _with_a_lone_surrogate(report_context))
    existing = tmp_path / "existing.html"
    existing.write_text("the previous report")
    result = run("report", str(ACME), "-o", str(existing), "--force")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "U+DC80" in result.output and "nothing was written" in result.output
    assert existing.read_text() == "the previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["existing.html"]
