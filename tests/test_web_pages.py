"""The workshop's pages (brm serve) through Starlette's TestClient: every page is strict HTML5,
each shipped pack's form has a labelled control per field, answers are saved (with and without
htmx) and change the diagnosis, refused answers and forged posts save nothing, a stale answer
is a conflict showing both values, the report is `brm report`'s bytes, hostile names are inert.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import html5lib
import pytest
import yaml
from starlette.testclient import TestClient

from brm_advisor.engine import (
    Advisor,
    AnswerError,
    History,
    Interview,
    Workshop,
    find_pack,
    load_pack,
    shipped_packs,
)
from brm_advisor.web.app import create_app
from brm_advisor.web.config import WebConfig
from brm_advisor.web.security import REPORT_POLICY

from conftest import EXAMPLES, run

HTMX = {"HX-Request": "true"}
COMPLETE = {"brm.formal_role": "yes", "engagement.mode": "order_taking",
            "engagement.prioritization": "first_come", "engagement.lifecycle": ["planning"],
            "measures": ["satisfaction"]}
"""A plain post's answers making merlyn-brm's facts complete (lists as checkboxes)."""


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite"


@pytest.fixture
def client(db: Path):
    with TestClient(create_app(WebConfig(db=db))) as test_client:
        test_client.get("/")  # the CSRF cookie
        yield test_client


def csrf(client: TestClient) -> str:
    token = client.cookies.get("brm_csrf")
    assert token
    return token


def strict(html: str) -> Any:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    document = parser.parse(html)
    assert not parser.errors, parser.errors[:3]
    return document


def new_unit(client: TestClient, organization: str = "Acme", unit: str = "Retail",
             pack: str = "merlyn-brm") -> int:
    response = client.post("/units", data={"csrf": csrf(client), "organization": organization,
                                           "business_unit": unit, "pack": pack},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def draft(db: Path, unit_id: int) -> Any:
    with History(db) as history:
        return Workshop(history).draft(unit_id)


def page_state(client: TestClient, unit_id: int) -> dict[str, Any]:
    """What a browser would post from the unit's form as the page shows it: every control's
    value (selected options, ticked boxes) and every field's hidden base and version."""
    document = strict(client.get(f"/units/{unit_id}").text)
    form = next(e for e in document.iter("form") if e.get("id") == "answers")
    data: dict[str, Any] = {}
    for element in form.iter():
        name = element.get("name")
        if not name or element.tag == "button":
            continue
        if element.tag == "select":
            chosen = [o.get("value") for o in element.iter("option")
                      if o.get("selected") is not None]
            data[name] = chosen[0] if chosen else ""
        elif element.tag == "textarea":
            data[name] = element.text or ""
        elif element.get("type") == "checkbox":
            if element.get("checked") is not None:
                data.setdefault(name, []).append(element.get("value"))
        else:
            data[name] = element.get("value") or ""
    return data


def plain_post(client: TestClient, unit_id: int, answers: dict[str, Any],
               state: dict[str, str] | None = None, **extra: Any) -> Any:
    """The form posted without JavaScript: every field's base and version, and the answers."""
    data: dict[str, Any] = dict(state if state is not None else page_state(client, unit_id))
    data.update(answers)
    data.pop("csrf", None)
    data.setdefault("csrf", csrf(client))
    return client.post(f"/units/{unit_id}/answers", data=data, follow_redirects=False,
                       **extra)


def level_text(html: str) -> str:
    found = re.search(r'<p id="level"[^>]*>(.*?)</p>', html, re.S)
    assert found
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


# --- every page renders -------------------------------------------------------------------

def test_every_page_is_strict_html5_and_the_unit_page_names_its_parts(client, db):
    unit_id = new_unit(client)
    plain_post(client, unit_id, COMPLETE)
    pages = ["/", f"/units/{unit_id}", f"/units/{unit_id}?why=engagement.mode",
             f"/units/{unit_id}/whatif?path=engagement.mode&value=advisory", "/portfolio",
             "/?large=1"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        strict(response.text)
    for url in pages:
        document = strict(client.get(url).text)
        every = [e.get("id") for e in document.iter() if e.get("id")]
        assert len(every) == len(set(every)), url  # no id twice
        for form in document.iter("form"):  # every post carries the CSRF token
            if form.get("method") == "post":
                tokens = [e.get("value") for e in form.iter("input") if e.get("name") == "csrf"]
                assert tokens == [csrf(client)], url
    document = strict(client.get(f"/units/{unit_id}").text)
    ids = {e.get("id") for e in document.iter() if e.get("id")}
    assert {"main", "answers", "save", "diagnosis", "level", "met", "unmet", "gaps",
            "recommendations", "findings", "why", "whatif", "whatif-form", "report-html",
            "report-md", "report-pdf", "large-type"} <= ids
    assert 'class="skip" href="#main"' in client.get("/").text


def test_large_type_is_a_class_switched_by_query_and_kept_in_a_cookie(client):
    assert '<html lang="en">' in client.get("/").text
    assert '<html lang="en" class="large">' in client.get("/?large=1").text
    assert '<html lang="en" class="large">' in client.get("/portfolio").text  # the cookie
    assert '<html lang="en">' in client.get("/?large=0").text
    assert "style=" not in client.get("/?large=1").text
    css = client.get("/static/app.css").text
    assert "html.large" in css and ":focus-visible" in css and ".skip:focus" in css


def test_pages_carry_no_inline_script_or_style_and_the_strict_policy(client):
    unit_id = new_unit(client)
    response = client.get(f"/units/{unit_id}")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    html = response.text
    assert "style=" not in html and "<style" not in html and " on" not in re.sub(
        r">[^<]*<", "><", html).replace(" one", "")
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="/static/' in attrs and not body.strip()
                           for attrs, body in scripts)
    assert client.get("/static/app.js").status_code == 200


# --- the form of every pack ---------------------------------------------------------------

@pytest.mark.parametrize("ref", shipped_packs(), ids=lambda ref: ref.id)
def test_each_shipped_pack_s_form_has_a_labelled_control_per_field(client, ref):
    unit_id = new_unit(client, "Org", f"Unit {ref.id}", ref.id)
    document = strict(client.get(f"/units/{unit_id}").text)
    form = next(e for e in document.iter("form") if e.get("id") == "answers")
    controls = [e for e in form.iter() if e.tag in ("input", "select", "textarea")
                and e.get("type") not in ("hidden", "submit")]
    labels = {e.get("for") for e in document.iter("label")}
    fieldsets = [e for e in form.iter("fieldset")]
    for control in controls:
        labelled = control.get("id") in labels or control.get("aria-label")
        assert labelled, control.get("name")
    named = {c.get("name") for c in controls}
    with Advisor(load_pack(ref.location)) as advisor:
        fields = list(advisor.pack.fields)
        assert set(fields) <= named, set(fields) - named
        lists = [p for p, f in advisor.pack.fields.items() if f.kind == "list"]
    legends = {"".join(f.find("legend").itertext()) for f in fieldsets}
    assert len(fieldsets) >= len(lists) and all(legends)
    buttons = [e for e in document.iter("button")]
    assert all("".join(b.itertext()).strip() or b.get("aria-label") for b in buttons)
    # answered with the first allowed value of each required field, the unit has a level
    with Advisor(load_pack(ref.location)) as advisor:
        answers = {path: first_answer(field) for path, field in advisor.pack.fields.items()
                   if field.required and path != "organization"}
    response = plain_post(client, unit_id, answers)
    assert response.status_code == 303, response.text
    page = client.get(f"/units/{unit_id}").text
    assert "No level yet" not in page and re.search(r"\(level \d of \d\)", level_text(page))
    assert client.get(f"/units/{unit_id}/report.html").status_code == 200


def first_answer(field: Any) -> Any:
    """The first value a required field allows, as a browser posts it."""
    if field.kind == "list":
        return [str(field.choices[0])]
    if field.choices:
        return str(field.choices[0])
    if field.kind == "boolean":
        return "yes"
    if field.kind in ("integer", "number"):
        return str(field.minimum if field.minimum is not None else 0)
    return "x"


def test_a_dimensioned_pack_s_form_groups_its_questions_and_takes_a_number(client, db):
    unit_id = new_unit(client, "Org", "Supply", "demand-supply")
    html = client.get(f"/units/{unit_id}").text
    assert '<h3 class="group">' in html
    assert 'name="supply.run_share"' in html and 'inputmode="decimal"' in html
    response = client.post(f"/units/{unit_id}/answers", data={
        **page_state(client, unit_id), "csrf": csrf(client), "supply.run_share": "150"},
        headers={**HTMX, "HX-Trigger-Name": "supply.run_share"})
    assert response.status_code == 422
    assert "150 is out of range; allowed: numbers from 0 to 100" in response.text
    assert 'id="f-supply-run_share-error" role="alert"' in response.text
    assert "supply" not in draft(db, unit_id).facts


# --- answers ------------------------------------------------------------------------------

def test_an_answer_posted_with_htmx_is_saved_and_the_diagnosis_changes(client, db):
    unit_id = new_unit(client)
    plain_post(client, unit_id, COMPLETE)
    before = level_text(client.get(f"/units/{unit_id}").text)
    state = page_state(client, unit_id)
    response = client.post(f"/units/{unit_id}/answers", data={
        **state, "csrf": csrf(client), "engagement.mode": "partnership",
        "engagement.prioritization": "joint"},
        headers={**HTMX, "HX-Trigger-Name": "engagement.mode"})
    assert response.status_code == 200
    assert response.headers["hx-trigger"] == "answered"  # an open ?? and what-if reload
    saved = draft(db, unit_id)
    assert saved.facts["engagement"]["mode"] == "partnership"
    assert saved.facts["engagement"]["prioritization"] == "first_come"  # only the one changed
    assert re.search(r'<input type="hidden" id="base-f-engagement-mode" '
                     r'name="_base:engagement.mode" value="&#34;partnership&#34;" '
                     r'hx-swap-oob="true">', response.text)
    assert 'id="f-engagement-mode-saved"' in response.text
    assert '<section id="diagnosis"' in response.text and response.text.count(
        'hx-swap-oob="true"') == 4  # base, version, status, diagnosis: the control stays
    strict("<!doctype html><title>t</title>" + response.text)
    # an answer given with htmx changes the level in the diagnosis it sends back
    response = client.post(f"/units/{unit_id}/answers", data={
        **page_state(client, unit_id), "brm.formal_role": "no"},
        headers={**HTMX, "HX-Trigger-Name": "brm.formal_role"})
    assert response.status_code == 200
    changed = level_text(response.text)
    assert changed == level_text(client.get(f"/units/{unit_id}").text)
    assert changed != before and draft(db, unit_id).facts["brm"]["formal_role"] is False
    client.post(f"/units/{unit_id}/answers", data={
        **page_state(client, unit_id), "brm.formal_role": "yes"},
        headers={**HTMX, "HX-Trigger-Name": "brm.formal_role"})
    assert level_text(client.get(f"/units/{unit_id}").text) == before
    # the diagnosis beside the form changes as the answers do
    plain_post(client, unit_id, {"engagement.prioritization": "joint",
                                 "engagement.lifecycle": ["strategy", "planning", "investment",
                                                          "delivery", "operations"],
                                 "measures": ["satisfaction", "business_value"]})
    after = level_text(client.get(f"/units/{unit_id}").text)
    assert before != after


def test_an_answer_posted_without_javascript_is_saved_and_redirected(client, db):
    unit_id = new_unit(client)
    html = client.get(f"/units/{unit_id}").text
    assert "No level yet" in html and 'id="missing"' in html
    response = plain_post(client, unit_id, COMPLETE)
    assert response.status_code == 303
    assert response.headers["location"] == f"/units/{unit_id}#diagnosis"
    facts = draft(db, unit_id).facts
    assert facts["brm"] == {"formal_role": True}
    assert facts["engagement"]["lifecycle"] == ["planning"]
    assert facts["measures"] == ["satisfaction"]
    page = client.get(f"/units/{unit_id}").text
    assert level_text(page).startswith(("Reactive", "Order")) and 'id="missing"' not in page
    # unchanged fields are not saved again: the version moved by one per answer
    assert draft(db, unit_id).version == 1 + len(COMPLETE)


def test_none_of_these_answers_a_list_with_no_item(client, db):
    unit_id = new_unit(client)
    plain_post(client, unit_id, {"measures": ["__none__"]})
    assert draft(db, unit_id).facts["measures"] == []
    assert 'id="f-measures-none" name="measures" value="__none__" checked' in client.get(
        f"/units/{unit_id}").text


def test_a_bad_answer_gives_the_cli_s_message_and_saves_nothing(client, db):
    unit_id = new_unit(client)
    with Advisor(load_pack(find_pack("merlyn-brm").location)) as advisor:
        interview = Interview(advisor)
        question = next(q for q in interview.questions if q.path == "brm.formal_role")
        with pytest.raises(AnswerError) as raised:
            interview.answer(question, "perhaps")
    assert str(raised.value) == "'perhaps' is not yes or no"  # the interview's words
    response = plain_post(client, unit_id, {"brm.formal_role": "perhaps",
                                            "engagement.mode": "advisory",
                                            "competencies.communication": "9"})
    assert response.status_code == 422
    assert "&#39;perhaps&#39; is not yes or no" in response.text
    assert "9 is out of range; allowed: whole numbers from 0 to 4" in response.text
    assert draft(db, unit_id).version == 1  # no answer saved, the good one neither
    document = strict(response.text)
    box = next(e for e in document.iter("input") if e.get("id") == "f-competencies-communication")
    assert box.get("value") == "9" and box.get("aria-invalid") == "true"  # kept as typed
    mode = next(e for e in document.iter("select") if e.get("id") == "f-engagement-mode")
    assert [o.get("value") for o in mode.iter("option") if o.get("selected") is not None] == [
        "advisory"]
    response = client.post(f"/units/{unit_id}/answers", data={
        **page_state(client, unit_id), "csrf": csrf(client), "competencies.communication": "9"},
        headers={**HTMX, "HX-Trigger-Name": "competencies.communication"})
    assert response.status_code == 422
    assert 'id="f-competencies-communication-error" role="alert">9 is out of range' in (
        response.text)
    assert 'id="f-competencies-communication"' not in response.text  # the box is left as is
    assert "hx-trigger" not in response.headers
    assert draft(db, unit_id).version == 1


def test_a_missing_or_wrong_csrf_token_is_403_and_nothing_is_saved(client, db):
    unit_id = new_unit(client)
    state = page_state(client, unit_id)
    del state["csrf"]
    for token in (None, "forged"):
        data = {**state, "engagement.mode": "advisory"}
        if token is not None:
            data["csrf"] = token
        response = client.post(f"/units/{unit_id}/answers", data=data)
        assert response.status_code == 403
        response = client.post(f"/units/{unit_id}/answers", data=data, headers={
            **HTMX, "HX-Trigger-Name": "engagement.mode", "X-CSRF-Token": token or ""})
        assert response.status_code == 403
    response = client.post("/units", data={"organization": "X", "business_unit": "Y"})
    assert response.status_code == 403
    assert draft(db, unit_id).version == 1
    with History(db) as history:
        assert [d.organization for d in Workshop(history).drafts()] == ["Acme"]
    # the header alone (htmx's, from <body hx-headers>) is enough
    response = client.post(f"/units/{unit_id}/answers", data={
        **state, "engagement.mode": "advisory"}, headers={
        **HTMX, "HX-Trigger-Name": "engagement.mode", "X-CSRF-Token": csrf(client)})
    assert response.status_code == 200
    assert f'"X-CSRF-Token": "{csrf(client)}"' in client.get("/").text


def test_a_stale_answer_to_the_same_question_is_a_conflict_showing_both_values(client, db):
    unit_id = new_unit(client)
    seen = page_state(client, unit_id)  # browser B opens the page
    plain_post(client, unit_id, {"engagement.mode": "advisory"})  # browser A answers
    response = plain_post(client, unit_id, {"engagement.mode": "reactive"}, state=seen)
    assert response.status_code == 409
    strict(response.text)
    assert '<dd class="yours">reactive</dd>' in response.text
    assert '<dd class="theirs">advisory</dd>' in response.text
    assert draft(db, unit_id).facts["engagement"]["mode"] == "advisory"
    # keeping one's own answer from the conflict page saves it over theirs, knowingly
    kept = dict(re.findall(r'name="(_(?:base|version):engagement\.mode)" value="([^"]*)"',
                           response.text))
    response = plain_post(client, unit_id, {"engagement.mode": "reactive", "_keep":
                                            "engagement.mode"},
                          state={k: v.replace("&#34;", '"') for k, v in kept.items()})
    assert response.status_code == 303
    assert draft(db, unit_id).facts["engagement"]["mode"] == "reactive"
    # with htmx: the field's block shows both, nothing saved
    response = client.post(f"/units/{unit_id}/answers", data={
        **seen, "csrf": csrf(client), "engagement.mode": "partnership"},
        headers={**HTMX, "HX-Trigger-Name": "engagement.mode"})
    assert response.status_code == 409
    assert '<dd class="theirs">reactive</dd>' in response.text
    assert draft(db, unit_id).facts["engagement"]["mode"] == "reactive"
    # a post that says not what it saw overwrites nothing either
    response = client.post(f"/units/{unit_id}/answers", data={
        "csrf": csrf(client), "engagement.mode": "partnership"},
        headers={**HTMX, "HX-Trigger-Name": "engagement.mode"})
    assert response.status_code == 409
    assert draft(db, unit_id).facts["engagement"]["mode"] == "reactive"


def test_another_question_answered_meanwhile_is_merged_not_a_conflict(client, db):
    unit_id = new_unit(client)
    seen = page_state(client, unit_id)
    plain_post(client, unit_id, {"engagement.mode": "advisory"})
    response = plain_post(client, unit_id, {"brm.formal_role": "yes"}, state=seen)
    assert response.status_code == 303
    facts = draft(db, unit_id).facts
    assert facts["engagement"]["mode"] == "advisory" and facts["brm"]["formal_role"] is True


# --- ??, what-if, report, portfolio -------------------------------------------------------

def test_why_shows_what_each_answer_would_change(client):
    unit_id = new_unit(client)
    plain_post(client, unit_id, COMPLETE)
    response = client.get(f"/units/{unit_id}/why?path=engagement.mode", headers=HTMX)
    assert response.status_code == 200 and response.text.startswith('<section id="why"')
    for choice in ("reactive", "order_taking", "advisory", "partnership"):
        assert f"<th scope=\"row\">{choice}" in response.text
    assert 'hx-trigger="answered from:body"' in response.text  # reloaded as answers change
    page = client.get(f"/units/{unit_id}?why=engagement.mode").text
    assert "What each answer would change" in page
    assert client.get(f"/units/{unit_id}/why?path=nope").status_code == 404


def test_what_if_shows_before_and_after_without_saving(client, db):
    unit_id = new_unit(client)
    plain_post(client, unit_id, COMPLETE)
    version = draft(db, unit_id).version
    response = client.get(f"/units/{unit_id}/whatif",
                          params={"path": "engagement.mode", "value": "partnership"},
                          headers=HTMX)
    assert response.status_code == 200
    assert 'id="whatif-before"' in response.text and 'id="whatif-after"' in response.text
    assert "order_taking &rarr; partnership" in response.text
    assert draft(db, unit_id).version == version
    response = client.get(f"/units/{unit_id}/whatif",
                          params={"path": "engagement.mode", "value": "sometimes"})
    assert response.status_code == 422 and 'id="whatif-error"' in response.text
    strict(response.text)


def test_the_report_is_brm_report_s_bytes(client, db, tmp_path):
    unit_id = new_unit(client)
    plain_post(client, unit_id, COMPLETE)
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(draft(db, unit_id).facts), encoding="utf-8")
    for suffix, route in ((".html", "report.html"), (".md", "report.md")):
        output = tmp_path / f"report{suffix}"
        result = run("report", str(facts), "-o", str(output), "--pack", "merlyn-brm")
        assert result.exit_code == 0, result.output
        response = client.get(f"/units/{unit_id}/{route}")
        assert response.status_code == 200
        assert response.content == output.read_bytes()
    response = client.get(f"/units/{unit_id}/report.html")
    assert response.headers["content-security-policy"] == REPORT_POLICY
    assert "attachment" in client.get(f"/units/{unit_id}/report.md").headers[
        "content-disposition"]


def test_a_report_of_incomplete_facts_says_what_is_missing(client):
    unit_id = new_unit(client)
    response = client.get(f"/units/{unit_id}/report.html")
    assert response.status_code == 409
    assert "required" in response.text
    strict(response.text)


def test_the_portfolio_shows_levels_the_units_heatmap_and_the_team(client, db):
    team = yaml.safe_load((EXAMPLES / "northwind-team.yaml").read_text(encoding="utf-8"))
    with History(db) as history:
        workshop = Workshop(history)
        workshop.create("Northwind Traders", "Retail", "merlyn-brm", team)
        workshop.create("Northwind Traders", "Online", "merlyn-brm",
                        {k: v for k, v in team.items() if k != "brms"})
    response = client.get("/portfolio")
    assert response.status_code == 200
    document = strict(response.text)
    tables = list(document.iter("table"))
    assert len(tables) >= 3
    heat = next(t for t in tables if "Each cell says" in "".join(t.find("caption").itertext()))
    cells = [("".join(td.itertext())) for td in heat.iter("td")]
    assert cells and set(cells) <= {"met", "not met"}
    assert "Dana Whitfield" in response.text
    team_table = next(t for t in tables if "BRM team" in "".join(t.find("caption").itertext()))
    team_cells = ["".join(td.itertext()) for td in team_table.iter("td")]
    assert all(re.match(r"^(\d|-)( [!*])?: ", text) for text in team_cells)
    unit_page = client.get("/units/1").text
    assert 'id="team"' in unit_page and "Lee Okafor" in unit_page


# --- hostile input, unknown units ---------------------------------------------------------

def test_hostile_names_are_escaped(client):
    unit_id = new_unit(client, "<script>alert(1)</script>", 'Unit "quoted" & \'single\'')
    for url in ("/", f"/units/{unit_id}", "/portfolio"):
        html = client.get(url).text
        assert "<script>alert(1)" not in html
        document = strict(html)
        assert not [e for e in document.iter("script") if not e.get("src")]
    response = plain_post(client, unit_id, {**COMPLETE, "notes": "<script>alert(2)</script>",
                                            "respondent.name": '"><img src=x>'})
    assert response.status_code == 303
    html = client.get(f"/units/{unit_id}").text
    assert "<script>alert(2)" not in html and "<img src=x>" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    for url in (f"/units/{unit_id}/report.html", "/"):
        assert "<script>alert" not in client.get(url).text
        assert "<img src=x>" not in client.get(url).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Unit &#34;quoted&#34; &amp; &#39;single&#39;" in html


def test_an_unknown_unit_is_404(client):
    for url in ("/units/999", "/units/999/report.html", "/units/999/why?path=measures",
                "/units/999/whatif?path=measures&value=none"):
        response = client.get(url)
        assert response.status_code == 404, url
        strict(response.text)
    response = client.post("/units/999/answers", data={"csrf": csrf(client)})
    assert response.status_code == 404


def test_a_unit_twice_or_an_unknown_pack_is_said_on_the_index(client):
    new_unit(client)
    response = client.post("/units", data={"csrf": csrf(client), "organization": "Acme",
                                           "business_unit": "Retail", "pack": "merlyn-brm"})
    assert response.status_code == 409 and 'id="new-error"' in response.text
    response = client.post("/units", data={"csrf": csrf(client), "organization": "Acme",
                                           "business_unit": "Other", "pack": "../etc"})
    assert response.status_code == 422 and "../etc" in response.text


def test_the_same_answer_sent_twice_by_one_page_is_no_conflict(client, db):
    unit_id = new_unit(client)
    seen = page_state(client, unit_id)
    # htmx saved it on change; then the page's own Save button posts it again, stale
    client.post(f"/units/{unit_id}/answers", data={
        **seen, "csrf": csrf(client), "engagement.mode": "advisory"},
        headers={**HTMX, "HX-Trigger-Name": "engagement.mode"})
    response = plain_post(client, unit_id, {"engagement.mode": "advisory"}, state=seen)
    assert response.status_code == 303
    assert draft(db, unit_id).version == 2


def test_a_dimensioned_pack_shows_each_dimension_s_level(client, db):
    unit_id = new_unit(client, "Org", "Supply", "demand-supply")
    response = plain_post(client, unit_id, {
        "demand.planning": "annual", "demand.practices": ["portfolio_review"],
        "supply.run_share": "60", "supply.service_catalog": "yes"})
    assert response.status_code == 303, response.text
    assert draft(db, unit_id).facts["supply"]["run_share"] == 60
    document = strict(client.get(f"/units/{unit_id}").text)
    dimensions = next(e for e in document.iter("ul") if e.get("id") == "dimensions")
    names = ["".join(li.itertext()) for li in dimensions.iter("li")]
    with Advisor(load_pack(find_pack("demand-supply").location)) as advisor:
        assert [n.split(":")[0] for n in names] == [d.name for d in advisor.pack.dimensions]


def test_brms_are_json_checked_by_the_facts_validator_and_what_if_raises_a_rating(client, db):
    unit_id = new_unit(client)
    plain_post(client, unit_id, COMPLETE)
    response = plain_post(client, unit_id, {"brms": '[{"name": "Dana", "competencies": '
                                                    '{"communication": 7}}]'})
    assert response.status_code == 422
    assert "$.brms[0].competencies.communication" in response.text
    assert "brms" not in draft(db, unit_id).facts
    response = plain_post(client, unit_id, {"brms": "[{not json"})
    assert response.status_code == 422 and "not JSON" in response.text
    team = [{"name": "Dana", "competencies": {"communication": 1, "relationships": 1}},
            {"name": "Lee", "competencies": {"communication": 1, "relationships": 2}}]
    response = plain_post(client, unit_id, {"brms": json.dumps(team)})
    assert response.status_code == 303, response.text
    assert draft(db, unit_id).facts["brms"] == team
    page = client.get(f"/units/{unit_id}").text
    assert 'id="team"' in page and "Dana" in page
    assert 'value="brms[Dana].communication"' in page
    response = client.get(f"/units/{unit_id}/whatif", params={
        "path": "brms[Dana].communication", "value": "4"}, headers=HTMX)
    assert response.status_code == 200, response.text
    assert "brms[Dana].competencies.communication 1 &rarr; 4" in response.text
    assert draft(db, unit_id).facts["brms"] == team  # nothing saved


def test_the_pdf_says_so_when_chromium_is_missing(client, monkeypatch, tmp_path):
    unit_id = new_unit(client)
    plain_post(client, unit_id, COMPLETE)
    monkeypatch.setenv("PATH", str(tmp_path))
    response = client.get(f"/units/{unit_id}/report.pdf")
    assert response.status_code == 503
    assert "No PDF could be printed" in response.text and "Chromium" in response.text
    strict(response.text)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium is not installed")
def test_the_pdf_is_printed_by_chromium(client):
    unit_id = new_unit(client)
    plain_post(client, unit_id, COMPLETE)
    response = client.get(f"/units/{unit_id}/report.pdf")
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"%PDF")
    assert response.headers["content-type"] == "application/pdf"


def test_assessments_saved_in_the_history_are_listed_and_on_the_portfolio(client, db, tmp_path):
    result = run("assess", str(EXAMPLES / "acme.yaml"), "--save", "--db", str(db))
    assert result.exit_code == 0, result.output
    with History(db) as history:
        saved = history.assessments()
    assert len(saved) == 1
    index = client.get("/").text
    strict(index)
    assert saved[0].organization in index and saved[0].result["level"]["name"] in index
    assert "Assessments saved in the history" in index
    portfolio = strict(client.get("/portfolio").text)
    levels = next(e for e in portfolio.iter("section") if e.get("id") == "levels")
    rows = ["".join(tr.itertext()) for tr in levels.iter("tr")]
    assert any(saved[0].organization in row and "saved" in row
               and saved[0].result["level"]["name"] in row for row in rows)
