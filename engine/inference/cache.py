"""Loaded and compiled packs kept between runs, so that a command starts without parsing,
checking and compiling its pack again.

An entry is one file in the user's cache folder (``$XDG_CACHE_HOME/brm-advisor/packs`` or
``~/.cache/brm-advisor/packs``), named by a key made of the brm-advisor version, a fingerprint
of the code that loads and compiles packs, the pack's folder and its ``pack.yaml``. It records
the other files the pack was read from (its facts schema, built in or in the pack folder, and
extensions) with their SHA-256, and the pack's content hash, which must come out the same from
the files as they are now. The data is JSON of plain values (strings, numbers, lists, mappings)
and of a closed list of the library's own immutable types, rebuilt field by field: nothing in
an entry is ever run, and an entry that does not check out in any way (another version, a file
changed since, a damaged or truncated file, anything unexpected in it) is ignored and written
again. Entries are written to a temporary file and renamed, so two processes writing one entry
at once leave one whole entry; readers never see half of one.

``BRM_NO_CACHE=1`` turns the cache off; a cache folder that cannot be made or written is
passed over silently (the pack is loaded and compiled as without a cache).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..packs import conditions
from ..packs import model as pack_model
from ..packs.fields import FieldTable
from ..packs.model import PACK_FILE, RulePack
from . import compiler
from .compiler import CompiledPack

FORMAT = 1
"""The layout of an entry; a change makes every older entry a miss."""
DISABLE = "BRM_NO_CACHE"
"""Set to 1 (or anything but 0 and empty) to turn the cache off."""
KEEP = 8
"""Entries read or written in this process, kept for `compiled_pack` (the last few)."""
MAX_ENTRIES = 64
"""Entries in the cache folder at most: writing one removes the least recently written past
this (a pack in a folder of its own is an entry of its own, and folders come and go)."""

_ENGINE = Path(__file__).resolve().parent.parent
_CODE = ("packs", "inputs", "inference")
"""Folders of the engine whose modules shape what is cached (with errors.py and the schemas)."""


if TYPE_CHECKING:
    from hashlib import sha256 as _sha256
else:
    try:  # the same SHA-256 as hashlib's, without loading OpenSSL at every start (a few ms)
        from _sha256 import sha256 as _sha256
    except ImportError:  # pragma: no cover - another Python: hashlib's
        from hashlib import sha256 as _sha256


class Damaged(Exception):
    """An entry that does not check out: ignored, and written again."""


# --- the public functions ----------------------------------------------------------------

def load(location: str | Path) -> RulePack:
    """The pack in folder `location` (or its ``pack.yaml``): from its cache entry when one
    checks out, else loaded (`packs.loader.load_pack`, with all its checks) and its entry
    written."""
    path = Path(location)
    folder = path if path.is_dir() else path.parent
    pack_file = path / PACK_FILE if path.is_dir() else path
    store = _Store.open()
    if store is not None:
        raw = _read_inside(folder, pack_file)
        if raw is not None:
            key = store.key(folder, raw)
            entry = store.read(key, folder, raw)
            if entry is not None:
                return entry.pack
    from ..packs.loader import load_pack

    pack = load_pack(location)
    if store is not None and raw is not None:
        with contextlib.suppress(Exception):  # a cache is best effort: the pack is loaded
            store.write(_Entry(key, _dependencies(folder, raw), pack, None))
    return pack


def compiled_pack(pack: RulePack) -> CompiledPack:
    """`pack` compiled: from the entry it was loaded from (`load`) when that holds it, else
    compiled (`compiler.compile_pack`) and added to that entry."""
    entry = _recent_entry(pack)
    if entry is not None and entry.compiled is not None:
        return entry.compiled
    if entry is not None and entry.stored is not None:
        with contextlib.suppress(Damaged, ValueError, TypeError, KeyError, AttributeError,
                                 RecursionError):
            compiled = _decode_compiled(entry.stored, pack)
            _remember(entry._replace(compiled=compiled, stored=None))
            return compiled
    compiled = compiler.compile_pack(pack)
    store = _Store.open()
    if entry is not None and store is not None:
        with contextlib.suppress(Exception):  # a cache is best effort: the pack is compiled
            store.write(entry._replace(compiled=compiled, stored=None))
    return compiled


def cache_folder() -> Path | None:
    """Where entries are kept; None when the cache is off."""
    if os.environ.get(DISABLE, "") not in ("", "0"):
        return None
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "brm-advisor" / "packs"


# --- entries -----------------------------------------------------------------------------

class _Entry(NamedTuple):
    key: str
    dependencies: tuple[tuple[str, str, str], ...]  # (origin, name, sha256 of its bytes)
    pack: RulePack
    compiled: CompiledPack | None
    stored: Any = None  # the compiled pack as read, rebuilt when it is first asked for


_RECENT: dict[tuple[str, str], _Entry] = {}
"""(location, content hash) -> the entry it came from or went to, in this process."""


def _remember(entry: _Entry) -> None:
    _RECENT[(entry.pack.location, entry.pack.content_hash)] = entry
    while len(_RECENT) > KEEP:
        del _RECENT[next(iter(_RECENT))]


def _recent_entry(pack: RulePack) -> _Entry | None:
    entry = _RECENT.get((pack.location, pack.content_hash))
    return entry if entry is not None and entry.pack == pack else None


class _Store:
    """The cache folder, once it is known to be usable."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def open(cls) -> _Store | None:
        folder = cache_folder()
        if folder is None:
            return None
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None
        return cls(folder) if os.access(folder, os.W_OK | os.X_OK) else None

    def key(self, folder: Path, raw: bytes) -> str:
        digest = _sha256()
        for part in (str(FORMAT), _version(), _code_fingerprint(), str(folder.resolve())):
            digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(raw)
        return digest.hexdigest()

    def read(self, key: str, folder: Path, raw: bytes) -> _Entry | None:
        try:
            data = (self.folder / f"{key[:32]}.json").read_bytes()
        except OSError:
            return None
        try:
            entry = _decode_entry(data, key, folder, raw)
        except (Damaged, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            return None  # ignored: written again after the pack is loaded
        _remember(entry)
        return entry

    def write(self, entry: _Entry) -> None:
        _remember(entry)
        body = json.dumps({"pack": _encode(entry.pack),
                           "compiled": None if entry.compiled is None else _encode_compiled(
                               entry.compiled)}, ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8", "surrogatepass")
        header = json.dumps({"format": FORMAT, "key": entry.key,
                             "dependencies": entry.dependencies,
                             "content_hash": entry.pack.content_hash,
                             "check": _sha256(body).hexdigest()})
        import tempfile

        handle, temporary = tempfile.mkstemp(prefix=".entry.", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(header.encode("ascii") + b"\n" + body)
            os.replace(temporary, self.folder / f"{entry.key[:32]}.json")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        self._prune()

    def _prune(self) -> None:
        with contextlib.suppress(OSError):
            found = sorted(self.folder.glob("*.json"), key=_written, reverse=True)
            for stale in found[MAX_ENTRIES:]:
                with contextlib.suppress(OSError):
                    stale.unlink()


def _written(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _decode_entry(data: bytes, key: str, folder: Path, raw: bytes) -> _Entry:
    head, _, body = data.partition(b"\n")
    header = json.loads(head)
    if header.get("format") != FORMAT or header.get("key") != key:
        raise Damaged("another version, code or pack")
    if _sha256(body).hexdigest() != header.get("check"):
        raise Damaged("damaged")
    dependencies = tuple((str(o), str(n), str(s)) for o, n, s in header["dependencies"])
    contents = [_dependency_bytes(folder, origin, name) for origin, name, _ in dependencies]
    if any(content is None or _sha256(content).hexdigest() != digest
           for content, (_, _, digest) in zip(contents, dependencies, strict=True)):
        raise Damaged("a file of the pack changed")
    content_hash = _sha256(b"\0".join([raw, *(c or b"" for c in contents)])).hexdigest()
    if header.get("content_hash") != content_hash:
        raise Damaged("the pack's content changed")
    stored = json.loads(body)
    pack = _decode(stored["pack"])
    if not isinstance(pack, RulePack) or pack.content_hash != content_hash \
            or pack.location != str(folder):
        raise Damaged("not this pack")
    return _Entry(key, dependencies, pack, None, stored["compiled"])


# --- what a pack is read from ------------------------------------------------------------

def _dependencies(folder: Path, raw: bytes) -> tuple[tuple[str, str, str], ...]:
    """The files besides pack.yaml the loader read: the facts schema and its extensions."""
    from ..inputs.documents import read_document

    meta = read_document(folder / PACK_FILE).data["pack"]
    found = []
    reference = str(meta.get("facts_schema", "builtin:facts-v1"))
    if reference.startswith("builtin:"):
        from ..packs.resources import BUILTIN_FACTS_SCHEMAS

        found.append(("builtin", BUILTIN_FACTS_SCHEMAS[reference.split(":", 1)[1]]))
    else:
        found.append(("pack", reference))
    if "facts_extensions" in meta:
        found.append(("pack", str(meta["facts_extensions"])))
    result = []
    for origin, name in found:
        content = _dependency_bytes(folder, origin, name)
        if content is None:
            raise Damaged(f"{name} cannot be read")
        result.append((origin, name, _sha256(content).hexdigest()))
    return tuple(result)


def _dependency_bytes(folder: Path, origin: str, name: str) -> bytes | None:
    if origin == "builtin":
        return _read_inside(_ENGINE.parent / "schemas", _ENGINE.parent / "schemas" / name)
    if origin == "pack":
        return _read_inside(folder, folder / name)
    return None


def _read_inside(folder: Path, path: Path) -> bytes | None:
    """The bytes of a regular file inside `folder` (links followed, but not out of it); None
    for anything else, which the loader then reports as it always does."""
    try:
        target = path.resolve()
        if not target.is_relative_to(folder.resolve()) or not target.is_file():
            return None
        return target.read_bytes()
    except (OSError, RuntimeError):
        return None


def _version() -> str:
    """brm-advisor's version, from its installed metadata's folder name (importing
    importlib.metadata costs more than reading the whole cache entry)."""
    for entry in sys.path:
        with contextlib.suppress(OSError):
            for name in os.listdir(entry or "."):
                if name.startswith("brm_advisor-") and name.endswith((".dist-info",
                                                                      ".egg-info")):
                    return name.split("-")[1].removesuffix(".dist")
    return "unknown"


def _code_fingerprint() -> str:
    """The size and modification time of every module and schema that shapes an entry."""
    parts = []
    folders = [_ENGINE / name for name in _CODE] + [_ENGINE.parent / "schemas"]
    for folder in folders:
        with contextlib.suppress(OSError), os.scandir(folder) as found:
            for item in sorted(found, key=lambda item: item.name):
                if item.name.endswith((".py", ".json")):
                    info = item.stat()
                    parts.append(f"{folder.name}/{item.name}:{info.st_size}:{info.st_mtime_ns}")
    errors = _ENGINE / "errors.py"
    with contextlib.suppress(OSError):
        parts.append(f"errors.py:{errors.stat().st_size}:{errors.stat().st_mtime_ns}")
    return _sha256("\n".join(parts).encode()).hexdigest()


# --- plain data, both ways ---------------------------------------------------------------

def _classes() -> dict[str, type]:
    """The immutable types an entry may hold, by name: the pack model's, the conditions' and
    the compiler's named tuples, nothing else."""
    found: dict[str, type] = {}
    for module in (pack_model, conditions, compiler):
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, tuple) and \
                    hasattr(value, "_fields") and value.__module__ == module.__name__:
                found[name] = value
    return found


_CLASSES = _classes()


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if type(value) is tuple:
        return [_encode(item) for item in value]
    if isinstance(value, tuple):
        name = type(value).__name__
        if _CLASSES.get(name) is not type(value):
            raise Damaged(f"cannot keep a {name}")
        return {"$": name, "v": [_encode(item) for item in value]}
    if type(value) is FieldTable:
        return {"$f": _json_only(value.schema)}
    if type(value) is dict and all(type(key) is str for key in value):
        plain = _json_only(value, fail=False)
        if plain is not None:
            return {"$j": plain}
    if type(value) is list:
        return {"$l": [_encode(item) for item in value]}
    if type(value) is dict:
        return {"$d": [[_encode(key), _encode(item)] for key, item in value.items()]}
    raise Damaged(f"cannot keep a {type(value).__name__}")


def _json_only(value: Any, *, fail: bool = True) -> str | None:
    """`value` as JSON text when it is made of mappings with string keys, lists, strings,
    numbers, booleans and None only (read back by the JSON parser alone, in one go)."""
    if _is_json(value):
        return json.dumps(value, ensure_ascii=False)
    if fail:
        raise Damaged("not plain JSON")
    return None


def _is_json(value: Any) -> bool:
    if value is None or type(value) in (bool, int, float, str):
        return True
    if type(value) is list:
        return all(_is_json(item) for item in value)
    if type(value) is dict:
        return all(type(key) is str and _is_json(item) for key, item in value.items())
    return False


def _decode(data: Any) -> Any:
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return tuple([_decode(item) for item in data])
    if not isinstance(data, dict) or len(data) != (2 if "$" in data else 1):
        raise Damaged("unexpected value")
    if "$" in data:
        cls = _CLASSES[data["$"]]
        values = data["v"]
        if not isinstance(values, list) or len(values) != len(cls._fields):  # type: ignore[attr-defined]
            raise Damaged(f"a {data['$']} of another shape")
        return cls(*[_decode(item) for item in values])
    if "$j" in data:
        return json.loads(_text(data["$j"]))
    if "$f" in data:
        schema = json.loads(_text(data["$f"]))
        if not isinstance(schema, dict):
            raise Damaged("a facts schema that is not a mapping")
        return FieldTable(schema)
    if "$l" in data:
        return [_decode(item) for item in _list(data["$l"])]
    if "$d" in data:
        return {_decode(key): _decode(item) for key, item in _list(data["$d"])}
    raise Damaged("unexpected value")


def _text(data: Any) -> str:
    if not isinstance(data, str):
        raise Damaged("unexpected value")
    return data


def _list(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise Damaged("unexpected value")
    return data


# The compiled rules, the bulk of an entry, are kept flat: one list per rule, one per leg.

def _encode_compiled(compiled: CompiledPack) -> Any:
    """The compiled pack without its pack (kept once) and its definition (kept as the text
    the engine reads)."""
    rules = [_encode_rule(rule) for rule in compiled.rules.values()]
    if [_rule(rule) for rule in rules] != list(compiled.rules.values()):
        raise Damaged("a rule that cannot be kept flat")
    return {"rules": rules, "slots": _encode(compiled.slots), "text": compiled.text}


def _encode_rule(rule: compiler.EngineRule) -> list[Any]:
    return [rule.name, rule.kind, rule.target, rule.value, rule.asserts, rule.rule_id,
            rule.slot, [[leg.name, None if leg.ref is None else list(leg.ref[:3]),
                         list(leg.paths)] for leg in rule.legs]]


def _rule(data: list[Any]) -> compiler.EngineRule:
    name, kind, target, value, asserts, rule_id, slot, legs = data
    if not all(isinstance(item, str) for item in (name, kind, target, rule_id, slot)) or \
            not isinstance(value, bool) or not isinstance(asserts, bool):
        raise Damaged("a rule of another shape")
    return compiler.EngineRule(name, kind, target, value, asserts,
                               tuple([_leg(leg) for leg in _list(legs)]), rule_id, slot)


def _leg(data: list[Any]) -> compiler.Leg:
    name, ref, paths = data
    if not isinstance(name, str) or not all(isinstance(path, str) for path in _list(paths)):
        raise Damaged("a leg of another shape")
    if ref is None:
        return compiler.Leg(name, None, tuple(paths))
    kind, ident, value = _list(ref)
    if not isinstance(kind, str) or not isinstance(ident, str) or not isinstance(value, bool):
        raise Damaged("a reference of another shape")
    return compiler.Leg(name, conditions.Ref(kind, ident, value), tuple(paths))


def _decode_compiled(data: Any, pack: RulePack) -> CompiledPack:
    rules = [_rule(_list(rule)) for rule in _list(data["rules"])]
    slots = _decode(data["slots"])
    text = _text(data["text"])
    if not isinstance(slots, tuple) or not all(isinstance(slot, compiler.Slot)
                                               for slot in slots):
        raise Damaged("not a compiled pack")
    definition = json.loads(text)
    by_name = {rule.name: rule for rule in rules}
    if not isinstance(definition, dict) or set(by_name) != set(definition):
        raise Damaged("rules and definition disagree")
    return CompiledPack(pack, definition, by_name, slots,
                        {".".join(slot.path): slot for slot in slots},
                        {rule.name: rule.conclusion for rule in rules if rule.asserts}, text)
