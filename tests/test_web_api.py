"""The HTTP API (/api/v1) through Starlette's test client: every endpoint answers the bytes the
command line prints for the same input, every bad input of issue 13's list is a problem+json
with its status and saves nothing, a token is required when the server has one, random bodies
never make the server fail, and the OpenAPI document describes exactly the routes served."""

from __future__ import annotations

import copy
import io
import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Route
from starlette.testclient import TestClient

from brm_advisor.engine import History, Workshop
from brm_advisor.web.api import PREFIX
from brm_advisor.web.app import create_app
from brm_advisor.web.config import WebConfig

from conftest import ACME, BASE_FACTS, EXAMPLES, ROOT, run

API = PREFIX
PROBLEM = "application/problem+json"
DEMAND_SUPPLY = ROOT / "rules" / "demand_supply" / "example.yaml"
TEAM = EXAMPLES / "northwind-team.yaml"


def facts_of(path: str | Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return data


def json_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite"


@pytest.fixture
def client(db: Path):
    with TestClient(create_app(WebConfig(db=db))) as test_client:
        yield test_client


def cli(*args: str, input: str | None = None) -> str:
    result = run(*args, input=input)
    assert result.exit_code == 0, result.output + result.stderr
    return result.output


def problem(response: Any, status: int) -> dict[str, Any]:
    """The problem+json of a response that must have `status`, never a stack trace."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert "Traceback" not in response.text and 'File "' not in response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["type"].startswith("https://")
    assert body["title"]
    return body


def saved_nothing(db: Path) -> None:
    """The history and the workshop hold nothing (the database may not even exist)."""
    if not db.exists():
        return
    with History(db) as history:
        assert history.assessments() == []
        assert Workshop(history).drafts() == []


# --- every endpoint: the CLI's bytes ----------------------------------------------------------

ASSESS_CASES = [
    (ACME, (), ()),
    (ACME, ("target=strategic_partner",), ("--target", "strategic_partner")),
    (ACME, ("format=text",), ("--format", "text")),
    (ACME, ("format=markdown",), ("--format", "markdown")),
    (ACME, ("format=html",), ("--format", "html")),
    (ACME, ("explain=true",), ("--explain",)),
    (str(TEAM), ("anonymize=true",), ("--anonymize",)),
    (str(DEMAND_SUPPLY), ("pack=demand-supply", "target=demand=2", "target=supply=managed"),
     ("--pack", "demand-supply", "--target", "demand=2", "--target", "supply=managed")),
]


@pytest.mark.parametrize(("path", "query", "options"), ASSESS_CASES)
def test_assess_answers_the_cli_s_bytes(client, path, query, options):
    facts = facts_of(path)
    response = client.post(f"{API}/assess?" + "&".join(query), json=facts)
    assert response.status_code == 200, response.text
    output = "json"
    for option in query:
        if option.startswith("format="):
            output = option.split("=")[1]
    if output == "json" and "--format" not in options:
        options = (*options, "--format", "json")
    expected = cli("assess", "-", *options, input=json_text(facts))
    # the text sends its reader to the API's way of getting the trace, not the CLI's
    assert response.text == expected.replace("`--format json` shows", "`?format=json` shows")
    assert output != "text" or "`?format=json` shows the trace." in response.text
    media = {"json": "application/json", "text": "text/plain", "markdown": "text/markdown",
             "html": "text/html"}[output]
    assert response.headers["content-type"].startswith(media)


def test_assess_html_carries_the_report_s_policy_and_no_script(client):
    response = client.post(f"{API}/assess?format=html", json=facts_of(ACME))
    policy = response.headers["content-security-policy"]
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert "<script" not in response.text


@pytest.mark.parametrize(("query", "options"), [
    ((), ("--format", "json")),
    (("level=strategic_partner",), ("--format", "json", "--level", "strategic_partner")),
    (("format=text",), ()),
])
def test_explain_answers_the_cli_s_bytes(client, query, options):
    facts = facts_of(ACME)
    response = client.post(f"{API}/explain?" + "&".join(query), json=facts)
    assert response.status_code == 200, response.text
    assert response.text == cli("explain", "-", *options, input=json_text(facts))


def test_explain_a_dimension_s_level(client):
    facts = facts_of(DEMAND_SUPPLY)
    response = client.post(f"{API}/explain?pack=demand-supply&level=demand=managed",
                           json=facts)
    assert response.status_code == 200, response.text
    assert response.text == cli("explain", "-", "--pack", "demand-supply", "--level",
                                "demand=managed", "--format", "json", input=json_text(facts))


@pytest.mark.parametrize(("body", "options"), [
    ({"set": ["brm.formal_role=false", "measures+=business_value"]},
     ("--set", "brm.formal_role=false", "--set", "measures+=business_value")),
    ({"target": "advisor"}, ("--target", "advisor")),
    ({"target": ["strategic_partner"]}, ("--target", "strategic_partner")),
    ({"set": ["engagement.mode=advisory"], "target": "advisor"},
     ("--set", "engagement.mode=advisory", "--target", "advisor")),
])
def test_whatif_answers_the_cli_s_bytes(client, body, options):
    facts = facts_of(ACME)
    response = client.post(f"{API}/whatif", json={"facts": facts, **body})
    assert response.status_code == 200, response.text
    assert response.text == cli("whatif", "-", *options, "--format", "json",
                                input=json_text(facts))


@pytest.mark.parametrize("output", ["html", "markdown"])
def test_report_is_brm_report_s_file(client, tmp_path, output):
    facts = facts_of(ACME)
    target = tmp_path / ("report.html" if output == "html" else "report.md")
    cli("report", "-", "-o", str(target), "--target", "advisor", input=json_text(facts))
    response = client.post(f"{API}/report?format={output}&target=advisor", json=facts)
    assert response.status_code == 200, response.text
    assert response.content == target.read_bytes()
    assert response.headers["content-type"] == (
        "text/html; charset=utf-8" if output == "html" else "text/markdown; charset=utf-8")


def test_report_is_html_by_default(client):
    response = client.post(f"{API}/report", json=facts_of(ACME))
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")


def test_validate_says_what_the_cli_says(client):
    facts = facts_of(ACME)
    response = client.post(f"{API}/validate", json=facts)
    assert response.status_code == 200
    said = cli("validate", "-", input=json_text(facts))
    body = response.json()
    assert body["valid"] is True and body["pack"]["id"] == "merlyn-brm"
    assert body["message"] + "\n" == said.replace("<stdin>", "request.json")


def test_invalid_facts_carry_the_cli_s_issues(client):
    facts = facts_of(ACME)
    facts["engagement"]["mode"] = "advisorry"
    facts["colour"] = "blue"
    del facts["measures"]
    text = json.dumps(facts, indent=2)
    body = problem(client.post(f"{API}/validate", content=text,
                               headers={"content-type": "application/json"}), 422)
    result = run("validate", "-", input=text)
    assert result.exit_code == 1
    lines = [line.strip().replace("<stdin>", "request.json")
             for line in result.stderr.splitlines()[1:]]
    assert [issue["text"] for issue in body["issues"]] == lines
    assert body["total"] == 3
    mode = next(i for i in body["issues"] if i["path"] == "$.engagement.mode")
    assert mode["suggestion"] == "advisory" and "advisory" in mode["allowed"]
    assert mode["line"] is not None


@pytest.mark.parametrize("view", ["", "?view=summary", "?view=levels"])
def test_a_pack_is_brm_packs_show_or_brm_levels(client, view):
    response = client.get(f"{API}/packs/demand-supply{view}")
    assert response.status_code == 200
    args = (("levels", "--pack", "demand-supply") if view.endswith("levels")
            else ("packs", "show", "demand-supply"))
    assert response.text == cli(*args, "--format", "json")


def test_packs_lists_the_default_first(client):
    body = client.get(f"{API}/packs").json()
    ids = [pack["id"] for pack in body["packs"]]
    assert body["default"] == ids[0] == "merlyn-brm"
    assert {"demand-supply", "brmi-relationship"} <= set(ids)


@pytest.mark.parametrize("pack", [None, "demand-supply"])
def test_the_facts_schema_is_brm_schema(client, pack):
    query = f"?pack={pack}" if pack else ""
    response = client.get(f"{API}/schemas/facts{query}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/schema+json"
    assert response.text == cli("schema", *(("--pack", pack) if pack else ()))


@pytest.mark.parametrize("name", ["diagnosis", "engagement"])
def test_the_shipped_schemas_are_served_as_shipped(client, name):
    response = client.get(f"{API}/schemas/{name}")
    assert response.status_code == 200
    assert response.content == (ROOT / "schemas" / f"{name}.schema.json").read_bytes()


def test_a_diagnosis_served_is_valid_against_the_served_schema(client):
    import jsonschema

    schema = client.get(f"{API}/schemas/diagnosis").json()
    diagnosis = client.post(f"{API}/assess", json=facts_of(ACME)).json()
    jsonschema.validate(diagnosis, schema)


# --- the history ------------------------------------------------------------------------------

def test_history_save_read_and_list_as_the_cli(client, db):
    facts = facts_of(ACME)
    response = client.post(f"{API}/history?target=advisor", json=facts)
    assert response.status_code == 201, response.text
    saved = response.json()
    assert response.headers["location"] == f"{API}/history/{saved['id']}"
    assert saved["facts"] == facts and saved["result"]["target"]["id"] == "advisor"
    assert saved["organization"] == "Acme Corp"
    read = client.get(response.headers["location"])
    assert read.status_code == 200 and read.json() == saved
    listed = client.get(f"{API}/history")
    assert listed.text == cli("history", "list", "--format", "json", "--db", str(db))
    assert client.get(f"{API}/history?organization=Globex").json() == []
    assert [item["id"] for item in listed.json()] == [saved["id"]]


def test_history_save_keeps_only_derived_ratings_unless_asked(client):
    facts = facts_of(TEAM)
    kept = client.post(f"{API}/history", json=facts).json()
    assert "brms" in facts and "brms" not in kept["facts"]
    profiles = client.post(f"{API}/history?keep_profiles=true", json=facts).json()
    assert profiles["facts"]["brms"] == facts["brms"]


def test_an_organization_s_timeline_is_brm_history_show(client, db):
    later = {**facts_of(ACME), "assessed_on": "2027-05-02"}
    later["engagement"] = {**later["engagement"], "mode": "advisory"}
    for facts in (facts_of(ACME), later, facts_of(EXAMPLES / "umbrella-partner.yaml")):
        assert client.post(f"{API}/history", json=facts).status_code == 201
    response = client.get(f"{API}/history/timeline?organization=Acme Corp")
    assert response.status_code == 200
    assert response.text == cli("history", "show", "Acme Corp", "--format", "json",
                                "--db", str(db))
    body = problem(client.get(f"{API}/history/timeline?organization=Acme Crop"), 404)
    assert "did you mean 'Acme Corp'" in body["detail"]
    problem(client.get(f"{API}/history/timeline"), 400)


def test_a_saved_assessment_that_does_not_exist_is_404(client):
    body = problem(client.get(f"{API}/history/42"), 404)
    assert "#42" in body["detail"]


# --- the workshop -----------------------------------------------------------------------------

def new_unit(client: TestClient, organization: str = "Acme Corp",
             business_unit: str = "Retail", **extra: Any) -> dict[str, Any]:
    response = client.post(f"{API}/workshop/units", json={
        "organization": organization, "business_unit": business_unit, **extra})
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"{API}/workshop/units/{response.json()['unit']['id']}"
    view: dict[str, Any] = response.json()
    return view


def answer(client: TestClient, unit_id: int, path: str, value: Any, version: int,
           base: Any = None) -> Any:
    return client.post(f"{API}/workshop/units/{unit_id}/answers",
                       json={"path": path, "value": value, "version": version, "base": base})


def leaves(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    found = []
    for key, value in data.items():
        if isinstance(value, dict):
            found += leaves(value, f"{prefix}{key}.")
        else:
            found.append((f"{prefix}{key}", value))
    return found


def test_a_unit_answered_question_by_question_gets_the_cli_s_diagnosis(client):
    view = new_unit(client, pack="merlyn-brm")
    unit_id = view["unit"]["id"]
    assert view["complete"] is False and view["diagnosis"] is None
    assert {i["path"] for i in view["missing"]} >= {"$.brm", "$.measures"}
    version = view["unit"]["version"]
    for path, value in leaves(copy.deepcopy(BASE_FACTS)):
        if path == "organization":
            continue
        response = answer(client, unit_id, path, value, version)
        assert response.status_code == 200, response.text
        assert response.json()["unit"]["version"] == version + 1
        version += 1
    view = client.get(f"{API}/workshop/units/{unit_id}").json()
    assert view["complete"] is True and view["missing"] == []
    facts = {**BASE_FACTS, "business_unit": "Retail"}
    expected = cli("assess", "-", "--format", "json", input=json_text(facts))
    assert view["diagnosis"] == json.loads(expected)
    assert client.get(f"{API}/workshop/units").json()["units"] == [view["unit"]]
    assert client.get(f"{API}/workshop/units?organization=Other").json()["units"] == []


def test_an_answer_is_checked_at_once_with_the_cli_s_message_and_not_saved(client, db):
    unit_id = new_unit(client)["unit"]["id"]
    body = problem(answer(client, unit_id, "engagement.mode", "advisorry", 1), 422)
    issue, = body["issues"]
    assert issue["path"] == "$.engagement.mode" and issue["suggestion"] == "advisory"
    facts = {**BASE_FACTS, "engagement": {**BASE_FACTS["engagement"], "mode": "advisorry"}}
    result = run("validate", "-", input=json_text(facts))
    said = result.stderr.splitlines()[1].strip()  # "<stdin>:1: $.engagement.mode: ..."
    assert said.split(": ", 1)[1] == issue["text"].split(": ", 1)[1]
    body = problem(answer(client, unit_id, "measures", ["satisfaction", 3], 1), 422)
    assert body["issues"][0]["path"].startswith("$.measures[")
    body = problem(answer(client, unit_id, "engagement.mood", "advisory", 1), 422)
    assert body["issues"][0]["suggestion"] == "engagement.mode"
    problem(answer(client, unit_id, "organization", "Globex", 1), 422)
    with History(db) as history:
        draft = Workshop(history).draft(unit_id)
    assert draft.version == 1 and "engagement" not in draft.facts


def test_an_answer_removed_with_null(client):
    unit_id = new_unit(client)["unit"]["id"]
    assert answer(client, unit_id, "brm.formal_role", True, 1).status_code == 200
    response = answer(client, unit_id, "brm.formal_role", None, 2, True)
    assert response.status_code == 200
    assert "brm" not in response.json()["unit"]["facts"]


def test_two_browsers_never_overwrite_each_other(client):
    unit_id = new_unit(client)["unit"]["id"]
    assert answer(client, unit_id, "engagement.mode", "advisory", 1).status_code == 200
    body = problem(answer(client, unit_id, "engagement.mode", "reactive", 1), 409)
    assert (body["path"], body["yours"], body["theirs"], body["version"]) == (
        "engagement.mode", "reactive", "advisory", 2)
    merged = answer(client, unit_id, "brm.formal_role", True, 1)  # another question: merged
    assert merged.status_code == 200
    facts = merged.json()["unit"]["facts"]
    assert facts["engagement"]["mode"] == "advisory" and facts["brm"]["formal_role"] is True


def test_a_unit_twice_is_a_conflict(client):
    new_unit(client)
    body = problem(client.post(f"{API}/workshop/units", json={
        "organization": "Acme  Corp", "business_unit": "Retail"}), 409)
    assert body["path"] == "business_unit"


# --- bad input: a problem with its status, nothing saved --------------------------------------

def post_raw(client: TestClient, path: str, content: bytes | str,
             kind: str = "application/json") -> Any:
    return client.post(API + path, content=content, headers={"content-type": kind})


@pytest.mark.parametrize("path", ["/assess", "/validate", "/history", "/whatif",
                                  "/workshop/units", "/explain", "/report"])
@pytest.mark.parametrize("content", [b"{\"organization\": ", b"", b"not json", b"{'a': 1}",
                                     b'{"a": 1, "a": 2}', b"\xff\xfe{}", b"[1, 2"])
def test_malformed_json_is_400(client, db, path, content):
    body = problem(post_raw(client, path, content), 400)
    assert body["type"].endswith("/malformed")
    saved_nothing(db)


def test_malformed_json_says_where(client):
    body = problem(post_raw(client, "/assess", b'{\n  "organization": "A",\n  oops\n}'), 400)
    issue, = body["issues"]
    assert issue["code"] == "syntax" and issue["line"] == 3


@pytest.mark.parametrize("path", ["/assess", "/history", "/workshop/units"])
def test_a_body_over_the_limit_is_413(tmp_path, path):
    db = tmp_path / "h.sqlite"
    with TestClient(create_app(WebConfig(db=db, max_body=1000))) as small:
        facts = {**BASE_FACTS, "notes": "x" * 2000}
        problem(small.post(API + path, json=facts), 413)

        def chunks():  # no Content-Length: counted as it arrives
            yield b'{"organization": "'
            for _ in range(10):
                yield b"x" * 200
            yield b'"}'

        problem(post_raw(small, path, chunks()), 413)  # type: ignore[arg-type]
    saved_nothing(db)


@pytest.mark.parametrize("kind", ["text/plain", "application/x-www-form-urlencoded",
                                  "multipart/form-data; boundary=x", ""])
def test_a_body_that_is_not_json_is_415(client, db, kind):
    for path in ("/assess", "/history", "/workshop/units"):
        problem(post_raw(client, path, json.dumps(BASE_FACTS), kind), 415)
    saved_nothing(db)


def test_unknown_fields_are_422_with_did_you_mean(client, db):
    facts = {**copy.deepcopy(BASE_FACTS), "measurs": ["satisfaction"]}
    for path in ("/assess", "/history"):
        body = problem(client.post(API + path, json=facts), 422)
        assert any(i["code"] == "unknown-field" and i["suggestion"] == "measures"
                   for i in body["issues"])
    body = problem(client.post(f"{API}/whatif", json={
        "facts": BASE_FACTS, "set": ["engagement.mod=advisory"]}), 422)
    issue, = body["issues"]
    assert issue["path"] == "engagement.mod=advisory" and issue["suggestion"] == "engagement.mode"
    body = problem(client.post(f"{API}/whatif", json={"facts": BASE_FACTS, "sett": []}), 422)
    assert body["issues"][0]["suggestion"] == "set"
    body = problem(client.post(f"{API}/workshop/units", json={
        "organization": "A", "businessunit": "B"}), 422)
    assert {i["path"] for i in body["issues"]} == {"$.businessunit", "$.business_unit"}
    saved_nothing(db)


@pytest.mark.parametrize("body", [
    [1, 2], "text", 3, {"facts": BASE_FACTS},
    {"facts": "x", "set": ["a=1"]}, {"facts": BASE_FACTS, "set": "brm.formal_role=true"},
    {"facts": BASE_FACTS, "set": ["nofield=1"]}, {"facts": BASE_FACTS, "target": "nolevel"},
    {"facts": {"organization": 3}, "set": ["brm.formal_role=true"]},
])
def test_what_if_bodies_that_cannot_be_used_are_422(client, body):
    problem(client.post(f"{API}/whatif", json=body), 422)


@pytest.mark.parametrize("body", [
    {"organization": "", "business_unit": "B"}, {"organization": "A"},
    {"organization": "A", "business_unit": 3}, {"organization": "A" * 201, "business_unit": "B"},
    ["A", "B"],
])
def test_units_that_cannot_be_created_are_422(client, db, body):
    problem(client.post(f"{API}/workshop/units", json=body), 422)
    saved_nothing(db)


@pytest.mark.parametrize("body", [
    {"path": "brm.formal_role", "value": True},
    {"path": "brm.formal_role", "value": True, "version": "1"},
    {"path": "brm.formal_role", "value": True, "version": True},
    {"path": "brm.formal_role", "value": True, "version": 0},
    {"path": "brm.formal_role", "version": 1},
    {"path": 1, "value": True, "version": 1},
    {"path": "brm.formal_role", "value": True, "version": 1, "extra": 1},
    {"path": "brm.formal_role", "value": "yes", "version": 1},
])
def test_answers_that_cannot_be_used_are_422_and_not_saved(client, db, body):
    unit_id = new_unit(client)["unit"]["id"]
    problem(client.post(f"{API}/workshop/units/{unit_id}/answers", json=body), 422)
    with History(db) as history:
        assert Workshop(history).draft(unit_id).version == 1


def test_a_unit_that_does_not_exist_is_404(client, db):
    problem(client.get(f"{API}/workshop/units/7"), 404)
    body = problem(answer(client, 7, "brm.formal_role", True, 1), 404)
    assert "#7" in body["detail"]
    problem(client.get(f"{API}/workshop/units/x"), 404)
    saved_nothing(db)


@pytest.mark.parametrize(("method", "path"), [
    ("post", "/assess?pack=merlyn-brn"), ("post", "/history?pack=../rules/merlyn_brm"),
    ("get", "/packs/nope"), ("get", "/schemas/facts?pack=/etc"),
    ("post", "/validate?pack=rules/merlyn_brm"),
])
def test_an_unknown_pack_is_404_and_no_path_is_read(client, db, method, path):
    kwargs = {"json": BASE_FACTS} if method == "post" else {}
    body = problem(getattr(client, method)(API + path, **kwargs), 404)
    assert "merlyn-brm" in body["known"]
    saved_nothing(db)


def test_an_unknown_pack_for_a_unit_is_404(client, db):
    body = problem(client.post(f"{API}/workshop/units", json={
        "organization": "A", "business_unit": "B", "pack": "merlyn-brn"}), 404)
    assert "merlyn-brm" in body["detail"]
    saved_nothing(db)


@pytest.mark.parametrize(("path", "query"), [
    ("history", "target=nolevel"), ("history", "target=demand=2"),
    ("history", "keep_profiles=maybe"), ("assess", "format=pdf"), ("assess", "explain=maybe"),
    ("report", "format=text"), ("explain", "level=demand=2"), ("assess", "target=x&target=y"),
])
def test_bad_parameters_are_problems(client, db, path, query):
    response = client.post(f"{API}/{path}?{query}", json=BASE_FACTS)
    assert response.status_code in (400, 422)
    problem(response, response.status_code)
    saved_nothing(db)


def test_a_level_to_explain_that_does_not_exist_is_422(client):
    body = problem(client.post(f"{API}/explain?level=advisr", json=BASE_FACTS), 422)
    assert "advisor" in body["detail"]


def test_unknown_routes_and_methods_are_problems(client):
    problem(client.get(f"{API}/nowhere"), 404)
    problem(client.delete(f"{API}/history"), 405)
    problem(client.get(f"{API}/assess"), 405)


# --- the token ---------------------------------------------------------------------------------

def test_a_token_is_required_when_the_server_has_one(tmp_path):
    db = tmp_path / "h.sqlite"
    with TestClient(create_app(WebConfig(db=db, token="s3cret"))) as guarded:
        for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": "s3cret"}):
            body = problem(guarded.post(f"{API}/history", json=BASE_FACTS, headers=headers),
                           401)
            assert "token" in body["detail"]
            problem(guarded.get(f"{API}/packs", headers=headers), 401)
        saved_nothing(db)
        good = {"authorization": "Bearer s3cret"}
        assert guarded.get(f"{API}/packs", headers=good).status_code == 200
        assert guarded.post(f"{API}/history", json=BASE_FACTS, headers=good).status_code == 201
        assert guarded.get(f"{API}/openapi.json").status_code == 401


def test_for_a_host_off_loopback_a_token_is_made_up():
    assert WebConfig.for_host("127.0.0.1").token is None
    assert WebConfig.for_host("0.0.0.0").token


# --- random bodies never make the server fail ---------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["organization", "brm", "engagement", "measures",
                                       "mode", "formal_role", "target_level", "x", ""])
                      | st.text(max_size=8), children, max_size=5),
    max_leaves=20)


@pytest.fixture(scope="module")
def lenient(tmp_path_factory):
    db = tmp_path_factory.mktemp("random") / "h.sqlite"
    with TestClient(create_app(WebConfig(db=db)), raise_server_exceptions=False) as test_client:
        yield test_client


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=json_values)
def test_random_json_to_assess_never_fails_the_server(lenient, body):
    response = lenient.post(f"{API}/assess", content=json.dumps(body),
                            headers={"content-type": "application/json"})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert response.headers["content-type"] == PROBLEM


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=st.fixed_dictionaries({}, optional={
    "organization": st.text(max_size=10) | st.integers(),
    "brm": st.fixed_dictionaries({}, optional={"formal_role": st.booleans() | st.none()}),
    "engagement": st.fixed_dictionaries({}, optional={
        "mode": st.sampled_from(["order_taking", "advisory", "x"]),
        "lifecycle": st.lists(st.sampled_from(["planning", "delivery", "y"]), max_size=3)}),
    "measures": st.lists(st.sampled_from(["satisfaction", "service_levels", "z"]),
                         max_size=3)}),
    raw=st.binary(max_size=40))
def test_near_facts_and_random_bytes_never_fail_the_server(lenient, facts, raw):
    for content in (json.dumps({**BASE_FACTS, **facts}).encode(), raw):
        response = lenient.post(f"{API}/assess", content=content,
                                headers={"content-type": "application/json"})
        assert response.status_code in (200, 400, 422), response.text


paths = st.sampled_from(["brm.formal_role", "engagement.mode", "measures", "organization",
                         "engagement.lifecycle", "nofield", "brm", ""]) | st.text(max_size=12)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.fixed_dictionaries({}, optional={
    "path": paths | json_values, "value": json_values, "version": st.integers(-1, 3)
    | json_values, "base": json_values, "other": json_values}))
def test_random_answers_never_fail_the_server_and_refused_ones_save_nothing(lenient, body):
    units = lenient.get(f"{API}/workshop/units").json()["units"]
    if units:
        unit = units[0]
    else:
        unit = lenient.post(f"{API}/workshop/units", json={
            "organization": "Random", "business_unit": "Answers"}).json()["unit"]
    response = lenient.post(f"{API}/workshop/units/{unit['id']}/answers", json=body)
    assert response.status_code in (200, 409, 422), response.text
    after = lenient.get(f"{API}/workshop/units/{unit['id']}").json()["unit"]
    if response.status_code == 200:
        assert after["version"] == unit["version"] + 1
    else:
        assert response.headers["content-type"] == PROBLEM
        assert after == unit


# --- the OpenAPI document ---------------------------------------------------------------------

def served_routes(client: TestClient) -> set[tuple[str, str]]:
    found = set()
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route) and route.path.startswith(API):
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
            found |= {(path, method.lower()) for method in route.methods or ()
                      if method != "HEAD"}
    return found


def test_the_openapi_document_describes_exactly_the_routes_served(client):
    document = client.get(f"{API}/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    described = {(path, method) for path, item in document["paths"].items()
                 for method in item}
    assert described == served_routes(client)
    assert len(described) >= 18


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [*([node["$ref"]] if "$ref" in node else []),
                *(ref for value in node.values() for ref in _refs(value))]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_every_reference_of_the_openapi_document_resolves(client):
    document = client.get(f"{API}/openapi.json").json()
    refs = set(_refs(document))
    assert f"{API}/schemas/diagnosis" in refs and f"{API}/schemas/facts" in refs
    for ref in refs:
        if ref.startswith("#/"):
            node = document
            for part in ref[2:].split("/"):
                node = node[part]
        else:
            response = client.get(ref)
            assert response.status_code == 200
            assert response.json()["$schema"].startswith("https://json-schema.org/")
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["summary"] and operation["responses"], (path, method)
            names = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "path"}
            assert names == set(re.findall(r"\{(\w+)\}", path)), (path, method)


# --- the documented example (docs/api.md) -------------------------------------------------------

DOC = ROOT / "docs" / "api.md"


def doc_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


class _Urlopen:
    """urllib.request.urlopen served by the test client (no socket)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.calls: list[tuple[str, str]] = []

    def __call__(self, request: urllib.request.Request, *args: Any, **kwargs: Any) -> Any:
        url = request.full_url
        path = url[url.index("/api/"):]
        method = request.get_method()
        self.calls.append((method, path))
        response = self.client.request(method, path, content=request.data,
                                       headers=dict(request.header_items()))
        if response.status_code >= 400:
            raise urllib.error.HTTPError(url, response.status_code, response.reason_phrase,
                                         response.headers,  # type: ignore[arg-type]
                                         io.BytesIO(response.content))
        return io.BytesIO(response.content)


def test_the_documented_python_example_runs_against_the_api(client, monkeypatch, capsys):
    opener = _Urlopen(client)
    monkeypatch.setattr(urllib.request, "urlopen", opener)
    code, = [block for block in doc_blocks("python") if "urlopen" in block]
    exec(compile(code, str(DOC), "exec"), {"__name__": "__main__"})  # noqa: S102
    printed = capsys.readouterr().out
    assert ("POST", f"{API}/workshop/units") in opener.calls
    assert any(path.endswith("/answers") for _, path in opener.calls)
    diagnosis = client.get(f"{API}/workshop/units/1").json()["diagnosis"]
    assert diagnosis is not None
    assert diagnosis["level"]["name"] in printed
    assert any(path.startswith(f"{API}/assess") for _, path in opener.calls)


def test_the_documented_curl_commands_send_what_the_api_takes(client):
    commands = [block for block in doc_blocks("sh") if "curl" in block]
    assert commands
    sent = 0
    for block in commands:
        for command in re.split(r"\n(?=curl )", block.strip()):
            method = "POST" if "-d " in command or "--data" in command else "GET"
            url = re.search(r"https?://[^/\s]+(/api/\S+?)['\"\s]", command + " ")
            assert url, command
            data = re.search(r"(?:-d|--data(?:-binary)?) '(.*?)'", command, re.S)
            path = url.group(1).replace("$UNIT", "1")
            if method == "POST" and data and not data.group(1).startswith("@"):
                body = json.loads(data.group(1))
                response = client.post(path, json=body)
            elif method == "POST":
                response = client.post(path, json=facts_of(ACME))
            else:
                response = client.get(path)
            assert response.status_code < 300, (command, response.text)
            sent += 1
    assert sent >= 3


def test_the_doc_lists_every_route(client):
    text = re.sub(r"\{\w+\}", "{}", DOC.read_text(encoding="utf-8"))
    missing = [path for path, _ in served_routes(client)
               if re.sub(r"\{\w+\}", "{}", path[len(API):]) + "`" not in text.replace(
                   "?", "`").replace(" ", "`")]
    assert not missing, f"docs/api.md does not list {missing}"
