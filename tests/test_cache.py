"""The compiled-pack cache: an entry gives exactly what loading and compiling give, and one that
does not check out (stale, damaged, tampered with, another version) is ignored and written
again; no cache folder, or one that cannot be written, only makes a command slower."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from brm_advisor.engine import Advisor
from brm_advisor.engine.inference import cache
from brm_advisor.engine.inference.compiler import compile_pack
from brm_advisor.engine.packs.discovery import shipped_packs
from brm_advisor.engine.packs.loader import load_pack

from conftest import ACME

SHIPPED = {ref.id: ref.location for ref in shipped_packs()}


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    """An empty cache folder of our own, and nothing remembered in this process."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(cache.DISABLE, raising=False)
    cache._RECENT.clear()
    yield tmp_path / "cache" / "brm-advisor" / "packs"
    cache._RECENT.clear()


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def from_cache_only(location: Path, monkeypatch) -> tuple:
    """Load and compile with the loader and compiler made to fail: only an entry can answer."""
    cache._RECENT.clear()
    with monkeypatch.context() as patched:
        patched.setattr("brm_advisor.engine.packs.loader.load_pack", _refuse)
        patched.setattr(cache.compiler, "compile_pack", _refuse)
        pack = cache.load(location)
        return pack, cache.compiled_pack(pack)


def _refuse(*args, **kwargs):
    raise AssertionError("the cache should have answered")


def same_pack(a, b) -> bool:
    return a._replace(fields=None) == b._replace(fields=None) and \
        a.fields.schema == b.fields.schema and dict(a.fields) == dict(b.fields)


@pytest.mark.parametrize("pack_id", sorted(SHIPPED))
def test_an_entry_gives_what_loading_and_compiling_give(cache_home, monkeypatch, pack_id):
    location = SHIPPED[pack_id]
    first = cache.load(location)
    cache.compiled_pack(first)
    assert len(entries(cache_home)) == 1
    pack, compiled = from_cache_only(location, monkeypatch)
    fresh = load_pack(location)
    assert same_pack(pack, fresh)
    assert compiled._replace(pack=None) == compile_pack(fresh)._replace(pack=None)
    assert compiled.pack is pack
    with Advisor(pack) as cached, Advisor(fresh, compiled=compile_pack(fresh)) as plain:
        facts = plain.reader.from_data(plain.pack.fields.placeholder_document())
        assert cached.assess(facts) == plain.assess(facts)


def test_the_commands_answer_the_same_with_and_without_the_cache(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    command = [sys.executable, "-m", "brm_advisor.cli", "assess", ACME, "--format", "json"]
    outputs = [subprocess.run(command, env=env, capture_output=True, check=True).stdout
               for _ in range(2)]  # the first fills the cache, the second reads it
    outputs.append(subprocess.run(command, env={**env, cache.DISABLE: "1"},
                                  capture_output=True, check=True).stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    assert entries(tmp_path / "brm-advisor" / "packs")


def copied_pack(tmp_path: Path, pack_id: str) -> Path:
    folder = tmp_path / pack_id
    shutil.copytree(SHIPPED[pack_id], folder)
    return folder


def test_a_changed_pack_is_loaded_again(cache_home, tmp_path):
    folder = copied_pack(tmp_path, "merlyn-brm")
    before = cache.load(folder)
    pack_file = folder / "pack.yaml"
    pack_file.write_text(pack_file.read_text().replace("version: 1.0.0", "version: 1.0.1"))
    cache._RECENT.clear()
    after = cache.load(folder)
    assert (before.version, after.version) == ("1.0.0", "1.0.1")
    assert after.content_hash != before.content_hash


def test_a_changed_facts_schema_is_loaded_again(cache_home, tmp_path, monkeypatch):
    folder = copied_pack(tmp_path, "brmi-relationship")
    before = cache.load(folder)
    schema_file = folder / "facts.schema.json"
    schema = json.loads(schema_file.read_text())
    schema["properties"]["notes"]["description"] = "Changed since the entry was written."
    schema_file.write_text(json.dumps(schema, indent=2))
    cache._RECENT.clear()
    after = cache.load(folder)
    assert after.content_hash != before.content_hash
    assert after.fields["notes"].description == "Changed since the entry was written."
    cache.compiled_pack(after)
    assert from_cache_only(folder, monkeypatch)[0].content_hash == after.content_hash


def test_another_version_or_code_is_a_miss(cache_home, monkeypatch):
    location = SHIPPED["merlyn-brm"]
    cache.load(location)
    monkeypatch.setattr(cache, "_version", lambda: "99.0")
    with pytest.raises(AssertionError, match="should have answered"):
        from_cache_only(location, monkeypatch)
    monkeypatch.undo()


DAMAGES = {
    "truncated": lambda data: data[: len(data) // 2],
    "garbage": lambda data: b"\x00\xff not json at all",
    "empty": lambda data: b"",
    "a flipped byte": lambda data: data[:-10] + bytes([data[-10] ^ 1]) + data[-9:],
    "another class": lambda data: _tampered(data, b'"$":"Source"', b'"$":"Popen"'),
    "a wrong shape": lambda data: _tampered(data, b'"$":"Source","v":[', b'"$":"Source","v":[1,'),
}


def _tampered(data: bytes, old: bytes, new: bytes) -> bytes:
    """`data` with `old` replaced and its checksum made to match: damage a checksum misses."""
    import hashlib

    head, _, body = data.partition(b"\n")
    assert old in body
    body = body.replace(old, new, 1)
    header = json.loads(head)
    header["check"] = hashlib.sha256(body).hexdigest()
    return json.dumps(header).encode() + b"\n" + body


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_entry_is_ignored_and_written_again(cache_home, monkeypatch, damage):
    location = SHIPPED["merlyn-brm"]
    cache.compiled_pack(cache.load(location))
    (entry,) = entries(cache_home)
    entry.write_bytes(DAMAGES[damage](entry.read_bytes()))
    with pytest.raises(AssertionError, match="should have answered"):
        from_cache_only(location, monkeypatch)
    cache._RECENT.clear()
    pack = cache.load(location)  # loaded again, and the entry written again
    assert same_pack(pack, load_pack(location))
    cache.compiled_pack(pack)
    assert from_cache_only(location, monkeypatch)[0].content_hash == pack.content_hash


def test_no_cache_when_turned_off(cache_home, monkeypatch):
    monkeypatch.setenv(cache.DISABLE, "1")
    pack = cache.load(SHIPPED["merlyn-brm"])
    cache.compiled_pack(pack)
    assert cache.cache_folder() is None and entries(cache_home) == []


def test_a_cache_folder_that_cannot_be_made_is_passed_over(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("in the way")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # brm-advisor/ cannot be made in it
    cache._RECENT.clear()
    pack = cache.load(SHIPPED["merlyn-brm"])
    assert same_pack(pack, load_pack(SHIPPED["merlyn-brm"]))
    assert cache.compiled_pack(pack).rules


WRITER = """
import sys
from brm_advisor.engine.inference import cache
for _ in range(int(sys.argv[1])):
    cache._RECENT.clear()
    for entry in cache.cache_folder().glob("*.json"):
        entry.unlink(missing_ok=True)
    cache.compiled_pack(cache.load(sys.argv[2]))
"""


def test_processes_writing_one_entry_at_once_leave_a_whole_one(cache_home, monkeypatch):
    location = str(SHIPPED["merlyn-brm"])
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, "15", location])
               for _ in range(4)]
    assert [writer.wait(timeout=300) for writer in writers] == [0, 0, 0, 0]
    assert [path.name for path in cache_home.iterdir() if path.name.startswith(".")] == []
    pack, compiled = from_cache_only(Path(location), monkeypatch)
    assert compiled._replace(pack=None) == compile_pack(load_pack(location))._replace(pack=None)


def test_the_cache_folder_keeps_a_bounded_number_of_entries(cache_home, tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    folders = [copied_pack(tmp_path / str(index), "brmi-relationship") for index in range(5)]
    for folder in folders:
        cache.compiled_pack(cache.load(folder))
    assert len(entries(cache_home)) == 3
    assert from_cache_only(folders[-1], monkeypatch)[0].location == str(folders[-1])
