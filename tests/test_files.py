"""Writing outputs: nothing the user had is lost, read-only files are respected, modes kept,
devices written to rather than replaced."""

from __future__ import annotations

import os
import stat

import pytest

from brm_advisor.engine.files import atomic_output, write_bytes, write_text


def test_a_failure_inside_the_block_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("the user's work")
    with pytest.raises(RuntimeError), atomic_output(target) as stream:
        stream.write("half a report")
        raise RuntimeError("rendering failed")
    assert target.read_text() == "the user's work"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_read_only_file_is_refused_before_anything_is_written(tmp_path):
    target = tmp_path / "answers.yaml"
    target.write_text("kept")
    target.chmod(0o444)
    with pytest.raises(PermissionError) as caught:
        write_text(target, "replaced")
    assert caught.value.filename == str(target)
    assert target.read_text() == "kept" and stat.S_IMODE(target.stat().st_mode) == 0o444


def test_a_replaced_file_keeps_its_mode_and_a_new_one_gets_the_usual_mode(tmp_path):
    kept = tmp_path / "kept.md"
    kept.write_text("old")
    kept.chmod(0o640)
    write_text(kept, "new")
    assert kept.read_text() == "new" and stat.S_IMODE(kept.stat().st_mode) == 0o640
    fresh = tmp_path / "fresh.pdf"
    write_bytes(fresh, b"%PDF-1.7")
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask


def test_a_device_is_written_to_not_replaced():
    write_text("/dev/null", "discarded")
    write_bytes("/dev/null", b"discarded")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
