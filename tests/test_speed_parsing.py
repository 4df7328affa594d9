"""The readers' fast paths give what the full readers give, or leave the text to them: over the
examples, the test data and thousands of mutations of them (speed is measured by bench/bench.py).

- plain YAML (`plain_yaml.read_plain`) against PyYAML with the project's loader and checks;
- ASCII JSON (`documents._fast_json`) against the JSON reader with its hooks and checks."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
import yaml

from brm_advisor.engine.errors import BrmError
from brm_advisor.engine.inputs import documents
from brm_advisor.engine.inputs.plain_yaml import MAX_NESTING, MAX_NODES, read_plain

from conftest import EXAMPLES, ROOT
from fuzzing import batch_files, seeds
from fuzzing import documents as mutated


def full_yaml(text: str) -> Any:
    """What the full YAML reader makes of `text`: its data, or the error it raises."""
    try:
        data = documents._parse_yaml(text, "doc.yaml")
        documents._check_values(data, documents.MAX_DOCUMENT_VALUES)
    except (BrmError, documents._Refused) as error:
        return error
    return data


def full_json(text: str) -> Any:
    try:
        documents._check_text(text, ())
        data = documents._parse_json(text, "doc.json")
        documents._check_values(data, documents.MAX_DOCUMENT_VALUES)
    except (BrmError, documents._Refused) as error:
        return error
    return data


def same(fast: Any, full: Any) -> bool:
    """Equal data of equal types (True is not 1 here, nor 1 1.0)."""
    if type(fast) is not type(full):
        return False
    if isinstance(fast, dict):
        return list(fast) == list(full) and all(same(fast[k], full[k]) for k in fast)
    if isinstance(fast, list):
        return len(fast) == len(full) and all(same(a, b) for a, b in zip(fast, full,
                                                                         strict=True))
    return bool(fast == full)


def yaml_texts() -> list[str]:
    texts = [data.decode("utf-8", "replace") for _, data in seeds()]
    texts += [path.read_text(encoding="utf-8") for path in (ROOT / "tests" / "data").rglob("*")
              if path.suffix in (".yaml", ".yml")]
    texts += [path.read_text(encoding="utf-8") for path in (ROOT / "rules").rglob("*.yaml")]
    return texts


def test_the_examples_are_read_by_the_fast_path():
    for path in sorted(EXAMPLES.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        fast = read_plain(text)
        assert fast is not None, path
        assert same(fast, full_yaml(text))
        assert same(documents.read_document(path).data, fast)


@pytest.mark.parametrize("seed", range(4))
def test_plain_yaml_reads_what_pyyaml_reads_or_declines(seed):
    accepted = 0
    for name, data in mutated(2500, seed=seed):
        if not name.endswith((".yaml", ".yml")):
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        fast = read_plain(text)
        if fast is None:
            continue
        accepted += 1
        full = full_yaml(text)
        assert not isinstance(full, Exception), (text, full)
        assert same(fast, full), text
    assert accepted > 100  # the mutations that stay plain YAML are still read fast


def test_plain_yaml_reads_every_shape_it_takes_as_pyyaml_does():
    rng = random.Random(3)
    words = ["plain", "Acme Corp", "x_1", "a.b", "C:\\path", "3", "-4", "0", "true", "False",
             "null", "~", "Ünïcode", "a, b", "tail:colon", "'q'", '"dq"', "''", "[]"]
    for _ in range(3000):
        lines = []
        for index in range(rng.randint(1, 6)):
            key = rng.choice(["organization", "a", "b_c", "d.e", "x-y", f"k{index}"])
            shape = rng.randrange(5)
            if shape == 0:
                lines.append(f"{key}: {rng.choice(words)}")
            elif shape == 1:
                lines.append(f"{key}: [{', '.join(rng.sample(words[:8], rng.randint(0, 4)))}]")
            elif shape == 2:
                lines.append(f"{key}:")
                lines += [f"{' ' * rng.choice([0, 2])}- {rng.choice(words)}"
                          for _ in range(rng.randint(0, 3))]
            elif shape == 3:
                lines.append(f"{key}:")
                lines += [f"  s{i}: {rng.choice(words)}" for i in range(rng.randint(1, 3))]
            else:
                lines.append(f"# a comment {index}")
        text = "\n".join(lines) + rng.choice(["", "\n", "\n\n"])
        fast = read_plain(text)
        if fast is not None:
            full = full_yaml(text)
            assert not isinstance(full, Exception), (text, full)
            assert same(fast, full), text


def test_plain_yaml_stays_within_what_the_full_reader_counts():
    deep = "".join(f"{'  ' * depth}k:\n" for depth in range(MAX_NESTING + 5)) + \
        f"{'  ' * (MAX_NESTING + 5)}v: 1\n"
    assert read_plain(deep) is None
    wide = "a: [" + ", ".join(["x"] * (MAX_NODES + 1)) + "]\n"
    assert read_plain(wide) is None
    assert documents._fast_yaml("a: [x, y, z]\n", 3) is documents._DECLINED  # 5 values > 3


def test_the_fast_path_never_hides_a_refusal():
    for text in yaml_texts():
        fast = read_plain(text)
        if fast is not None:
            full = full_yaml(text)
            assert not isinstance(full, Exception), text
            assert same(fast, full)


@pytest.mark.parametrize("seed", range(3))
def test_fast_json_reads_what_the_json_reader_reads_or_declines(seed, seed_pack):
    accepted = 0
    texts = [json.dumps(json.loads(data)) for name, data in seeds() if name.endswith(".json")]
    for _, data in batch_files(seed_pack.fields, 1500, seed=seed):
        texts += data.decode("utf-8", "replace").splitlines()
    for _, data in mutated(1500, seed=seed):
        texts.append(data.decode("utf-8", "replace"))
    for text in texts:
        fast = documents._fast_json(text, documents.MAX_DOCUMENT_VALUES)
        if fast is documents._DECLINED:
            continue
        accepted += 1
        full = full_json(text)
        assert not isinstance(full, Exception), (text, full)
        assert same(fast, full), text
    assert accepted > 100


@pytest.mark.parametrize("text", ['{"a": 1, "a": 2}', '{"a": 1e999}', '{"a": NaN}',
                                  '{"a": ' + "9" * 4301 + "}", "[" * 65 + "]" * 65,
                                  '{"a": "\\ud800"}', '{"a": "\u00e9"}', '{"a": [1, 2}'])
def test_fast_json_leaves_what_it_does_not_take_to_the_json_reader(text):
    assert documents._fast_json(text, documents.MAX_DOCUMENT_VALUES) is documents._DECLINED


def test_load_json_and_read_document_give_the_same_data_either_way(tmp_path):
    line = json.dumps({"organization": "Acme", "n": [1, 2.5, True, None]})
    assert same(documents.load_json(line, "x"), full_json(line))
    path = tmp_path / "facts.yaml"
    path.write_text("organization: Acme\nbrm:\n  formal_role: true\n", encoding="utf-8")
    assert documents.read_document(path).data == yaml.safe_load(path.read_text())
