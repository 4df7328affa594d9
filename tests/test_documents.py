"""Reading untrusted documents: every bad-input class gives a DocumentError, never a traceback."""

from __future__ import annotations

import io
import resource
import time

import pytest

from brm_advisor.engine.errors import DocumentError
from brm_advisor.engine.inputs.documents import MAX_DOCUMENT_BYTES, read_document


def read_text(tmp_path, name: str, text: str | bytes):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return read_document(path)


def error_of(tmp_path, name: str, text: str | bytes):
    with pytest.raises(DocumentError) as caught:
        read_text(tmp_path, name, text)
    (issue,) = caught.value.issues
    assert caught.value.source.endswith(name)
    return issue


def test_yaml_and_json_read_alike(tmp_path):
    yaml_doc = read_text(tmp_path, "a.yaml", "organization: X\nmeasures: [a, b]\n")
    json_doc = read_text(tmp_path, "a.json", '{"organization": "X", "measures": ["a", "b"]}')
    assert yaml_doc.data == json_doc.data == {"organization": "X", "measures": ["a", "b"]}
    assert (yaml_doc.syntax, json_doc.syntax) == ("yaml", "json")


def test_dates_stay_strings(tmp_path):
    assert read_text(tmp_path, "d.yaml", "assessed_on: 2026-11-02\n").data == {
        "assessed_on": "2026-11-02"}


def test_a_bom_is_ignored(tmp_path):
    assert read_text(tmp_path, "b.yaml", b"\xef\xbb\xbfa: 1\n").data == {"a": 1}


def test_stdin_stream_is_sniffed(tmp_path):
    doc = read_document(io.BytesIO(b'{"a": 1}'), name="<stdin>")
    assert doc.syntax == "json" and doc.data == {"a": 1}
    doc = read_document(io.BytesIO(b"a: 1\n"), name="<stdin>")
    assert doc.syntax == "yaml"


@pytest.mark.parametrize(("name", "text", "line", "words"), [
    ("m.yaml", "a: [1, 2\nb: 3\n", 2, "not valid YAML"),
    ("m.yaml", "a: 1\n  b: 2\n", 2, "not valid YAML"),
    ("m.json", '{"a": [1,\n 2,,]}', 2, "not valid JSON"),
    ("m.json", '{"a": NaN}', None, "not valid JSON"),
])
def test_malformed_syntax_names_the_line(tmp_path, name, text, line, words):
    issue = error_of(tmp_path, name, text)
    assert words in issue.message
    assert issue.line == line
    assert issue.code == "syntax"


@pytest.mark.parametrize("text", ["", "   \n\n", "\n"])
def test_empty_file(tmp_path, text):
    issue = error_of(tmp_path, "e.yaml", text)
    assert issue.code == "empty"


def test_only_comments_is_not_a_mapping(tmp_path):
    # YAML with only a comment parses to null: the facts reader reports it as not a mapping
    assert read_text(tmp_path, "c.yaml", "# nothing\n").data is None


@pytest.mark.parametrize("blob", [b"\x00\x01\x02binary", b"\xff\xfe\xfa not utf8",
                                  bytes(range(256)) * 4])
def test_binary_junk(tmp_path, blob):
    issue = error_of(tmp_path, "j.yaml", blob)
    assert issue.code == "binary"
    assert "UTF-8" in issue.allowed


@pytest.mark.parametrize("text", [
    "!!python/object/apply:os.system ['echo pwned > /tmp/brm-pwned']\n",
    "a: !!python/name:os.system\n",
    "a: !!python/object:collections.OrderedDict {}\n",
    "a: !custom {x: 1}\n",
])
def test_tags_that_build_objects_are_refused_and_nothing_runs(tmp_path, text):
    issue = error_of(tmp_path, "t.yaml", text)
    assert issue.code == "yaml-tag"
    assert "nothing in the file is executed" in issue.message
    assert not (tmp_path / "pwned").exists()


def test_binary_tag_values_are_refused(tmp_path):
    issue = error_of(tmp_path, "bin.yaml", "a: !!binary aGVsbG8=\n")
    assert issue.code == "value-type"


def billion_laughs(levels: int = 9) -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    previous = "a"
    for name in "bcdefghij"[: levels - 1]:
        text += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return text


def test_alias_bomb_is_refused_fast_with_bounded_memory(tmp_path):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    issue = error_of(tmp_path, "bomb.yaml", billion_laughs())
    elapsed = time.perf_counter() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert issue.code == "too-large"
    assert "aliases" in issue.message
    assert elapsed < 2.0
    assert grown_mb < 50


def test_moderate_aliases_are_fine(tmp_path):
    doc = read_text(tmp_path, "ok.yaml", "x: &s [a, b]\ny: *s\n")
    assert doc.data == {"x": ["a", "b"], "y": ["a", "b"]}


def test_recursive_alias_is_refused(tmp_path):
    issue = error_of(tmp_path, "r.yaml", "a: &a [*a]\n")
    assert issue.code in ("recursive-alias", "too-large")


def test_oversized_file_is_refused_before_parsing(tmp_path):
    issue = error_of(tmp_path, "big.yaml", "a: " + "x" * (MAX_DOCUMENT_BYTES + 10) + "\n")
    assert issue.code == "too-large"


def test_deep_nesting_is_refused(tmp_path):
    issue = error_of(tmp_path, "deep.json", "[" * 200 + "]" * 200)
    assert issue.code == "too-deep"


@pytest.mark.parametrize(("name", "text", "line"), [
    ("d.yaml", "a: 1\nb: 2\na: 3\n", 3),
    ("d.json", '{"a": 1,\n "a": 2}', 2),
])
def test_duplicate_keys_are_errors(tmp_path, name, text, line):
    issue = error_of(tmp_path, name, text)
    assert issue.code == "duplicate-key"
    assert issue.line == line


def test_more_than_one_document(tmp_path):
    issue = error_of(tmp_path, "two.yaml", "a: 1\n---\nb: 2\n")
    assert "more than one YAML document" in issue.message


def test_non_string_keys(tmp_path):
    issue = error_of(tmp_path, "k.yaml", "yes: 1\n")
    assert issue.code == "key-type"


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(DocumentError) as caught:
        read_document(tmp_path / "nope.yaml")
    assert caught.value.issues[0].code == "not-found"
    with pytest.raises(DocumentError):
        read_document(tmp_path)
