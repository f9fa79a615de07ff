"""The on-disk compile cache, made trustworthy.

Generated modules and numba's cache files live in ``FUNCDL_CACHE_DIR`` (default
``~/.cache/funcdl``). Loading a cache file can run code (numba's index is a pickle), so:

- the directory is created with mode 0700, and a directory that is not owned by this user
  or that group or others can write is refused (one warning; a private temporary
  directory is used instead), as ssh does with ``~/.ssh``; so is an unusable one (a file,
  no permission);
- a generated module is never read back from disk: its text is generated in memory,
  written atomically, and executed from memory (no bytecode file is read either);
- numba's cache files of a module are listed with their sha256 in a manifest written
  atomically next to them; before a module's first call every cache file is checked
  against it, and anything not listed or damaged is deleted (numba then recompiles).
"""
import hashlib
import json
import os
import stat
import sys
import tempfile
import threading
import types
import warnings

from .._files import removed_on_failure

_ENV = "FUNCDL_CACHE_DIR"
_lock = threading.Lock()
_load_lock = threading.Lock()
_chosen = {}  # requested path -> the directory actually used


def cache_dir():
    """The directory of compiled programs: ``FUNCDL_CACHE_DIR`` or ``~/.cache/funcdl``, or a
    private temporary directory (with one warning) when that one is unsafe or unusable."""
    requested = os.environ.get(_ENV) or os.path.join(os.path.expanduser("~"), ".cache", "funcdl")
    with _lock:
        path = _chosen.get(requested)
        if path is None:
            problem = _problem_with(requested)
            if problem is None:
                path = requested
            else:
                path = tempfile.mkdtemp(prefix="funcdl-cache-")  # mode 0700
                warnings.warn(f"funcdl: not using the compile cache {requested!r} ({_ENV}): {problem}; "
                              f"compiled programs go to the private directory {path!r} for this "
                              f"process. Fix: point {_ENV} at a directory of your own with mode 0700.",
                              RuntimeWarning, stacklevel=3)
            _chosen[requested] = path
        return path


def _problem_with(path):
    """Why ``path`` cannot be a safe cache directory, or None (creating it if needed)."""
    for folder in (path, os.path.join(path, "__pycache__")):  # numba's files go in the second
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
            st = os.lstat(folder)
        except OSError as e:
            return f"{folder!r} cannot be created or read ({e.strerror or e})"
        if not stat.S_ISDIR(st.st_mode):
            return f"{folder!r} is not a directory"
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            return f"{folder!r} is owned by another user (uid {st.st_uid})"
        if st.st_mode & 0o022:
            return f"{folder!r} is writable by group or others (mode {stat.S_IMODE(st.st_mode):o})"
    try:
        tempfile.TemporaryFile(dir=path).close()
    except OSError as e:
        return f"a file cannot be written in it ({e.strerror or e})"
    return None


def write_atomic(path, data):
    """Write ``data`` (bytes) to ``path`` through a temporary file and a rename."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    with removed_on_failure(tmp):
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)


def file_has(path, data):
    """Whether the file at ``path`` holds exactly ``data`` (bytes)."""
    try:
        with open(path, "rb") as f:
            return f.read() == data
    except OSError:
        return False


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _manifest_path(folder, module_name):
    return os.path.join(folder, f"{module_name}.manifest.json")


def _cache_files(folder, module_name):
    try:
        return sorted(n for n in os.listdir(folder) if n.startswith(module_name + ".")
                      and not n.endswith((".tmp", ".manifest.json")))
    except OSError:
        return []


def _read_manifest(folder, module_name):
    try:
        with open(_manifest_path(folder, module_name), "rb") as f:
            files = json.loads(f.read().decode("utf-8"))["files"]
        return {str(k): str(v) for k, v in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        return {}


def verify_numba_files(folder, module_name):
    """Delete every numba cache file of ``module_name`` in ``folder`` that the manifest does
    not list with its sha256 (planted, damaged or from an interrupted write); return the
    names deleted."""
    listed = _read_manifest(folder, module_name)
    dropped = []
    for name in _cache_files(folder, module_name):
        path = os.path.join(folder, name)
        try:
            if listed.get(name) != _sha256(path):
                os.remove(path)
                dropped.append(name)
        except OSError:
            pass
    return dropped


def drop_numba_files(folder, module_name):
    """Delete every numba cache file of ``module_name`` and its manifest."""
    for name in _cache_files(folder, module_name) + [os.path.basename(_manifest_path(folder, module_name))]:
        try:
            os.remove(os.path.join(folder, name))
        except OSError:
            pass


def has_numba_files(folder, module_name):
    """Whether numba's cache holds compiled code of ``module_name`` (listed in its manifest)."""
    return bool(_read_manifest(folder, module_name))


def record_numba_files(folder, module_name):
    """Write the manifest of ``module_name``'s numba cache files (after numba saved them)."""
    try:
        files = {name: _sha256(os.path.join(folder, name)) for name in _cache_files(folder, module_name)}
        if files == _read_manifest(folder, module_name):
            return
        write_atomic(_manifest_path(folder, module_name), json.dumps({"files": files}).encode())
    except OSError:
        pass  # no manifest: the files are deleted and rebuilt next time, never trusted


def ensure_file(path, text):
    """The module file must hold exactly ``text`` (numba's cache keys on the file)."""
    data = text.encode()
    if not file_has(path, data):  # missing, damaged or foreign: rewrite it
        write_atomic(path, data)


def load_function(name, path, text, fresh=False, attr="kernel"):
    """The function ``attr`` of the generated module, executed from ``text`` in memory (the
    file on disk is never read back, and no bytecode file is used). The module is registered
    in sys.modules while it runs, as numba's cache needs, and removed again if it fails."""
    with _load_lock:
        if fresh:
            sys.modules.pop(name, None)
        module = sys.modules.get(name)
        if module is None:
            ensure_file(path, text)
            module = types.ModuleType(name)
            module.__file__ = path
            sys.modules[name] = module
            try:
                exec(compile(text, path, "exec"), module.__dict__)
            except BaseException:
                sys.modules.pop(name, None)  # never leave a half-loaded module behind
                raise
        return getattr(module, attr)


def numba_cache_folder(kernel, path):
    """The folder of numba's cache files of ``kernel`` (defined in the module at ``path``)."""
    cache = getattr(kernel, "_cache", None)
    return getattr(cache, "cache_path", None) or os.path.join(os.path.dirname(path), "__pycache__")
