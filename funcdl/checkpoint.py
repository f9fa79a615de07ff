"""Checkpoints: ``save(path, tree)`` and ``load(path)`` for pytrees of arrays.

A checkpoint is one ``.npz`` archive (written with ``allow_pickle=False``, so loading one
never runs code) holding every leaf as ``leaf_<i>.npy`` plus a JSON header
``__funcdl_checkpoint__.npy`` with a magic string, a format version, the tree structure
and a sha256 checksum of the structure and of every leaf's dtype, shape and bytes.

What a tree may hold:

- containers: ``dict`` (keys ``str``, ``int``, ``float``, ``bool`` or ``None``; insertion
  order kept), ``collections.OrderedDict``, ``list``, ``tuple``, ``None`` and namedtuples.
  A namedtuple is recorded by its module, qualified name and fields. ``load`` never
  imports a module or runs anything the file names: it rebuilds a namedtuple as the class
  with that name and those fields only when the caller passed it (``load(path,
  types=[cls])``), registered it (:func:`register`), or it is one of funcdl's own (the
  optimizer states); otherwise it comes back as a plain ``tuple``.
- leaves: numpy arrays (any dtype but ``object``; 0-d arrays stay 0-d), numpy scalars
  (come back as numpy scalars), Python ``bool``/``int``/``float``/``complex`` (come back
  as the same Python type) and ``str``.

``save`` is atomic: it writes a temporary file in the target's directory and renames it
over ``path`` (``os.replace``), so ``path`` holds either the old checkpoint or the new one,
and a failed write leaves no partial file behind. The file is written to ``path``
exactly as given (no ``.npz`` suffix is added). ``load`` refuses truncated, corrupted
and foreign files with a ``ValueError`` naming the file and the problem.

>>> import os, tempfile, numpy as np
>>> p = os.path.join(tempfile.mkdtemp(), "ckpt.npz")
>>> save(p, {"w": np.ones((2, 2), np.float32), "step": 3, "extra": None})
>>> load(p)
{'w': array([[1., 1.],
       [1., 1.]], dtype=float32), 'step': 3, 'extra': None}
"""
import collections
import hashlib
import json
import os
import socket
import sys
import time

import numpy as np

from . import tree_util
from ._files import removed_on_failure

__all__ = ["load", "register", "save"]

MAGIC = "funcdl-checkpoint"
VERSION = 1
_HEADER = "__funcdl_checkpoint__"
_PY_SCALARS = {bool: "bool", int: "int", float: "float", complex: "complex"}
_PY_TYPES = {v: k for k, v in _PY_SCALARS.items()}


# ---------------------------------------------------------------------------
# Encoding the tree
# ---------------------------------------------------------------------------

def _encode(x, leaves, path):
    """The JSON description of ``x``; appends its array leaves to ``leaves``."""
    t = type(x)
    if x is None:
        return {"t": "none"}
    if t is list or t is tuple:
        return {"t": t.__name__, "c": [_encode(v, leaves, f"{path}[{i}]") for i, v in enumerate(x)]}
    if t is dict or t is collections.OrderedDict:
        keys = list(x)
        for k in keys:
            if not (k is None or type(k) in (str, int, float, bool)) or (
                    type(k) is float and not np.isfinite(k)):
                raise TypeError(f"fd.save: dict key {k!r} at {path or 'the root'} is not storable; "
                                f"keys must be str, int, finite float, bool or None")
        return {"t": "dict" if t is dict else "odict", "k": keys,
                "c": [_encode(x[k], leaves, f"{path}[{k!r}]") for k in keys]}
    if issubclass(t, tuple) and isinstance(getattr(t, "_fields", None), tuple):
        return {"t": "namedtuple", "module": t.__module__, "qualname": t.__qualname__,
                "fields": list(t._fields),
                "c": [_encode(v, leaves, f"{path}.{f}") for f, v in zip(t._fields, x)]}
    if t is str:
        return {"t": "str", "v": x}
    if t in _PY_SCALARS:
        kind = _PY_SCALARS[t]
        try:
            arr = np.asarray(x)
        except OverflowError:
            arr = np.asarray(x, dtype=object)
        if arr.dtype == object:
            raise TypeError(f"fd.save: the int at {path or 'the root'} does not fit in 64 bits")
    elif isinstance(x, np.ndarray) and t is np.ndarray:
        kind, arr = "array", x
    elif isinstance(x, np.generic):
        kind, arr = "scalar", np.asarray(x)
    else:
        what = ("a registered pytree node type, which checkpoints do not support"
                if tree_util.node_kind(t) is not None else "not an array, a scalar or a string")
        raise TypeError(f"fd.save: cannot store the {t.__module__}.{t.__qualname__} at "
                        f"{path or 'the root'}: {what} (supported containers: dict, "
                        f"OrderedDict, list, tuple, None, namedtuple)")
    if arr.dtype.hasobject:
        raise TypeError(f"fd.save: the array at {path or 'the root'} has dtype object, which "
                        f"cannot be stored without pickle")
    leaves.append(arr)
    return {"t": kind, "i": len(leaves) - 1}


_REGISTERED = {}  # (module, qualname, fields) -> namedtuple class


def _type_key(cls):
    return cls.__module__, cls.__qualname__, tuple(cls._fields)


def register(*classes):
    """Let :func:`load` rebuild these namedtuple classes (matched by module, name and fields).

    >>> import collections
    >>> Pair = collections.namedtuple("Pair", ["a", "b"])
    >>> register(Pair)
    """
    for cls in classes:
        if not (isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields")):
            raise TypeError(f"checkpoint.register: {cls!r} is not a namedtuple class")
        _REGISTERED[_type_key(cls)] = cls


def _find_namedtuple(module, qualname, fields, types):
    """The caller's or a registered class for this record, else None. Nothing is imported:
    funcdl's own classes are looked up only in modules that are already loaded."""
    key = (module, qualname, tuple(fields))
    for cls in types:
        if _type_key(cls) == key:
            return cls
    if key in _REGISTERED:
        return _REGISTERED[key]
    if not (module == "funcdl" or module.startswith("funcdl.")) or module not in sys.modules:
        return None
    obj = sys.modules[module]
    for part in qualname.split("."):
        obj = getattr(obj, "__dict__", {}).get(part)  # no __getattr__ hooks run
        if obj is None:
            return None
    if isinstance(obj, type) and issubclass(obj, tuple) and tuple(getattr(obj, "_fields", ())) == key[2]:
        return obj
    return None


def _decode(spec, leaves, types=()):
    t = spec["t"]
    if t == "none":
        return None
    if t in ("list", "tuple"):
        children = [_decode(c, leaves, types) for c in spec["c"]]
        return children if t == "list" else tuple(children)
    if t in ("dict", "odict"):
        if len(spec["k"]) != len(spec["c"]):
            raise ValueError("a dict's keys and values differ in number")
        items = [(k, _decode(c, leaves, types)) for k, c in zip(spec["k"], spec["c"])]
        return dict(items) if t == "dict" else collections.OrderedDict(items)
    if t == "namedtuple":
        children = [_decode(c, leaves, types) for c in spec["c"]]
        cls = _find_namedtuple(str(spec["module"]), str(spec["qualname"]), [str(f) for f in spec["fields"]], types)
        return cls(*children) if cls is not None else tuple(children)
    if t == "str":
        return str(spec["v"])
    arr = leaves[spec["i"]]
    if t == "array":
        return arr
    if t == "scalar":
        return arr[()]
    if t in _PY_TYPES:
        return _PY_TYPES[t](arr.item())
    raise ValueError(f"unknown node type {t!r}")


def _checksum(tree, meta, leaves):
    h = hashlib.sha256()
    h.update(json.dumps([tree, meta], sort_keys=True, separators=(",", ":")).encode())
    for a in leaves:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


# ---------------------------------------------------------------------------
# save / load
# ---------------------------------------------------------------------------

_HOST = socket.gethostname().replace(".", "_")
_STALE_AFTER = 3600.0  # seconds: a temp file this old is abandoned, whoever wrote it


def _temp_file(folder, base):
    """Create and open a new temporary file next to the target (mode 0666 less the umask),
    named after this host and process so that leftovers can be recognised."""
    for _ in range(100):
        tmp = os.path.join(folder, f".{base}.{_HOST}-{os.getpid()}-{os.urandom(6).hex()}.tmp")
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                                | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(f"fd.save: could not create a temporary file in {folder!r}")


def _remove_stale_temp_files(folder, base):
    """Delete temp files of earlier saves of ``base`` whose writer died (kill -9): written
    on this host by a process that no longer exists, or older than an hour."""
    prefix = f".{base}."
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(".tmp")]
    except OSError:
        return
    for name in names:
        path = os.path.join(folder, name)
        writer = name[len(prefix):-len(".tmp")].rsplit("-", 2)
        try:
            dead = (len(writer) == 3 and writer[0] == _HOST and writer[1].isdigit()
                    and not _process_exists(int(writer[1])))
            if dead or time.time() - os.path.getmtime(path) > _STALE_AFTER:
                os.remove(path)
        except OSError:
            pass


def _process_exists(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: it exists, owned by someone else
        return True
    return True


def save(path, tree):
    """Save the pytree ``tree`` to ``path`` atomically (see the module docstring).

    Raises ``TypeError`` (before touching the disk) for anything that is not storable.

    >>> import os, tempfile, numpy as np
    >>> p = os.path.join(tempfile.mkdtemp(), "params.npz")
    >>> save(p, [np.arange(3), (np.float32(2.5), True)])
    >>> load(p)
    [array([0, 1, 2]), (np.float32(2.5), True)]
    """
    path = os.fspath(path)
    leaves = []
    tree_spec = _encode(tree, leaves, "")
    meta = [[a.dtype.str, list(a.shape)] for a in leaves]
    header = {"magic": MAGIC, "version": VERSION, "tree": tree_spec, "leaves": meta,
              "sha256": _checksum(tree_spec, meta, leaves)}
    arrays = {_HEADER: np.frombuffer(json.dumps(header).encode("utf-8"), np.uint8)}
    arrays.update((f"leaf_{i}", a) for i, a in enumerate(leaves))
    folder = os.path.dirname(os.path.abspath(path))
    _remove_stale_temp_files(folder, os.path.basename(path))
    tmp, fd = _temp_file(folder, os.path.basename(path))
    with removed_on_failure(tmp):
        with os.fdopen(fd, "wb") as f:
            np.savez(f, allow_pickle=False, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    try:  # make the rename itself durable (POSIX); best effort
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def _bad(path, what):
    return ValueError(f"fd.load: {path!r} is not a valid funcdl checkpoint: {what}")


def load(path, types=()):
    """Load the pytree saved at ``path`` (or an open binary file) by :func:`save`; ``types``
    are namedtuple classes to rebuild (see the module docstring: nothing named by the file
    is imported).

    Raises ``FileNotFoundError`` when there is no file, and ``ValueError`` naming the file
    when it is truncated, corrupted (checksum mismatch), of a newer format version, or not
    a funcdl checkpoint at all.

    >>> import os, tempfile, numpy as np
    >>> p = os.path.join(tempfile.mkdtemp(), "c.npz")
    >>> save(p, {"b": np.zeros(2), "a": (1.5, None)})
    >>> load(p)["a"]
    (1.5, None)
    """
    if hasattr(path, "read"):  # an open binary file (e.g. io.BytesIO)
        return _load_from(path, getattr(path, "name", "<file object>"), types)
    path = os.fspath(path)
    with open(path, "rb") as f:
        return _load_from(f, path, types)


def _load_from(f, path, types):
    """The pytree in the open ``.npz`` file ``f`` (``path`` names it in errors)."""
    try:
        z = np.load(f, allow_pickle=False)
    except Exception as e:
        raise _bad(path, f"it is not a readable .npz archive (truncated or foreign file: "
                         f"{type(e).__name__}: {e})") from e
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise _bad(path, "it holds a single .npy array, not an .npz archive")
    with z:
        if _HEADER not in z.files:
            raise _bad(path, f"it has no {_HEADER!r} header (a plain .npz file, not written "
                             f"by fd.save?)")
        try:
            header = json.loads(bytes(z[_HEADER]).decode("utf-8"))
            magic, version = header.get("magic"), header.get("version")
        except Exception as e:
            raise _bad(path, f"its header is damaged ({type(e).__name__}: {e})") from e
        if magic != MAGIC:
            raise _bad(path, f"its header has magic {magic!r}, expected {MAGIC!r}")
        if not isinstance(version, int) or version > VERSION:
            raise _bad(path, f"it has format version {version!r}, but this funcdl reads "
                             f"versions up to {VERSION} (written by a newer funcdl?)")
        try:
            tree_spec, meta, digest = header["tree"], header["leaves"], header["sha256"]
            expected = [(str(d), tuple(int(s) for s in shape)) for d, shape in meta]
        except Exception as e:
            raise _bad(path, f"its header is malformed ({type(e).__name__}: {e})") from e
        names = {f"leaf_{i}" for i in range(len(expected))}
        if set(z.files) != names | {_HEADER}:
            raise _bad(path, f"it holds arrays {sorted(set(z.files) - {_HEADER})}, but its "
                             f"header describes {len(expected)} leaves")
        leaves = []
        for i, (dtype, shape) in enumerate(expected):
            try:
                a = z[f"leaf_{i}"]
            except Exception as e:
                raise _bad(path, f"leaf {i} cannot be read, the file is truncated or "
                                 f"corrupted ({type(e).__name__}: {e})") from e
            if a.dtype.str != dtype or a.shape != shape:
                raise _bad(path, f"leaf {i} is {a.dtype.str}{list(a.shape)}, but the header "
                                 f"says {dtype}{list(shape)}")
            leaves.append(a)
    if _checksum(tree_spec, meta, leaves) != digest:
        raise _bad(path, "checksum mismatch: the data was corrupted after it was written")
    try:
        return _decode(tree_spec, leaves, tuple(types))
    except Exception as e:
        raise _bad(path, f"its tree structure is malformed ({type(e).__name__}: {e})") from e
