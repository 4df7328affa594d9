"""Writing files so that nothing the user had is lost: every output goes to a temporary file
beside its destination and replaces it only once complete (a failure, a crash or Ctrl-C leaves
the old file as it was). A replaced file keeps its mode; a file the user made read-only is
refused, not replaced."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_output(path: str | Path, *, newline: str | None = None) -> Iterator[IO[str]]:
    """A text stream (UTF-8) whose content replaces `path` when the block ends without an
    exception; on an exception the temporary file is removed and `path` is untouched.

    Raises `PermissionError` (before anything is written) when `path` exists and is not
    writable: the user made it read-only, and a rename would silently get around that. A
    `path` that is not a regular file (``/dev/null``, a pipe) is written to, not replaced."""
    if _special(path):
        with open(path, "w", encoding="utf-8", newline=newline) as stream:
            yield stream
        return
    with _replacing(path) as handle:
        stream = os.fdopen(handle, "w", encoding="utf-8", newline=newline)
        with _closing(stream):
            yield stream
            _sync(stream)


def write_text(path: str | Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8), atomically."""
    with _naming(path), atomic_output(path) as stream:
        stream.write(text)


def write_bytes(path: str | Path, data: bytes) -> None:
    """Replace `path` with `data`, atomically (a PDF, for instance)."""
    with _naming(path):
        if _special(path):
            Path(path).write_bytes(data)
            return
        with _replacing(path) as handle:
            stream = os.fdopen(handle, "wb")
            with _closing(stream):
                stream.write(data)
                _sync(stream)


@contextlib.contextmanager
def _naming(path: str | Path) -> Iterator[None]:
    """An error while writing `path` names it: a failed write, flush or sync names no file
    ('File too large', 'No space left on device': which one?)."""
    try:
        yield
    except OSError as error:
        if error.filename is None:
            error.filename = str(path)
        raise


@contextlib.contextmanager
def _closing(stream: IO[str] | IO[bytes]) -> Iterator[None]:
    """Close `stream`; when the block failed, a second failure while closing (flushing into
    the same full disk) is dropped so that the first one, which says what happened, is
    raised."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(OSError):
            stream.close()
        raise
    stream.close()


def _special(path: str | Path) -> bool:
    """Whether `path` exists and is not a regular file (a device, a pipe): renaming over it
    would replace it."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


@contextlib.contextmanager
def _replacing(path: str | Path) -> Iterator[int]:
    """A temporary file beside `path` (its open descriptor) that replaces `path`, with
    the right mode, when the block ends without an exception; removed otherwise."""
    target = Path(path)
    mode = _mode_for(target)
    folder = target.parent if str(target.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        yield handle
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _sync(stream: IO[str] | IO[bytes]) -> None:
    stream.flush()
    os.fsync(stream.fileno())


def _mode_for(target: Path) -> int:
    """The mode the written file gets: the replaced file's, else what ``open()`` would give."""
    try:
        info = target.stat()
    except FileNotFoundError:
        return 0o666 & ~_umask()
    if not (info.st_mode & stat.S_IWUSR) or not os.access(target, os.W_OK):  # root, too
        raise PermissionError(errno.EACCES, "the file is read-only; it was left as it was",
                              str(target))
    return stat.S_IMODE(info.st_mode)


def _umask() -> int:
    """The process's umask, read without changing it (Linux); 022 where it cannot be read."""
    with contextlib.suppress(OSError, ValueError), \
            open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    return 0o022
