"""fd.save / fd.load: round trips, refusal of damaged or foreign files, atomic writes."""
import collections
import json
import os
import pathlib
import time
import zipfile

import numpy as np
import pytest

import funcdl as fd
from funcdl import checkpoint

Point = collections.namedtuple("Point", ["x", "y"])


def _tree():
    return {
        "layers": [
            {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.zeros(3, np.float32)},
            (np.array([True, False]), None, np.array(7, dtype=np.int64)),  # 0-d array
        ],
        "opt": Point(x=np.int32(4), y=(np.float32(0.5), [])),  # numpy scalars, empty list
        "od": collections.OrderedDict([("z", np.ones((0, 2), np.float16)), ("a", ())]),
        "ints": {3: 1.25, 1: -2.0}, "flag": True, "count": 12, "c": 1 + 2j, "name": "mlp",
        "be": np.arange(4, dtype=">f8"), "fortran": np.asfortranarray(np.arange(6.).reshape(2, 3)),
        "u8": np.array([[255, 0]], np.uint8), "empty": {},
    }


def _assert_same(a, b, path="root"):
    assert type(a) is type(b), (path, type(a), type(b))
    if isinstance(a, dict):
        assert list(a) == list(b), path  # keys and their order
        for k in a:
            _assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (u, v) in enumerate(zip(a, b)):
            _assert_same(u, v, f"{path}[{i}]")
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and a.shape == b.shape, path
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b, path


def test_round_trip_nested_pytree(tmp_path):
    tree = _tree()
    p = tmp_path / "ckpt.npz"
    fd.save(p, tree)
    out = fd.load(p, types=[Point])
    _assert_same(tree, out)
    assert isinstance(out["opt"], Point) and out["opt"].x == 4
    assert isinstance(out["layers"][1][2], np.ndarray) and out["layers"][1][2].ndim == 0
    assert type(out["count"]) is int and type(out["flag"]) is bool
    assert fd.tree_util.tree_structure(out) == fd.tree_util.tree_structure(tree)
    assert os.listdir(tmp_path) == ["ckpt.npz"]  # exactly the path given, no temp files
    # a plain array at the root, a str path without .npz
    fd.save(str(tmp_path / "root"), np.float32(3.0))
    assert fd.load(str(tmp_path / "root")) == np.float32(3.0)
    fd.save(tmp_path / "none", None)
    assert fd.load(tmp_path / "none") is None


def test_unimportable_namedtuple_comes_back_as_tuple(tmp_path):
    Local = collections.namedtuple("Local", ["a", "b"])
    fd.save(tmp_path / "c", {"s": Local(np.ones(2), 3)})
    out = fd.load(tmp_path / "c")["s"]
    assert type(out) is tuple and out[1] == 3
    np.testing.assert_array_equal(out[0], np.ones(2))


def test_overwrite_and_file_mode(tmp_path):
    p = tmp_path / "c.npz"
    fd.save(p, {"step": 1})
    fd.save(p, {"step": 2})
    assert fd.load(p) == {"step": 2}
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(p).st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("bad", [object(), {1, 2}, np.array([1, "a"], dtype=object), 2 ** 70,
                                 {(1, 2): np.ones(1)}, {float("nan"): 1}])
def test_unstorable_values_raise_type_error_and_write_nothing(tmp_path, bad):
    with pytest.raises(TypeError, match="fd.save"):
        fd.save(tmp_path / "c", {"params": [bad]})
    assert os.listdir(tmp_path) == []


def test_missing_file():
    with pytest.raises(FileNotFoundError):
        fd.load("/nonexistent/dir/ckpt.npz")


def _saved(tmp_path):
    p = tmp_path / "ckpt.npz"
    fd.save(p, {"w": np.arange(1000, dtype=np.float32), "b": np.ones(3)})
    return p, p.read_bytes()


def test_refuses_truncated_files(tmp_path):
    p, raw = _saved(tmp_path)
    for cut in [0, 1, 10, 100, len(raw) // 3, len(raw) // 2, len(raw) - 30, len(raw) - 1]:
        p.write_bytes(raw[:cut])
        with pytest.raises(ValueError, match=r"fd.load: '.*ckpt.npz' is not a valid funcdl checkpoint"):
            fd.load(p)


def test_refuses_corrupted_data(tmp_path):
    p, raw = _saved(tmp_path)
    at = raw.index(np.arange(1000, dtype=np.float32)[500:502].tobytes())
    p.write_bytes(raw[:at] + bytes([raw[at] ^ 0x40]) + raw[at + 1:])
    with pytest.raises(ValueError, match="ckpt.npz"):
        fd.load(p)


def test_checksum_catches_consistent_looking_tampering(tmp_path):
    """A leaf replaced inside a well-formed archive (zip CRCs valid) fails the sha256."""
    p, _ = _saved(tmp_path)
    with zipfile.ZipFile(p) as z:
        members = {n: z.read(n) for n in z.namelist()}
    q = tmp_path / "tampered.npz"
    with zipfile.ZipFile(q, "w") as z:
        for name, blob in members.items():
            if name == "leaf_0.npy":  # 'w' (leaves follow the dict's insertion order)
                blob = blob[:-4] + np.float32(-1).tobytes()
            z.writestr(name, blob)
    with pytest.raises(ValueError, match="checksum mismatch"):
        fd.load(q)


def test_refuses_foreign_files(tmp_path):
    cases = {
        "text.npz": lambda p: p.write_text("hello, world\n"),
        "empty.npz": lambda p: p.write_bytes(b""),
        "plain.npz": lambda p: np.savez(p, a=np.ones(3)),
        "single.npy": lambda p: np.save(p, np.ones(3)),
    }
    expect = {"text.npz": "not a readable", "empty.npz": "not a readable",
              "plain.npz": "no '__funcdl_checkpoint__' header", "single.npy": "single .npy"}
    for name, make in cases.items():
        p = tmp_path / name
        make(p)
        with pytest.raises(ValueError, match=expect[name]) as err:
            fd.load(p)
        assert name in str(err.value)


def _with_header(tmp_path, name, edit):
    p = tmp_path / "src.npz"
    fd.save(p, {"a": np.ones(2)})
    with np.load(p) as z:
        arrays = {k: z[k] for k in z.files}
    header = json.loads(bytes(arrays["__funcdl_checkpoint__"]))
    edit(header)
    arrays["__funcdl_checkpoint__"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    q = tmp_path / name
    with open(q, "wb") as f:
        np.savez(f, **arrays)
    return q


def test_refuses_wrong_magic_newer_version_and_bad_leaves(tmp_path):
    q = _with_header(tmp_path, "magic.npz", lambda h: h.update(magic="other-format"))
    with pytest.raises(ValueError, match="magic 'other-format'"):
        fd.load(q)
    q = _with_header(tmp_path, "version.npz", lambda h: h.update(version=99))
    with pytest.raises(ValueError, match="version 99.*newer"):
        fd.load(q)
    q = _with_header(tmp_path, "shape.npz", lambda h: h["leaves"][0].__setitem__(1, [3]))
    with pytest.raises(ValueError, match="leaf 0"):
        fd.load(q)
    q = _with_header(tmp_path, "count.npz", lambda h: h["leaves"].append(["<f8", [1]]))
    with pytest.raises(ValueError, match="describes 2 leaves"):
        fd.load(q)


def test_failed_write_leaves_the_old_file_and_no_partial_file(tmp_path, monkeypatch):
    p = tmp_path / "ckpt.npz"
    fd.save(p, {"step": 1, "w": np.zeros(3)})
    before = p.read_bytes()
    real_savez = np.savez

    def failing_savez(file, *args, **kwargs):
        file.write(b"PK\x03\x04 partial bytes")  # something already written, then a crash
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checkpoint.np, "savez", failing_savez)
    with pytest.raises(OSError, match="No space left"):
        fd.save(p, {"step": 2, "w": np.ones(3)})
    with pytest.raises(OSError):
        fd.save(tmp_path / "new.npz", {"step": 2})
    assert os.listdir(tmp_path) == ["ckpt.npz"]
    assert p.read_bytes() == before

    calls = []

    def interrupted_savez(file, *args, **kwargs):
        calls.append(1)
        real_savez(file, *args, **kwargs)
        raise KeyboardInterrupt  # even an interrupt after a complete write is not renamed in
    monkeypatch.setattr(checkpoint.np, "savez", interrupted_savez)
    with pytest.raises(KeyboardInterrupt):
        fd.save(p, {"step": 3})
    assert calls and os.listdir(tmp_path) == ["ckpt.npz"] and fd.load(p)["step"] == 1


def test_pathlib_and_os_pathlike(tmp_path):
    p = pathlib.Path(tmp_path) / "sub"
    p.mkdir()
    fd.save(p / "c", [1, 2.5])
    assert fd.load(os.fspath(p / "c")) == [1, 2.5]


# -- loading never runs code ---------------------------------------------------------------

def test_load_never_imports_a_module_named_by_the_file(tmp_path, monkeypatch):
    marker = tmp_path / "marker"
    (tmp_path / "planted_mod.py").write_text(
        f"open({str(marker)!r}, 'w').write('ran')\n"
        "import collections\nPoint = collections.namedtuple('Point', ['x', 'y'])\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    p = tmp_path / "c.npz"
    fd.save(p, {"opt": Point(1, 2)})
    with np.load(p) as z:  # rewrite the header to name the planted module
        arrays = {k: z[k] for k in z.files}
    header = json.loads(bytes(arrays[checkpoint._HEADER]).decode())
    header["tree"]["c"][0]["module"] = "planted_mod"
    header["sha256"] = checkpoint._checksum(header["tree"], header["leaves"],
                                            [arrays[f"leaf_{i}"] for i in range(len(header["leaves"]))])
    arrays[checkpoint._HEADER] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    np.savez(p, **arrays)
    out = fd.load(p)
    assert not marker.exists() and "planted_mod" not in __import__("sys").modules
    assert type(out["opt"]) is tuple and out["opt"] == (1, 2)
    assert type(fd.load(p, types=[Point])["opt"]) is tuple  # a different module: not the caller's type


def test_namedtuples_come_back_when_passed_registered_or_funcdl_own(tmp_path):
    from funcdl import optim
    Pair = collections.namedtuple("Pair", ["a", "b"])
    state = optim.adam(1e-3).init({"w": np.ones(2, np.float32)})
    fd.save(tmp_path / "c", {"pair": Pair(1, 2), "opt": state})
    assert type(fd.load(tmp_path / "c")["pair"]) is tuple
    assert type(fd.load(tmp_path / "c", types=[Pair])["pair"]) is Pair
    checkpoint.register(Pair)
    out = fd.load(tmp_path / "c")
    assert type(out["pair"]) is Pair
    assert fd.tree_util.tree_structure(out["opt"]) == fd.tree_util.tree_structure(state)
    with pytest.raises(TypeError, match="not a namedtuple"):
        checkpoint.register(dict)


def test_stale_temp_files_of_dead_writers_are_removed(tmp_path):
    import subprocess
    import sys
    p = tmp_path / "ckpt.npz"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = tmp_path / f".ckpt.npz.{checkpoint._HOST}-{dead}-0123456789ab.tmp"
    stale.write_bytes(b"x" * 100)
    live = tmp_path / f".ckpt.npz.{checkpoint._HOST}-{os.getpid()}-0123456789ab.tmp"
    live.write_bytes(b"y")  # a save in progress in a live process is left alone
    other = tmp_path / ".other.npz.host-1-0123456789ab.tmp"
    other.write_bytes(b"z")  # another target's files are not touched
    fd.save(p, {"step": 1})
    assert sorted(os.listdir(tmp_path)) == sorted([live.name, other.name, "ckpt.npz"])
    old = time.time() - 2 * checkpoint._STALE_AFTER
    os.utime(live, (old, old))
    fd.save(p, {"step": 2})
    assert sorted(os.listdir(tmp_path)) == sorted([other.name, "ckpt.npz"])


def test_kill_during_save_leaves_the_old_checkpoint_and_no_leftovers(tmp_path):
    import signal
    import subprocess
    import sys
    p = tmp_path / "ckpt.npz"
    fd.save(p, {"step": 0, "w": np.zeros(10)})
    script = (f"import numpy as np, funcdl as fd\n"
              f"for i in range(1, 10**6): fd.save({str(p)!r}, {{'step': i, 'w': np.full(300_000, float(i))}})\n")
    trials = 6
    for trial in range(trials):
        child = subprocess.Popen([sys.executable, "-c", script])
        time.sleep(1.0 + 0.15 * trial)
        child.send_signal(signal.SIGKILL)
        child.wait()
        out = fd.load(p)  # always a complete checkpoint, old or new
        np.testing.assert_array_equal(out["w"], np.full(out["w"].shape, float(out["step"])))
    fd.save(p, {"step": -1})
    assert os.listdir(tmp_path) == ["ckpt.npz"]
