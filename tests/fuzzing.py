"""A mutation fuzzer for what reads untrusted documents (`read_document`, then a `FactsReader`).

It starts from the shipped examples (``examples/*.yaml|json``) and changes each copy a few
times: flips and deletes bytes, truncates, duplicates or swaps lines, and inserts things known
to hurt parsers (YAML tags of every standard kind on values of the wrong kind, anchors and
aliases, merge keys, numbers of thousands of digits, base-60 numbers, lone surrogates, deep
nesting, other encodings, NUL bytes...). Every document must be either accepted, with data any
UTF-8 output can hold, or refused with a `BrmError` whose messages can be printed; anything else
(a traceback) is a failure, reported with the input that caused it.

Deterministic: the same `seed` and `count` give the same documents. The tests run a few
thousand; the benchmark can import `fuzz` and run many more.
"""

from __future__ import annotations

import io
import json
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from brm_advisor.engine.errors import BrmError, IssuesError
from brm_advisor.engine.inputs.documents import read_document
from brm_advisor.engine.inputs.facts import FactsReader

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

LONGEST_MESSAGE = 1000
"""No message (the words after the path) may be longer: nothing huge is echoed."""

INSERTS: tuple[bytes, ...] = (
    b"!!int x", b"!!int ''", b"!!int 0x_", b"!!float abc", b"!!float ''", b"!!bool maybe",
    b"!!null x", b"!!str [1]", b"!!seq x", b"!!map [1]", b"!!map x", b"!!timestamp nope",
    b"!!timestamp 2020-01-01", b"!!binary '%%%'", b"!!binary aGVsbG8=", b"!!set {a, b}",
    b"!!omap [a: 1]", b"!!omap [1]", b"!!pairs [a: 1]", b"!!merge x", b"!!value x",
    b"!!python/object/apply:os.system ['true']", b"!custom {x: 1}", b"!<tag:x> y",
    b"&a ", b"*a", b"&a [*a]", b"<<: *a", b"<<: [1]", b"<<: {x: 1}",
    b"9" * 4301, b"-" + b"9" * 5000, b"0x" + b"f" * 4000, b"0b" + b"1" * 15000,
    b"0" + b"7" * 6000, b"1" + b"0" * 400 + b".5", b"1e400", b"-1e400", b".inf", b".nan",
    b"1:59:59", b"1" + b":59" * 2000, b"1:30.5", b"0x_", b"0b_", b"1_000",
    b'"\\ud800"', b'"\\udfff\\ud800"', b"'\\ud800'", b'"\\U00110000"', b'"\\ud83d\\ude00"',
    b"[" * 100, b"{" * 70, b"- " * 70, b"[" * 1200, b"]", b"}",
    b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\x00", b"\xff", b"\xc3", b"\xed\xa0\x80",
    b"---\n", b"...\n", b"%YAML 1.1\n---\n", b"? ", b"- ", b": ", b", ", b"|\n", b">-\n",
    b"#", b'"', b"'", b"\t", b"\n  ", b"\r", b"~", b"yes", b"no", b"null", b"true: 1",
    b"NaN", b"Infinity", b'{"a": 1, "a": 2}', b"a: 1\na: 2\n", b"\\u0000",
)
"""Fragments inserted at random places."""


class FuzzReport(NamedTuple):
    """What a fuzzing run did: how many documents, and how they ended (``accepted``, or the
    code of the first issue of each refusal)."""

    count: int
    endings: Counter[str]


class FuzzFailure(AssertionError):
    """A document that made the reader fail other than with a `BrmError`, or gave an error or
    data that cannot be printed."""


def seeds() -> list[tuple[str, bytes]]:
    """The shipped examples, as (file name, bytes)."""
    return [(path.name, path.read_bytes()) for path in sorted(EXAMPLES.iterdir())
            if path.suffix in (".yaml", ".yml", ".json")]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """`data` changed one to four times."""
    for _ in range(rng.randint(1, 4)):
        data = rng.choice(_MUTATIONS)(data, rng)
    return data


def _flip(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    where = rng.randrange(len(data))
    return data[:where] + bytes([rng.randrange(256)]) + data[where + 1:]


def _delete(data: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(len(data) + 1)
    return data[:start] + data[start + rng.randint(1, 40):]


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _insert(data: bytes, rng: random.Random) -> bytes:
    where = rng.randrange(len(data) + 1)
    if rng.random() < 0.5:  # at a line start or after "key: ", where values and keys begin
        starts = [i + 1 for i, byte in enumerate(data) if byte == 0x0A]
        starts += [i + 2 for i in range(len(data) - 1) if data[i:i + 2] == b": "]
        where = rng.choice(starts) if starts else where
    return data[:where] + rng.choice(INSERTS) + data[where:]


def _replace_value(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    index = rng.randrange(len(lines))
    head, colon, _rest = lines[index].partition(b": ")
    lines[index] = head + (colon or b": ") + rng.choice(INSERTS)
    return b"\n".join(lines)


def _shuffle_lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    if len(lines) > 1:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        if rng.random() < 0.5:
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines.insert(i, lines[j])
    return b"\n".join(lines)


def _reencode(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8", errors="replace")
    return text.encode(rng.choice(["utf-16", "utf-16-be", "utf-32", "latin-1", "cp1252"]),
                       errors="replace")


_MUTATIONS = (_flip, _flip, _delete, _truncate, _insert, _insert, _insert, _replace_value,
              _replace_value, _shuffle_lines, _reencode)


def documents(count: int, seed: int = 0) -> Iterator[tuple[str, bytes]]:
    """`count` mutated examples, as (name, bytes): the same ones for the same seed."""
    rng = random.Random(seed)
    pool = seeds()
    for number in range(count):
        name, data = pool[number % len(pool)]
        yield name, mutate(data, rng)


def check(reader: FactsReader, name: str, data: bytes) -> str:
    """Read one document as `brm assess` would; what happened (``accepted`` or the first issue's
    code). Raises `FuzzFailure` for anything but a `BrmError`, or for output that could not be
    printed."""
    try:
        facts = reader.check(read_document(io.BytesIO(data), name=name))
    except BrmError as error:
        _check_printable(error, name, data)
        return error.issues[0].code if isinstance(error, IssuesError) else type(error).__name__
    except Exception as error:
        raise FuzzFailure(f"{name}: {type(error).__name__}: {error}\ninput: {data[:600]!r}"
                          ) from error
    try:
        json.dumps(facts.data, ensure_ascii=False).encode("utf-8")
    except (ValueError, TypeError) as error:
        raise FuzzFailure(f"{name}: accepted data cannot be written as UTF-8 JSON: {error}\n"
                          f"input: {data[:600]!r}") from error
    return "accepted"


def _check_printable(error: BrmError, name: str, data: bytes) -> None:
    try:
        str(error).encode("utf-8")
    except UnicodeEncodeError as failure:
        raise FuzzFailure(f"{name}: the error cannot be printed as UTF-8\ninput: {data[:600]!r}"
                          ) from failure
    for issue in getattr(error, "issues", ()):
        if len(issue.message) > LONGEST_MESSAGE or len(issue.allowed or "") > LONGEST_MESSAGE:
            raise FuzzFailure(f"{name}: a message of {len(issue.message)} characters\n"
                              f"input: {data[:600]!r}")


def fuzz(reader: FactsReader, count: int, seed: int = 0) -> FuzzReport:
    """Push `count` mutated examples through `reader`; raises `FuzzFailure` at the first one
    that fails other than with a `BrmError`."""
    endings: Counter[str] = Counter()
    for name, data in documents(count, seed):
        endings[check(reader, name, data)] += 1
    return FuzzReport(count, endings)


# --- the batch reader -------------------------------------------------------------------------

RECORDS_PER_FILE = 40


def batch_files(fields: Any, count: int, seed: int = 0) -> Iterator[tuple[str, bytes]]:
    """JSONL and CSV files holding `count` records in all, mutated from the examples: JSON lines
    and CSV rows (columns named by the pack's field paths) with the same mutations."""
    rng = random.Random(seed)
    rows = [_flat(json.loads(json.dumps(_load(data)))) for _, data in seeds()]
    lines = [json.dumps(_load(data), ensure_ascii=False).encode() for _, data in seeds()]
    columns = [path for path in fields if any(path in row for row in rows)]
    made = 0
    while made < count:
        size = min(RECORDS_PER_FILE, count - made)
        if rng.random() < 0.5:
            body = [mutate(rng.choice(lines), rng) for _ in range(size)]
            yield f"fuzz{made}.jsonl", b"\n".join(body) + b"\n"
        else:
            header = ",".join(columns).encode()
            body = [mutate(_csv_row(rng.choice(rows), columns), rng) for _ in range(size)]
            yield f"fuzz{made}.csv", header + b"\n" + b"\n".join(body) + b"\n"
        made += size


def _load(data: bytes) -> Any:
    import yaml

    return yaml.safe_load(data)


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and key != "evidence":
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _csv_row(row: dict[str, Any], columns: list[str]) -> bytes:
    cells = []
    for column in columns:
        value = row.get(column)
        text = ";".join(map(str, value)) if isinstance(value, list) else (
            "" if value is None or isinstance(value, dict) else str(value))
        cells.append('"' + text.replace('"', '""') + '"')
    return ",".join(cells).encode("utf-8")


def fuzz_batch(advisor: Any, folder: Path, count: int, seed: int = 0) -> Counter[str]:
    """Push `count` mutated records, in JSONL and CSV files written to `folder`, through the
    batch reader and the batch's per-record assessor; every record must end as a result or an
    invalid record with printable messages. How they ended, counted."""
    from brm_advisor.engine.inputs.records import read_records
    from brm_advisor.engine.portfolio.batch import RecordAssessor

    assess = RecordAssessor(advisor)
    endings: Counter[str] = Counter()
    for name, data in batch_files(advisor.pack.fields, count, seed):
        path = folder / name
        path.write_bytes(data)
        try:
            for record in read_records([str(path)], advisor.pack.fields):
                outcome = assess(record)
                (outcome.line + (outcome.error or "")).encode("utf-8")
                endings["invalid" if outcome.level is None else "assessed"] += 1
        except BrmError as error:
            _check_printable(error, name, data)
            endings[type(error).__name__] += 1
        except Exception as error:
            raise FuzzFailure(f"{name}: {type(error).__name__}: {error}\n"
                              f"input: {data[:600]!r}") from error
    return endings


def main(argv: list[str] | None = None) -> Any:
    """``python tests/fuzzing.py [COUNT [SEED]]``: fuzz the seed pack's reader, print the tally."""
    import sys

    from brm_advisor.engine import Advisor, resolve_pack

    args = sys.argv[1:] if argv is None else argv
    count = int(args[0]) if args else 10_000
    seed = int(args[1]) if len(args) > 1 else 0
    with Advisor(resolve_pack()) as advisor:
        report = fuzz(advisor.reader, count, seed)
    for ending, number in report.endings.most_common():
        print(f"{number:8d}  {ending}")
    return report


if __name__ == "__main__":
    main()
