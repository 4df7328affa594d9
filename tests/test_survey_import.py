"""Survey exports import (issue 10, point 5): `brm batch --columns MAP.yaml` maps a spreadsheet's
own headings and cell texts to facts fields, .xlsx sheets are read like CSV files, and batch
output carries the business unit, the date and the respondent."""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import EXAMPLES, run

SURVEY = EXAMPLES / "survey"
MAP = str(SURVEY / "map.yaml")

HEADINGS = ["Timestamp", " company ", "Business unit", "Respondent", "Role", "Assessed",
            "Formal BRM role?", "How does the business engage IT?", "Prioritisation",
            "Lifecycle stages", "Measures of success", "Communication"]
ROWS = [
    ["2026-10-01 09:00", "Acme", "Retail", "Ana", "Business", "2026-10-01", "Yes",
     "Order taking", "First come", "Planning; Delivery", "Satisfaction, Service levels", "2"],
    ["2026-10-02 10:00", "Acme", "Wealth", "Ben", "IT", "2026-10-02", "No",
     "Only when it breaks", "Whoever shouts", "", "none", ""],
]
MAP_TEXT = """\
columns:
  Timestamp: null
  Company: organization
  business unit: business_unit
  Respondent: respondent.name
  Role: respondent.role
  Assessed: assessed_on
  Formal BRM role?: brm.formal_role
  How does the business engage IT?: engagement.mode
  Prioritisation: engagement.prioritization
  Lifecycle stages: engagement.lifecycle
  Measures of success: measures
  Communication: ignore
values:
  respondent.role: {business: business, it: it}
  engagement.mode: {Order taking: order_taking, Only when it breaks: reactive}
  engagement.prioritization: {first come: first_come, whoever shouts: loudest_voice}
  engagement.lifecycle: {Planning: planning, Delivery: delivery}
  measures: {Satisfaction: satisfaction, Service levels: service_levels}
separator: [";", ","]
"""


def write_csv(path: Path, headings: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([headings, *rows])
    return path


def write_xlsx(path: Path, headings: list[str], rows: list[list[object]],
               title: str = "Responses") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def survey(tmp_path: Path) -> tuple[Path, Path]:
    return write_csv(tmp_path / "export.csv", HEADINGS, ROWS), _map(tmp_path, MAP_TEXT)


def _map(folder: Path, text: str, name: str = "map.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# --- mapping ----------------------------------------------------------------------------------

def test_a_mapped_export_is_assessed_with_headings_and_cells_translated(survey):
    export, columns = survey
    result = run("batch", "--columns", str(columns), str(export))
    assert result.exit_code == 0, result.stderr
    first, second = lines(result.stdout)
    assert list(first)[:5] == ["source", "organization", "business_unit", "assessed_on",
                               "respondent"]
    assert first["organization"] == "Acme" and first["business_unit"] == "Retail"
    assert first["assessed_on"] == "2026-10-01"
    assert first["respondent"] == {"name": "Ana", "role": "business"}
    assert first["level"]["id"] == "order_taker"  # translated mode, prioritization, lists
    assert second["respondent"] == {"name": "Ben", "role": "it"}
    assert second["level"]["id"] == "ad_hoc"


def test_without_the_map_the_same_export_is_refused_once_for_its_header(survey):
    export, _ = survey
    result = run("batch", str(export))
    assert result.exit_code == 1
    assert result.stderr.count("unknown column 'Prioritisation'") == 1
    assert "none of its 2 rows was assessed because of its header" in result.stderr


def test_a_column_named_by_its_field_path_needs_no_mapping(tmp_path):
    export = write_csv(tmp_path / "e.csv", ["Company", "brm.formal_role", "engagement.mode",
                                            "engagement.prioritization", "engagement.lifecycle",
                                            "measures"],
                       [["Acme", "yes", "Order taking", "first_come", "planning", "none"]])
    columns = _map(tmp_path, "columns: {company: organization}\n"
                             "values: {engagement.mode: {order taking: order_taking}}\n")
    result = run("batch", "--columns", str(columns), str(export))
    assert result.exit_code == 0, result.stderr
    assert lines(result.stdout)[0]["organization"] == "Acme"


def test_a_translation_to_a_boolean_or_number_is_kept_as_it_is(tmp_path):
    export = write_csv(tmp_path / "e.csv", ["Org", "Role?", "Mode", "Prio", "Stages", "Measures"],
                       [["Acme", "Oui", "order_taking", "first_come", "", ""]])
    columns = _map(tmp_path, "columns: {Org: organization, Role?: brm.formal_role, "
                             "Mode: engagement.mode, Prio: engagement.prioritization, "
                             "Stages: engagement.lifecycle, Measures: measures}\n"
                             "values: {brm.formal_role: {oui: true}}\n")
    result = run("batch", "--columns", str(columns), str(export))
    assert result.exit_code == 0, result.stderr
    assert lines(result.stdout)[0]["criteria"]["order_taker.formal_role"] is True


# --- XLSX -------------------------------------------------------------------------------------

def test_an_xlsx_sheet_gives_the_same_results_as_its_csv(tmp_path, survey):
    export, columns = survey
    typed = [[datetime.datetime(2026, 10, 1, 9), "Acme", "Retail", "Ana", "Business",
              datetime.datetime(2026, 10, 1), True, "Order taking", "First come",
              "Planning; Delivery", "Satisfaction, Service levels", 2],
             [datetime.datetime(2026, 10, 2, 10), "Acme", "Wealth", "Ben", "IT",
              datetime.date(2026, 10, 2), False, "Only when it breaks", "Whoever shouts",
              None, "none", None]]
    book = write_xlsx(tmp_path / "export.xlsx", HEADINGS, typed)
    from_csv = run("batch", "--columns", str(columns), str(export))
    from_xlsx = run("batch", "--columns", str(columns), str(book))
    assert from_csv.exit_code == from_xlsx.exit_code == 0, from_xlsx.stderr
    strip = [{k: v for k, v in line.items() if k != "source"} for line in lines(from_csv.stdout)]
    assert strip == [{k: v for k, v in line.items() if k != "source"}
                     for line in lines(from_xlsx.stdout)]
    assert [line["source"] for line in lines(from_xlsx.stdout)] == [f"{book}:2", f"{book}:3"]


def test_an_xlsx_with_field_paths_needs_no_map_and_numbers_are_typed(tmp_path):
    book = write_xlsx(tmp_path / "e.xlsx",
                      ["organization", "brm.formal_role", "brm.head_count", "engagement.mode",
                       "engagement.prioritization", "engagement.lifecycle", "measures",
                       "competencies.communication", "assessed_on"],
                      [["Acme", True, 4.0, "order_taking", "first_come", "planning;delivery",
                        "satisfaction", 3, datetime.datetime(2026, 11, 2, 15, 30)]])
    result = run("batch", str(book))
    assert result.exit_code == 0, result.stderr
    assert lines(result.stdout)[0]["level"]["id"] == "order_taker"


def test_sheet_chooses_a_sheet_and_an_unknown_one_is_named(tmp_path):
    path = tmp_path / "two.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["not", "a", "table"])
    data = book.create_sheet("Answers")
    data.append(["organization", "brm.formal_role", "engagement.mode",
                 "engagement.prioritization", "engagement.lifecycle", "measures"])
    data.append(["Acme", "yes", "reactive", "loudest_voice", "", ""])
    book.save(path)
    chosen = run("batch", "--sheet", "Answers", str(path))
    assert chosen.exit_code == 0, chosen.stderr
    assert lines(chosen.stdout)[0]["organization"] == "Acme"
    wrong = run("batch", "--sheet", "answer", str(path))
    assert wrong.exit_code == 1
    assert "has no sheet named 'answer'" in wrong.stderr
    assert "(did you mean 'Answers'?)" in wrong.stderr
    assert "Traceback" not in wrong.stderr


@pytest.mark.parametrize("content", [b"organization\nAcme\n", b"PK\x03\x04broken",
                                     b"\x00\x01\x02"])
def test_a_file_that_is_not_a_workbook_is_a_clear_error(tmp_path, content):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(content)
    result = run("batch", str(path))
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{path}: $: is not" in result.stderr
    assert "Traceback" not in result.stderr
    with_map = run("batch", "--columns", MAP, str(path))
    assert with_map.exit_code == 1 and "is not" in with_map.stderr


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (8 * 1024 * 1024))
    result = run("batch", str(path))
    assert result.exit_code == 1
    assert "refused as a zip bomb" in result.stderr


# --- bad maps and headers ---------------------------------------------------------------------

def test_every_problem_of_a_map_is_told_at_once_with_its_line(tmp_path, survey):
    export, _ = survey
    columns = _map(tmp_path, "columns:\n"
                             "  Company: organisation\n"
                             "  Prioritisation: engagement.prioritization\n"
                             "  Priority: engagement.prioritization\n"
                             "valeus: {}\n", "bad.yaml")
    out = tmp_path / "out.jsonl"
    result = run("batch", "--columns", str(columns), str(export), "-o", str(out))
    assert result.exit_code == 1
    err = result.stderr
    assert f"error: {columns} is not valid (3 problems)" in err
    assert f"{columns}:2: $.columns.Company: the heading 'Company' is mapped to " \
           "'organisation', which is not a facts field" in err
    assert "(did you mean 'organization'?)" in err
    assert f"{columns}:4: $.columns.Priority: the headings 'Prioritisation' and 'Priority' " \
           "are both mapped to 'engagement.prioritization'" in err
    assert f"{columns}:5: $.valeus: unknown key 'valeus'" in err and "did you mean 'values'" in err
    assert not out.exists()


def test_a_sheet_row_ending_early_has_empty_cells_for_the_rest(tmp_path):
    book = write_xlsx(tmp_path / "short.xlsx",
                      ["organization", "brm.formal_role", "engagement.mode",
                       "engagement.prioritization", "engagement.lifecycle", "measures"],
                      [["Acme", False, "reactive", "loudest_voice"]])
    result = run("batch", str(book))
    assert result.exit_code == 0, result.stderr
    assert lines(result.stdout)[0]["level"]["id"] == "ad_hoc"


def test_a_sheet_that_declares_a_wrong_size_is_read_whole(tmp_path):
    made = write_xlsx(tmp_path / "made.xlsx",
                      ["organization", "brm.formal_role", "engagement.mode",
                       "engagement.prioritization", "engagement.lifecycle", "measures"],
                      [["A", False, "reactive", "loudest_voice", "", ""],
                       ["B", True, "order_taking", "first_come", "planning", "satisfaction"]])
    wrong = tmp_path / "wrong.xlsx"
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(wrong, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b'<dimension ref="A1:F3"' in data
                data = data.replace(b'<dimension ref="A1:F3"', b'<dimension ref="A1"')
            target.writestr(item, data)
    result = run("batch", str(wrong))
    assert result.exit_code == 0, result.stderr
    assert [line["organization"] for line in lines(result.stdout)] == ["A", "B"]
    assert lines(result.stdout)[1]["level"]["id"] == "order_taker"


@pytest.mark.parametrize(("text", "words"), [
    ("columns: [a, b]\n", "needs 'columns:'"),
    ("columns: {a: organization\n", "is not valid"),
    ("- 1\n", "is not a column map"),
    ("columns: {Company: organization}\nvalues: {measures: {a: [x]}}\n", "is not one value"),
    ("columns: {Company: organization}\nseparator: ''\n", "the separator ''"),
    ("columns: {Company: organization}\nvalues: {mesures: {}}\n", "did you mean 'measures'"),
])
def test_a_map_that_is_not_one_is_refused(tmp_path, survey, text, words):
    export, _ = survey
    result = run("batch", "--columns", str(_map(tmp_path, text, "m.yaml")), str(export))
    assert result.exit_code == 1
    assert words in result.stderr
    assert result.stdout == ""


def test_headers_that_do_not_fit_the_map_are_told_once_per_file_and_nothing_is_written(
        tmp_path, survey):
    _, columns = survey
    headings = [h for h in HEADINGS if h != "Role"] + ["Measurs", "Head count"]
    bad = write_csv(tmp_path / "bad.csv", headings, [r[:4] + r[5:] + ["", "3"] for r in ROWS])
    good = write_csv(tmp_path / "good.csv", HEADINGS, ROWS)
    book = write_xlsx(tmp_path / "bad.xlsx", ["Company", "Prioritisation", "Prioritisation"],
                      [["A", "first come", "joint"]])
    out = tmp_path / "out.csv"
    result = run("batch", "--columns", str(columns), str(good), str(bad), str(book),
                 "-o", str(out))
    assert result.exit_code == 1
    err = result.stderr
    assert f"error: {bad} does not fit the column map {columns}" in err
    assert f"{bad}:1: $.respondent.role: the heading 'Role' of the column map {columns} " \
           "(line 6) is not in the file's header" in err
    assert f"{bad}:1: $['Head count']: the heading 'Head count' is neither in the column map" \
           in err and "(did you mean 'brm.head_count'?)" in err
    assert err.count("the heading 'Measurs' is neither") == 1
    assert "(did you mean 'measures'?)" in err
    assert f"{book}:1: $.engagement.prioritization: 2 columns ('Prioritisation', " \
           "'Prioritisation') fill the field 'engagement.prioritization'" in err
    assert f"{good} does not fit" not in err
    assert "nothing was assessed or written" in err
    assert not out.exists() and result.stdout == ""


def test_a_heading_suggestion_reads_a_human_heading(seed_pack):
    from brm_advisor.engine.inputs.columns import field_for

    assert field_for("Prioritisation", seed_pack.fields) == "engagement.prioritization"
    assert field_for("Formal role", seed_pack.fields) == "brm.formal_role"
    assert field_for("???", seed_pack.fields) is None


# --- output -----------------------------------------------------------------------------------

def test_csv_output_has_unit_date_and_respondent_after_the_organization(survey, tmp_path):
    export, columns = survey
    out = tmp_path / "out.csv"
    result = run("batch", "--columns", str(columns), str(export), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0] == ["source", "organization", "business_unit", "assessed_on", "respondent",
                       "respondent_role", "level", "level_rank", "next_level", "target", "gaps",
                       "recommendations", "findings", "error"]
    assert rows[1][:8] == [f"{export}:2", "Acme", "Retail", "2026-10-01", "Ana", "business",
                           "order_taker", "2"]
    assert all(len(row) == len(rows[0]) for row in rows)


def test_csv_output_has_only_the_identity_columns_some_record_gave(tmp_path):
    export = write_csv(tmp_path / "units.csv",
                       ["organization", "business_unit", "brm.formal_role", "engagement.mode",
                        "engagement.prioritization", "engagement.lifecycle", "measures"],
                       [["Acme", "Retail", "yes", "reactive", "loudest_voice", "", ""],
                        ["Acme", "", "yes", "reactive", "loudest_voice", "", ""],
                        ["Acme", "Retail", "yes", "reactive", "loudest_voice", "", "x"]])
    out = tmp_path / "out.csv"
    result = run("batch", str(export), "-o", str(out))
    assert result.exit_code == 1  # the third row's measure
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0][:4] == ["source", "organization", "business_unit", "level"]
    assert [row[2] for row in rows[1:]] == ["Retail", "", ""]
    assert rows[3][-1].startswith(f"{export}:4: $.measures[0]")
    assert all(len(row) == len(rows[0]) for row in rows)


def test_a_folders_units_carry_their_unit_in_jsonl():
    result = run("batch", str(EXAMPLES / "first-national-bank"))
    assert result.exit_code == 0, result.stderr
    units = {line["business_unit"] for line in lines(result.stdout)}
    assert len(units) >= 3
    assert all(list(line)[:3] == ["source", "organization", "business_unit"]
               for line in lines(result.stdout))


# --- the shipped example ----------------------------------------------------------------------

def test_the_shipped_survey_imports_the_same_from_csv_and_xlsx(tmp_path):
    csv_out, xlsx_out = tmp_path / "csv.csv", tmp_path / "xlsx.csv"
    one = run("batch", "--columns", MAP, str(SURVEY / "export.csv"), "-o", str(csv_out))
    two = run("batch", "--columns", MAP, str(SURVEY / "export.xlsx"), "-o", str(xlsx_out))
    assert one.exit_code == two.exit_code == 0, one.stderr + two.stderr
    first = list(csv.reader(io.StringIO(csv_out.read_text(encoding="utf-8"))))
    second = list(csv.reader(io.StringIO(xlsx_out.read_text(encoding="utf-8"))))
    assert len(first) == len(second) >= 26
    assert [row[1:] for row in first] == [row[1:] for row in second]
    assert {row[first[0].index("level")] for row in first[1:]} >= {"ad_hoc", "advisor"}
    assert {row[first[0].index("respondent_role")] for row in first[1:]} == {"business", "it",
                                                                               "brm"}


def test_the_survey_map_in_examples_is_not_read_as_a_facts_record():
    result = run("batch", str(EXAMPLES))
    sources = [line["source"] for line in lines(result.stdout)]
    assert not any(source.endswith("map.yaml") for source in sources)
    assert not any("survey" in source for source in sources)
