"""Fault suite for the compile cache: damaged, planted and foreign files, unusable
directories, concurrent and killed compiles. Each scenario runs a child process on a cache
directory and checks that it ends with the right answer, nothing foreign executed."""
import json
import os
import pickle
import random
import shutil
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

import funcdl as fd
from funcdl.transforms import disk_cache

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRIALS = int(os.environ.get("FUNCDL_FAULT_TRIALS", "6"))

_CHILD = """
import json, sys, numpy as np, funcdl as fd, funcdl.numpy as fnp
f = fd.jit(lambda x: fnp.sum(fnp.tanh(x) * 3.0 + fnp.maximum(x, 0.5)))
r = f(np.arange(6, dtype=np.float64))
(compiled,) = f._cache.values()
print(json.dumps({"r": float(r), "path": compiled.modules[0].path}))
"""
_EXPECTED = float(np.sum(np.tanh(np.arange(6.0)) * 3.0 + np.maximum(np.arange(6.0), 0.5)))


def _env(cache):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env["FUNCDL_CACHE_DIR"] = str(cache)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _run(cache, check=True):
    proc = subprocess.run([sys.executable, "-c", _CHILD], env=_env(cache), cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    if check:
        assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-3000:]}"
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        np.testing.assert_allclose(out["r"], _EXPECTED, rtol=1e-12)
        return out
    return proc


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """A private cache directory after one cold run."""
    d = tmp_path_factory.mktemp("cache")
    os.chmod(d, 0o700)
    out = _run(d)
    return d, out


def _copy(warm, tmp_path):
    src, out = warm
    d = tmp_path / "cache"
    shutil.copytree(src, d)
    os.chmod(d, 0o700)
    return d, d / os.path.basename(out["path"])


def _numba_files(d):
    folder = d / "__pycache__"
    return sorted(p for p in folder.iterdir() if p.suffix in (".nbi", ".nbc"))


def test_cache_directory_is_private_with_a_manifest(warm):
    d, out = warm
    assert os.stat(d / "__pycache__").st_mode & 0o077 == 0
    name = os.path.splitext(os.path.basename(out["path"]))[0]
    manifest = json.loads((d / "__pycache__" / f"{name}.manifest.json").read_text())["files"]
    assert manifest and all(n.startswith(name + ".") for n in manifest)
    assert not [p for p in (d / "__pycache__").iterdir() if p.suffix == ".pyc"]  # no bytecode


@pytest.mark.parametrize("trial", range(TRIALS))
def test_a_flipped_bit_in_any_cache_file_is_detected(warm, tmp_path, trial):
    d, module = _copy(warm, tmp_path)
    rng = random.Random(trial)
    files = _numba_files(d) + [module]
    victim = files[trial % len(files)]
    data = bytearray(victim.read_bytes())
    pos = rng.randrange(len(data))
    data[pos] ^= 1 << rng.randrange(8)
    victim.write_bytes(bytes(data))
    _run(d)  # no crash, the right answer
    assert module.read_bytes() == warm[0].joinpath(module.name).read_bytes()


def test_truncated_and_non_utf8_files_are_rebuilt(warm, tmp_path):
    d, module = _copy(warm, tmp_path)
    module.write_bytes(b"\xff\xfe not python \x80\x81")
    for p in _numba_files(d):
        p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 3])
    _run(d)
    _run(d)  # and it stays repaired


def test_a_planted_pickle_and_bytecode_are_never_executed(warm, tmp_path):
    d, module = _copy(warm, tmp_path)
    marker = tmp_path / "marker"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))
    payload = pickle.dumps(Evil())
    name = module.stem
    for p in _numba_files(d):  # replace numba's index and data files with a payload
        p.write_bytes(payload)
    (d / "__pycache__" / f"{name}.kernel-99.py311.nbi").write_bytes(payload)
    pyc = d / "__pycache__" / f"{name}.cpython-{sys.version_info[0]}{sys.version_info[1]}.pyc"
    pyc.write_bytes(b"planted bytecode")
    _run(d)
    assert not marker.exists()


def test_foreign_or_shared_cache_directories_are_refused(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    marker = tmp_path / "marker"
    (shared / "planted.py").write_text(f"open({str(marker)!r}, 'w')\n")
    proc = _run(shared, check=False)
    assert proc.returncode == 0 and "FUNCDL_CACHE_DIR" in proc.stderr and "writable by group" in proc.stderr
    assert not marker.exists() and sorted(os.listdir(shared)) == ["planted.py"]  # nothing written
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # root can hand a directory to someone else
        foreign = tmp_path / "foreign"
        foreign.mkdir(mode=0o700)
        os.chown(foreign, 12345, 12345)
        proc = _run(foreign, check=False)
        assert proc.returncode == 0 and "owned by another user" in proc.stderr


def test_an_unusable_cache_directory_warns_once_and_jit_still_works(tmp_path, monkeypatch):
    a_file = tmp_path / "file"
    a_file.write_text("not a directory")
    for bad in (a_file, a_file / "sub"):
        monkeypatch.setenv("FUNCDL_CACHE_DIR", str(bad))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            first = disk_cache.cache_dir()
            assert disk_cache.cache_dir() == first  # chosen once
        assert len(caught) == 1 and "FUNCDL_CACHE_DIR" in str(caught[0].message)
        assert os.path.isdir(first) and os.stat(first).st_mode & 0o077 == 0
        f = fd.jit(lambda x: x * 2.0 + 1.0)
        np.testing.assert_array_equal(f(np.arange(3.0)), [1.0, 3.0, 5.0])


def test_concurrent_compiles_into_one_fresh_cache(tmp_path):
    d = tmp_path / "fresh"
    procs = [subprocess.Popen([sys.executable, "-c", _CHILD], env=_env(d), cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-3000:]
        np.testing.assert_allclose(json.loads(out.strip().splitlines()[-1])["r"], _EXPECTED, rtol=1e-12)
    _run(d)


def test_kill_during_compile_leaves_a_usable_cache(tmp_path):
    d = tmp_path / "killed"
    for trial in range(max(2, TRIALS // 2)):
        child = subprocess.Popen([sys.executable, "-c", _CHILD], env=_env(d), cwd=REPO,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0 + 0.4 * trial)  # during import, tracing, numba compiling or saving
        child.send_signal(signal.SIGKILL)
        child.wait()
        _run(d)
        shutil.rmtree(d, ignore_errors=True)
