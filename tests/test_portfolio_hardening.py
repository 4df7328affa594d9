"""Batches and the history under bad input and bad luck: poison records, outputs that are
inputs, failing disks, Ctrl-C, a killed worker, huge lines, FIFOs, damaged or read-only
databases, CSV injection and CSV quirks. Each test names the requirement it pins (issue 15)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from brm_advisor.engine import Advisor, resolve_pack
from brm_advisor.engine.inputs.records import MAX_LINE_BYTES, read_records
from brm_advisor.engine.portfolio.batch import Outcome, Summary, csv_row
from brm_advisor.engine.portfolio.history import History

from conftest import ROOT, deadline, run
from fuzzing import fuzz_batch
from installed import BRM

NUMBER_PACK = str(ROOT / "tests" / "data" / "portfolio" / "number-pack")

ACME = {"organization": "Acme Corp", "brm": {"formal_role": True},
        "engagement": {"mode": "order_taking", "prioritization": "first_come",
                       "lifecycle": ["planning", "delivery"]},
        "measures": ["satisfaction", "service_levels"]}
GOOD = json.dumps(ACME)




def out_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def saved_sources(db: Path) -> list[str]:
    with History(db) as history:
        return [s.source for s in history.assessments()]


def many(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "orgs.jsonl"
    path.write_text("".join(json.dumps({**ACME, "organization": f"Org {i}"}) + "\n"
                            for i in range(count)))
    return path


# --- 5: one poison record never aborts the batch ----------------------------------------------

POISON = {  # the JSONL line, and what the batch says of it (as of a facts document)
    "nested 100,000 deep": ("[" * 100_000 + "]" * 100_000, "$: is nested too deeply"),
    "nested 100 deep": ('{"organization": "X", "notes": ' + "[" * 100 + "]" * 100 + "}",
                        "$: is nested too deeply"),
    "an integer of 5,000 digits": ('{"organization": "X", "brm": {"head_count": ' + "9" * 5000
                                   + "}}", "$.brm.head_count: has a whole number of 5000 "
                                           "digits, too long to use"),
    "a lone surrogate": (json.dumps({**ACME, "organization": "\ud800"}),
                         "$.organization: has a string holding \\ud800, a lone surrogate"),
    "a number too big for a float": ('{"organization": "X", "brm": {"head_count": 1e999}}',
                                     "$.brm.head_count: has a number too large to hold "
                                     "(infinite), not a finite number"),
}


@pytest.mark.parametrize("poison", POISON, ids=list(POISON))
def test_a_poison_jsonl_record_is_invalid_and_the_batch_goes_on(tmp_path, poison):
    line, message = POISON[poison]
    path = tmp_path / "orgs.jsonl"
    path.write_text(f"{GOOD}\n{line}\n{GOOD}\n", encoding="utf-8")
    out, db = tmp_path / "out.jsonl", tmp_path / "h.sqlite"
    result = run("batch", str(path), "-o", str(out), "--save", "--db", str(db))
    assert result.exit_code == 1, result.output
    assert f"{path}:2: {message}" in result.stderr
    assert "3 records: 2 assessed, 1 invalid" in result.stderr
    written = out_lines(out)
    assert ["error" in r for r in written] == [False, True, False]
    assert saved_sources(db) == [r["source"] for r in written if "error" not in r]


def test_a_csv_cell_over_128_kib_is_invalid_and_the_batch_goes_on(tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text("organization,budget_share\nA,0.7\n" + "B" * 200_000 + ",0.1\nC,0.2\n")
    out, db = tmp_path / "out.jsonl", tmp_path / "h.sqlite"
    result = run("batch", str(path), "--pack", NUMBER_PACK, "-o", str(out), "--save", "--db",
                 str(db))
    assert result.exit_code == 1, result.output
    assert f"{path}:3: $: has a cell longer than 131072 characters" in result.stderr
    written = out_lines(out)
    assert [r.get("organization") for r in written] == ["A", None, "C"]
    assert saved_sources(db) == [f"{path}:2", f"{path}:4"]


def test_nan_and_infinity_are_refused_not_an_engine_failure(tmp_path):
    jsonl = tmp_path / "orgs.jsonl"
    jsonl.write_text("".join(f'{{"organization": "{word}", "budget_share": {word}}}\n'
                             for word in ("NaN", "Infinity", "-Infinity"))
                     + '{"organization": "ok", "budget_share": 0.7}\n')
    result = run("batch", str(jsonl), "--pack", NUMBER_PACK)
    assert result.exit_code == 1, result.output  # never 3: the engine never sees them
    for line, word in enumerate(("NaN", "Infinity", "-Infinity"), start=1):
        assert f"{jsonl}:{line}: $: is not valid JSON: {word} is not a JSON number" in \
            result.stderr
    assert "4 records: 1 assessed, 3 invalid" in result.stderr
    table = tmp_path / "orgs.csv"
    table.write_text("organization,budget_share\na,nan\nb,inf\nc,-Infinity\nd,0.7\n")
    result = run("batch", str(table), "--pack", NUMBER_PACK)
    assert result.exit_code == 1, result.output
    assert f"{table}:2: $.budget_share: expected a number, got 'nan'" in result.stderr
    assert f"{table}:4: $.budget_share: expected a number, got '-Infinity'" in result.stderr
    assert "4 records: 1 assessed, 3 invalid" in result.stderr


# --- 6: an output that is one of the inputs ---------------------------------------------------

@pytest.mark.parametrize("how", ["same path", "another name", "hard link", "in a folder"])
def test_an_output_that_is_an_input_is_refused_before_anything_is_written(tmp_path, how):
    folder = tmp_path / "orgs"
    folder.mkdir()
    source = folder / ("acme.json" if how == "in a folder" else "orgs.jsonl")
    source.write_text(GOOD + "\n")
    given = str(folder if how == "in a folder" else source)
    output = {"same path": source, "another name": folder / ".." / "orgs" / "orgs.jsonl",
              "hard link": tmp_path / "linked.jsonl", "in a folder": source}[how]
    if how == "hard link":
        os.link(source, output)
    result = run("batch", given, "-o", str(output), "--force")
    assert result.exit_code == 2, result.output
    assert "is one of the inputs" in result.output
    assert source.read_text() == GOOD + "\n"
    assert sorted(p.name for p in folder.iterdir()) == [source.name]  # no temporary file left


# --- 7: the output is written whole or not at all ---------------------------------------------

def _file_size_limit(limit: int):
    def limited() -> None:  # runs in the child before brm starts
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past it fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return limited


def test_a_failing_output_leaves_the_existing_file_intact(tmp_path):
    source = many(tmp_path, 200)
    out = tmp_path / "out.jsonl"
    out.write_text("mine\n")
    result = subprocess.run([BRM, "batch", str(source), "-o", str(out), "--force"],
                            capture_output=True, text=True, timeout=120, check=False,
                            preexec_fn=_file_size_limit(16 * 1024))
    assert result.returncode == 1, result.stderr
    assert f"error: {out}: File too large" in result.stderr
    assert "Traceback" not in result.stderr
    assert out.read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orgs.jsonl", "out.jsonl"]


def test_a_report_that_fails_to_write_names_its_file_and_leaves_the_old_one(tmp_path):
    """Point 7's report on a full disk: the old file was kept, but the error said only
    'error: File too large' (a failed write names no file)."""
    out = tmp_path / "report.html"
    out.write_text("mine\n")
    result = subprocess.run([BRM, "report", str(ROOT / "examples" / "acme.yaml"), "-o",
                             str(out), "--force"], capture_output=True, text=True, timeout=120,
                            check=False, preexec_fn=_file_size_limit(16 * 1024))
    assert result.returncode == 1, result.stderr
    assert f"error: {out}: File too large" in result.stderr
    assert out.read_text() == "mine\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


# --- 10: Ctrl-C keeps what was assessed --------------------------------------------------------

def _wait_for_saved(db: Path, count: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if db.exists():
            with contextlib.suppress(sqlite3.OperationalError), \
                    contextlib.closing(sqlite3.connect(db, timeout=30)) as peek:
                if peek.execute("SELECT COUNT(*) FROM assessments").fetchone()[0] >= count:
                    return
    raise AssertionError(f"fewer than {count} assessments saved after {seconds} s")


def test_ctrl_c_saves_what_was_assessed_and_says_so(tmp_path):
    source = many(tmp_path, 20_000)
    out, db = tmp_path / "out.jsonl", tmp_path / "h.sqlite"
    proc = subprocess.Popen([BRM, "batch", str(source), "-o", str(out), "--save", "--db",
                             str(db)], stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_saved(db, 500)
        time.sleep(0.3)  # some rows written after the first transaction, not saved yet
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Aborted" not in err and "Traceback" not in err
    written = out_lines(out)
    assert 500 <= len(written) < 20_000
    assert f"interrupted: {len(written)} records assessed and written to {out}, " \
           f"{len(written)} assessments saved in the history; the records after them were " \
           "not assessed" in err
    assert saved_sources(db) == [r["source"] for r in written]


def test_a_second_ctrl_c_while_the_stopped_batch_saves_loses_nothing(tmp_path, monkeypatch):
    """An impatient second Ctrl-C once the batch has stopped (while what was assessed is being
    saved and the output renamed into place) used to interrupt that: the output was removed,
    the last assessments not saved, and the message still said they were written."""
    from brm_advisor.engine.portfolio.batch import BatchOutput

    write, save_many = BatchOutput.write, History.save_many

    def write_then_press(self, outcome):
        write(self, outcome)
        if self.written == 5:
            os.kill(os.getpid(), signal.SIGINT)  # the first Ctrl-C: stop after this record

    def press_again_then_save(self, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)  # the second one, while the batch saves
        return save_many(self, *args, **kwargs)

    monkeypatch.setattr(BatchOutput, "write", write_then_press)
    monkeypatch.setattr(History, "save_many", press_again_then_save)
    out, db = tmp_path / "out.jsonl", tmp_path / "h.sqlite"
    result = run("batch", str(many(tmp_path, 50)), "-o", str(out), "--save", "--db", str(db))
    assert result.exit_code == 130, result.output
    assert f"interrupted: 5 records assessed and written to {out}, 5 assessments saved" \
        in result.stderr
    written = out_lines(out)
    assert [r["organization"] for r in written] == [f"Org {i}" for i in range(5)]
    assert saved_sources(db) == [r["source"] for r in written]


def test_a_batch_stopped_at_once_leaves_no_worker_waiting(tmp_path, monkeypatch):
    """A second Ctrl-C that stopped a batch of several workers while its pool was shutting
    down left the workers waiting for work, and brm waiting for them at exit, forever (3 of 6
    tries of three quick Ctrl-C with --workers 2). The workers are now ended first."""
    from concurrent.futures import ProcessPoolExecutor

    from brm_advisor.engine.portfolio.batch import assess_all

    shutdown, pools = ProcessPoolExecutor.shutdown, []

    def interrupted(self, wait=True, *, cancel_futures=False):
        pools.append(self)
        if len(pools) == 1:
            raise KeyboardInterrupt  # another Ctrl-C, while shutting down waits
        return shutdown(self, wait, cancel_futures=cancel_futures)

    pack = resolve_pack()
    outcomes = assess_all(pack, read_records([str(many(tmp_path, 2_000))], pack.fields),
                          workers=2)
    assert next(outcomes).level is not None
    monkeypatch.setattr(ProcessPoolExecutor, "shutdown", interrupted)
    with pytest.raises(KeyboardInterrupt):
        outcomes.throw(KeyboardInterrupt)  # the second Ctrl-C, while waiting for a chunk
    workers = list(pools[0]._processes.values())
    try:
        for process in workers:
            process.join(60)  # a bound, not a measure: alive after it, a worker was left
    finally:
        for process in workers:
            process.kill()
        shutdown(pools[0], wait=True)
    assert [process.exitcode for process in workers] == [-signal.SIGTERM] * 2


# --- 11: a killed worker ends the batch, it does not hang it ---------------------------------

def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (read from /proc: no psutil)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry.name))
    return found


def _written_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*out.jsonl*") if p.is_file())


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_killed_worker_ends_the_batch_with_what_was_written_kept(tmp_path):
    source = many(tmp_path, 20_000)
    out, db = tmp_path / "out.jsonl", tmp_path / "h.sqlite"
    proc = subprocess.Popen([BRM, "batch", str(source), "-o", str(out), "--save", "--db",
                             str(db), "--workers", "2"], stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
                len(_children(proc.pid)) >= 2 and _written_bytes(tmp_path) > 0):
            time.sleep(0.05)
        workers = _children(proc.pid)
        assert len(workers) >= 2, "the workers did not start"
        os.kill(workers[0], signal.SIGKILL)
        _, err = proc.communicate(timeout=60)  # the old pool waited here forever
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 3, err
    assert "a worker process ended unexpectedly" in err and "Traceback" not in err
    written = out_lines(out)
    assert len(written) < 20_000
    assert f"stopped: {len(written)} records assessed and written to {out}" in err
    assert saved_sources(db) == [r["source"] for r in written]


# --- 15: bounded lines, bounded memory, no blocking on a FIFO -------------------------------

def test_an_over_long_line_is_an_invalid_record(tmp_path):
    long = json.dumps({**ACME, "notes": "x" * (MAX_LINE_BYTES + 10)})
    path = tmp_path / "orgs.jsonl"
    path.write_text(f"{GOOD}\n{long}\n{GOOD}\n")
    for args, where in (([str(path)], str(path)), (["-"], "<stdin>")):
        result = run("batch", *args, input=path.read_bytes() if args == ["-"] else None)
        assert result.exit_code == 1, result.output
        assert f"{where}:2: $: is a line longer than {MAX_LINE_BYTES} bytes" in result.stderr
        assert [r.get("code") for r in lines_of(result.stdout)] == [None, "too-large", None]


def lines_of(text: str) -> list[dict]:
    return [{"code": r["error"][0]["code"]} if "error" in r else {}
            for r in map(json.loads, text.splitlines())]


class _HugeLines(io.RawIOBase):
    """A stream of `count` lines of `size` bytes each, made as they are read (never whole), that
    records the largest amount asked of it at once."""

    def __init__(self, size: int, count: int) -> None:
        self.left = [size] * count
        self.largest = 0

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> bytes:
        self.largest = max(self.largest, size if size is not None and size >= 0 else 1 << 62)
        while self.left and self.left[0] == 0:
            self.left.pop(0)
            return b"\n"
        if not self.left:
            return b""
        take = min(self.left[0], size if size is not None and size >= 0 else self.left[0])
        self.left[0] -= take
        return b"x" * take


def test_a_huge_line_is_never_held_whole():
    stream = _HugeLines(50 * MAX_LINE_BYTES, 2)
    records = list(read_records(["-"], resolve_pack().fields, stdin=stream))
    assert [r.source for r in records] == ["<stdin>:1", "<stdin>:2"]
    assert all(r.issues[0].code == "too-large" for r in records)
    assert stream.largest <= MAX_LINE_BYTES + 1


def test_the_summary_keeps_a_count_and_the_first_messages():
    summary = Summary()
    for number in range(250):
        summary.add(Outcome(f"x:{number}", "{}", None, (), f"x:{number}: $: bad"))
    assert summary.invalid == 250 and summary.total == 250
    assert len(summary.messages) == Summary.KEEP and summary.messages[0] == "x:0: $: bad"


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "orgs.jsonl"
    os.mkfifo(fifo)
    result = subprocess.run([BRM, "batch", str(fifo)], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 2
    assert "is not a regular file or a folder" in result.stderr


# --- 16: the history: damaged rows, failed saves, read-only files -----------------------------

def _one_saved(tmp_path: Path) -> Path:
    db = tmp_path / "h.sqlite"
    (tmp_path / "acme.json").write_text(GOOD)
    assert run("batch", str(tmp_path / "acme.json"), "--save", "--db", str(db)).exit_code == 0
    return db


@pytest.mark.parametrize(("column", "value", "words"), [
    ("facts", "{not json", "its facts is not valid JSON"),
    ("result", "[]", "its result is not a JSON object"),
    ("result", '{"level": 3}', "its result has no level with a name"),
])
def test_a_damaged_row_is_a_clear_error_naming_it(tmp_path, column, value, words):
    db = _one_saved(tmp_path)
    with contextlib.closing(sqlite3.connect(db)) as connection, connection:
        connection.execute(f"UPDATE assessments SET {column} = ?", (value,))
    for args in (["history", "list"], ["history", "show", "Acme Corp"], ["compare", "#1", "#1"]):
        result = run(*args, "--db", str(db))
        assert result.exit_code == 1, result.output
        assert f"error: {db}: saved assessment #1 is damaged: {words}" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_full_disk_while_saving_is_a_clear_error(tmp_path):
    source = many(tmp_path, 600)
    db = tmp_path / "h.sqlite"
    with History(db):  # created before the limit: the first transaction then fails
        pass
    result = subprocess.run([BRM, "batch", str(source), "--save", "--db", str(db)],
                            capture_output=True, text=True, timeout=120, check=False,
                            preexec_fn=_file_size_limit(db.stat().st_size + 64 * 1024))
    assert result.returncode == 1, result.stderr
    assert f"error: {db}: 500 assessments could not be saved (none of them was)" in \
        result.stderr
    assert "Traceback" not in result.stderr
    with History(db) as history:
        assert history.assessments() == [] and history.check() == "ok"


@contextlib.contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """Make files and folders read-only for this process: chmod for a user, the immutable flag
    for root (whom permissions do not stop); skip where neither is possible."""
    if os.geteuid() != 0:
        modes = {path: path.stat().st_mode for path in paths}
        try:
            for path in paths:
                path.chmod(0o555 if path.is_dir() else 0o444)
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    if shutil.which("chattr") is None:
        pytest.skip("root, without chattr: nothing can be made read-only")
    done: list[Path] = []
    try:
        for path in paths:
            if subprocess.run(["chattr", "+i", str(path)], capture_output=True,
                              check=False).returncode:
                pytest.skip("root, and this file system has no immutable flag")
            done.append(path)
        yield
    finally:
        for path in reversed(done):
            subprocess.run(["chattr", "-i", str(path)], check=False)


@pytest.mark.parametrize("folder_too", [False, True], ids=["file", "file and folder"])
def test_a_read_only_history_is_still_listed(tmp_path, folder_too):
    home = tmp_path / "data"
    home.mkdir()
    db = _one_saved(home)
    (home / "acme.json").unlink()
    with read_only(db, *([home] if folder_too else [])):
        listed = run("history", "list", "--db", str(db), "--format", "json")
        assert listed.exit_code == 0, listed.output
        assert [item["organization"] for item in json.loads(listed.output)] == ["Acme Corp"]
        assert run("history", "show", "Acme Corp", "--db", str(db)).exit_code == 0
        refused = run("batch", str(ROOT / "examples" / "acme.yaml"), "--save", "--db", str(db))
        assert refused.exit_code == 1
        assert f"error: {db} is read-only: the assessments cannot be saved in it" in \
            refused.output
    with History(db) as history:
        assert len(history.assessments()) == 1


def test_an_old_read_only_history_says_it_needs_upgrading(tmp_path):
    db = tmp_path / "old.sqlite"
    with contextlib.closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        connection.execute("INSERT INTO schema_version VALUES (1)")
        connection.execute(  # as brm-advisor wrote it before the batch column
            "CREATE TABLE assessments (id INTEGER PRIMARY KEY AUTOINCREMENT, organization TEXT "
            "NOT NULL, saved_at TEXT NOT NULL, source TEXT NOT NULL, pack_id TEXT NOT NULL, "
            "pack_version TEXT NOT NULL, pack_hash TEXT NOT NULL, level_id TEXT NOT NULL, "
            "level_rank INTEGER NOT NULL, facts TEXT NOT NULL, result TEXT NOT NULL)")
    from brm_advisor.engine import HistoryError

    with pytest.raises(HistoryError, match="older brm-advisor .schema 1. and must be upgraded"):
        History(db, read_only=True)
    with History(db) as history:  # writable: migrated, as before
        assert history.assessments() == []


# --- 17: CSV injection --------------------------------------------------------------------------

def test_csv_cells_a_spreadsheet_would_run_are_neutralised(tmp_path):
    names = ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "\tTab", "\rReturn", "Plain"]
    path = tmp_path / "orgs.jsonl"
    path.write_text("".join(json.dumps({**ACME, "organization": name}) + "\n" for name in names))
    out = tmp_path / "out.csv"
    assert run("batch", str(path), "-o", str(out)).exit_code == 0
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # a line break inside a cell is written as \n, which the writer quotes (a bare \r it would
    # not, and the row would break in two)
    assert [row["organization"] for row in rows] == \
        ["'" + n.replace("\r", "\n") for n in names[:-1]] + ["Plain"]
    assert {row["level_rank"] for row in rows} == {"2"}  # a number: left alone


def test_the_csv_row_comes_from_the_outcome_not_from_its_json():
    outcome = Outcome("x:1", "not JSON at all", "ad_hoc", (), None, data={
        "organization": "X", "level": {"id": "ad_hoc", "rank": 1}, "next_level": None,
        "target": None, "gaps": ["g"], "recommendations": [], "findings": []})
    assert csv_row(outcome) == ["x:1", "X", "ad_hoc", "1", "", "", "g", "", "", ""]


# --- 20: CSV and JSONL quirks --------------------------------------------------------------------

def test_a_csv_from_excel_with_a_bom_is_read(tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_bytes(b"\xef\xbb\xbforganization,budget_share\r\nA,0.7\r\n")
    result = run("batch", str(path), "--pack", NUMBER_PACK)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["organization"] == "A"


def test_extra_cells_are_reported_once_per_file(tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text("organization,budget_share\nA,0.7,x\nB,0.2,y\nC,0.9\nD,0.1,z,w\nE,0.3,,\n")
    result = run("batch", str(path), "--pack", NUMBER_PACK)
    assert result.exit_code == 1
    assert result.stderr.count("belong to no field") == 1
    assert f"{path}:2: $: has 3 cells but the header names 2 columns: the cells beyond them " \
           "('x')" in result.stderr
    assert "5 records: 2 assessed, 3 invalid" in result.stderr  # empty extra cells are no harm
    codes = [r.get("code") for r in lines_of(result.stdout)]
    assert codes == ["extra-cells", "extra-cells", None, "extra-cells", None]


@pytest.mark.parametrize(("header", "pack", "words"), [
    ("organisation,brm.formal_role", None, "unknown column 'organisation'"),
    ("organization,budget_share,budget_share", NUMBER_PACK,
     "the column 'budget_share' appears 2 times in the header"),
])
def test_a_header_problem_is_told_once_with_the_rows_counted(tmp_path, header, pack, words):
    path = tmp_path / "orgs.csv"
    path.write_text(header + "\nA,true,1\nB,true,1\nC,false,1\n")
    result = run("batch", str(path), *(["--pack", pack] if pack else []))
    assert result.exit_code == 1
    assert result.stderr.count(words) == 1
    assert f"{path}:1: $." in result.stderr
    assert f"{path}: $: none of its 3 rows was assessed because of its header" in result.stderr
    assert "3 records: 0 assessed, 3 invalid" in result.stderr
    assert len(result.stdout.splitlines()) == 1  # one line for the file


def test_jsonl_duplicate_keys_are_refused(tmp_path):
    path = tmp_path / "orgs.jsonl"
    path.write_text(GOOD[:-1] + ', "organization": "Other"}\n' + GOOD + "\n")
    result = run("batch", str(path))
    assert result.exit_code == 1
    assert f"{path}:1: $: has the key 'organization' twice in one object" in result.stderr
    assert "2 records: 1 assessed, 1 invalid" in result.stderr


def test_bytes_that_are_not_utf8_name_their_line(tmp_path):
    jsonl = tmp_path / "orgs.jsonl"
    jsonl.write_bytes(GOOD.encode() + b"\n" + GOOD.replace("Acme", "Ac\xffme").encode("latin-1")
                      + b"\n" + GOOD.encode() + b"\n")
    result = run("batch", str(jsonl))
    assert result.exit_code == 1
    assert f"{jsonl}:2: $: is not valid UTF-8 text (byte" in result.stderr
    assert "3 records: 2 assessed, 1 invalid" in result.stderr
    table = tmp_path / "orgs.csv"
    table.write_bytes(b"organization,budget_share\nA\xff,0.7\nB,0.2\n")
    result = run("batch", str(table), "--pack", NUMBER_PACK)
    assert result.exit_code == 1
    assert f"{table}:2: $: is not valid UTF-8 text (byte 2 of the line)" in result.stderr
    assert "2 records: 1 assessed, 1 invalid" in result.stderr


def test_an_empty_or_none_list_cell_is_an_empty_list(tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text("organization,brm.formal_role,engagement.mode,engagement.prioritization,"
                    "engagement.lifecycle,measures\nAcme,true,order_taking,first_come,,None\n")
    records = list(read_records([str(path)], resolve_pack().fields))
    assert records[0].data["engagement"]["lifecycle"] == []
    assert records[0].data["measures"] == []
    result = run("batch", str(path))
    assert result.exit_code == 0, result.output


def test_the_library_reports_a_fifo_as_an_invalid_record_without_blocking(tmp_path):
    fifo = tmp_path / "orgs.csv"
    os.mkfifo(fifo)
    code = ("import sys\n"
            "from brm_advisor.engine import resolve_pack\n"
            "from brm_advisor.engine.inputs.records import read_records\n"
            "record, = read_records([sys.argv[1]], resolve_pack().fields)\n"
            "print(record.issues[0].code, record.issues[0].message)\n")
    result = subprocess.run([sys.executable, "-c", code, str(fifo)], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("not-a-file is not a regular file")


def test_a_fifo_or_a_broken_link_in_a_folder_is_an_invalid_record_not_left_out(tmp_path):
    """A folder's facts files that are not regular files were silently skipped (a batch of a
    FIFO and a good file said '1 records: 1 assessed, 0 invalid')."""
    folder = tmp_path / "orgs"
    folder.mkdir()
    (folder / "b-good.json").write_text(GOOD)
    os.mkfifo(folder / "a-pipe.yaml")
    (folder / "c-link.yaml").symlink_to(tmp_path / "gone.yaml")
    result = subprocess.run([BRM, "batch", str(folder)], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 1, result.stderr
    assert "3 records: 1 assessed, 2 invalid" in result.stderr
    assert f"{folder / 'a-pipe.yaml'}: $: is a named pipe (FIFO), not a regular file" \
        in result.stderr
    assert f"{folder / 'c-link.yaml'}: $: is a symbolic link to" in result.stderr
    assert [(r["source"], r["error"][0]["code"] if "error" in r else None)
            for r in map(json.loads, result.stdout.splitlines())] == [
        (str(folder / "a-pipe.yaml"), "not-a-file"), (str(folder / "b-good.json"), None),
        (str(folder / "c-link.yaml"), "not-found")]


def test_listing_a_current_history_writes_nothing_so_a_writer_does_not_block_it(tmp_path):
    db = _one_saved(tmp_path)
    writer = sqlite3.connect(db, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another process saving a long batch
        listed = run("history", "list", "--db", str(db))
        assert listed.exit_code == 0, listed.output
        assert "Acme Corp" in listed.output
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_mutated_batch_files_never_escape_as_tracebacks(tmp_path):
    """The fuzzer's JSONL and CSV files, 5,000 mutated records, through the batch reader and
    the per-record assessor: results or invalid records, never a traceback."""
    with Advisor(resolve_pack()) as advisor, deadline(120):
        endings = fuzz_batch(advisor, tmp_path, 5000, seed=20261130)
    assert endings["assessed"] > 0 and endings["invalid"] > 0
    # a few records merge or vanish (an empty line, a CSV whose header a mutation broke is
    # one invalid record for the file): most stay one record each
    assert sum(endings.values()) > 4500
