"""funcdl.data: mini-batches, spiral, bundled MNIST / Boston housing, the IDX reader."""
import gzip
import importlib.resources
import os
import pathlib
import urllib.error

import numpy as np
import pytest

from funcdl import data, random


# ---------------------------------------------------------------------------
# batches
# ---------------------------------------------------------------------------

def test_batches_sizes_and_alignment():
    x, y = np.arange(10.0).reshape(10, 1), np.arange(10) * 10
    out = list(data.batches(x, y, batch_size=4))
    assert [len(b) for b in out] == [2, 2, 2]
    assert [b[0].shape for b in out] == [(4, 1), (4, 1), (2, 1)]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in out]), y)
    assert [b[0].shape[0] for b in data.batches(x, y, batch_size=4, drop_last=True)] == [4, 4]
    assert [b[0].shape[0] for b in data.batches(x, batch_size=5, drop_last=True)] == [5, 5]
    assert [len(b) for b in data.batches(x, batch_size=20)] == [1]  # one array -> 1-tuples
    assert list(data.batches(x, batch_size=20, drop_last=True)) == []
    assert data.num_batches(10, 4) == 3 and data.num_batches(10, 4, drop_last=True) == 2


def test_batches_shuffling_is_deterministic_and_a_permutation():
    x, y = np.arange(50), np.arange(50) * 2
    k = random.key(3)
    a = [b for b in data.batches(x, y, batch_size=8, key=k)]
    b = [b for b in data.batches(x, y, batch_size=8, key=k)]
    for (xa, ya), (xb, yb) in zip(a, b):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, 2 * xa)  # rows stay aligned
    order = np.concatenate([xa for xa, _ in a])
    np.testing.assert_array_equal(order, np.asarray(random.permutation(k, 50)))
    assert sorted(order.tolist()) == list(range(50)) and not np.array_equal(order, x)
    other = np.concatenate([xa for xa, _ in data.batches(x, y, batch_size=8, key=random.key(4))])
    assert not np.array_equal(order, other)
    dropped = np.concatenate([xa for xa, _ in data.batches(x, y, batch_size=8, key=k, drop_last=True)])
    np.testing.assert_array_equal(dropped, order[:48])


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, None])
def test_batches_rejects_bad_batch_size(bad):
    with pytest.raises(ValueError, match="batch_size"):
        data.batches(np.zeros(3), batch_size=bad)


def test_batches_errors_are_raised_at_call_time():
    with pytest.raises(ValueError, match=r"same leading size.*\[10, 9\]"):
        data.batches(np.zeros((10, 2)), np.zeros(9), batch_size=4)  # not iterated
    with pytest.raises(TypeError, match="at least one array"):
        data.batches(batch_size=4)
    with pytest.raises(ValueError, match="scalar"):
        data.batches(np.float32(1.0), batch_size=4)


# ---------------------------------------------------------------------------
# spiral
# ---------------------------------------------------------------------------

def test_spiral_shapes_labels_and_geometry():
    x, y = data.spiral(100, 3, random.key(0))
    assert x.shape == (300, 2) and x.dtype == np.float32
    assert y.shape == (300,) and y.dtype.kind == "i"
    assert np.bincount(y).tolist() == [100, 100, 100]
    np.testing.assert_array_equal(y, np.repeat(np.arange(3), 100))
    radius = np.linalg.norm(x, axis=1)
    np.testing.assert_allclose(radius, np.tile(np.linspace(0, 1, 100), 3), atol=1e-6)
    # angle ~ 4 c + 4 r (+ 0.2 noise): compare the noiseless direction at the outer end
    theta = np.arctan2(x[:, 0], x[:, 1])
    for c in range(3):
        expected = 4 * c + 4.0
        d = np.angle(np.exp(1j * (theta[100 * c + 99] - expected)))
        assert abs(d) < 1.0  # 5 sigma of the 0.2 noise
    x2, _ = data.spiral(100, 3, random.key(0))
    np.testing.assert_array_equal(x, x2)
    assert not np.array_equal(x, data.spiral(100, 3, random.key(1))[0])
    assert data.spiral(5, 4, random.key(0))[0].shape == (20, 2)


# ---------------------------------------------------------------------------
# MNIST
# ---------------------------------------------------------------------------

def _bundled_raw():
    ref = importlib.resources.files("funcdl.data").joinpath("mnist_5k.npz")
    with ref.open("rb") as f, np.load(f) as z:
        return z["images"], z["labels"]


def test_mnist_bundled_split():
    (x, y), (xt, yt) = data.mnist()
    assert x.shape == (4000, 28, 28) and xt.shape == (1000, 28, 28)
    assert x.dtype == xt.dtype == np.float32
    assert y.dtype.kind == yt.dtype.kind == "i" and y.shape == (4000,) and yt.shape == (1000,)
    assert 0.0 <= x.min() and x.max() <= 1.0 and x.max() == 1.0 and xt.min() >= 0.0
    assert np.bincount(y).tolist() == [400] * 10
    assert np.bincount(yt).tolist() == [100] * 10
    images, labels = _bundled_raw()  # sorted by label: first 400 of each class train
    for c in range(10):
        cls = images[labels == c]
        np.testing.assert_array_equal(x[y == c], cls[:400] / np.float32(255))
        np.testing.assert_array_equal(xt[yt == c], cls[400:] / np.float32(255))
    # fixed: the same split every call, and callers cannot damage the cache
    x[:] = -1
    (x2, _), (xt2, _) = data.mnist()
    assert x2.min() >= 0 and np.array_equal(xt, xt2)


def _write_idx(path, array, code):
    dims = b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    raw = bytes([0, 0, code, array.ndim]) + dims + array.tobytes()
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(raw)


def _tiny_mnist(folder, gz=(True, False, False, True)):
    rng = np.random.default_rng(0)
    arrays = {"train-images-idx3-ubyte": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
              "train-labels-idx1-ubyte": np.array([3, 1, 4, 1, 5], np.uint8),
              "t10k-images-idx3-ubyte": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
              "t10k-labels-idx1-ubyte": np.array([9, 2, 6], np.uint8)}
    for (name, a), z in zip(arrays.items(), gz):
        _write_idx(os.path.join(folder, name + (".gz" if z else "")), a, 0x08)
    return arrays


def test_mnist_from_idx_files(tmp_path):
    arrays = _tiny_mnist(tmp_path)
    (x, y), (xt, yt) = data.mnist(path=tmp_path)
    assert x.shape == (5, 28, 28) and x.dtype == np.float32 and y.dtype.kind == "i"
    np.testing.assert_allclose(x, arrays["train-images-idx3-ubyte"] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y, [3, 1, 4, 1, 5])
    np.testing.assert_array_equal(yt, [9, 2, 6])
    assert xt.shape == (3, 28, 28)


def test_mnist_accepts_dotted_names(tmp_path):
    arrays = _tiny_mnist(tmp_path, gz=(False,) * 4)
    for name in arrays:
        os.rename(tmp_path / name, tmp_path / name.replace("-idx", ".idx"))
    assert data.mnist(path=str(tmp_path))[1][1].tolist() == [9, 2, 6]


def test_read_idx_dtypes_and_errors(tmp_path):
    a = np.arange(-6, 6, dtype=">i4").reshape(2, 3, 2)
    _write_idx(tmp_path / "a-idx3", a, 0x0C)
    out = data.read_idx(tmp_path / "a-idx3")
    np.testing.assert_array_equal(out, a)
    assert out.dtype == np.int32 and out.dtype.isnative
    f = np.linspace(0, 1, 4).astype(">f4")
    _write_idx(tmp_path / "f-idx1.gz", f, 0x0D)
    np.testing.assert_array_equal(data.read_idx(tmp_path / "f-idx1.gz"), f)

    raw = (tmp_path / "a-idx3").read_bytes()
    (tmp_path / "short").write_bytes(raw[:-3])
    with pytest.raises(ValueError, match="truncated"):
        data.read_idx(tmp_path / "short")
    (tmp_path / "foreign").write_bytes(b"PK\x03\x04 definitely not idx")
    with pytest.raises(ValueError, match="not an IDX file"):
        data.read_idx(tmp_path / "foreign")
    (tmp_path / "bad.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="bad.gz"):
        data.read_idx(tmp_path / "bad.gz")


def test_mnist_missing_files_and_label_mismatch(tmp_path):
    with pytest.raises(FileNotFoundError, match="download=True"):
        data.mnist(path=tmp_path)
    _tiny_mnist(tmp_path)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([1, 2], np.uint8), 0x08)
    with pytest.raises(ValueError, match="labels of shape"):
        data.mnist(path=tmp_path)


def test_mnist_download_offline_gives_a_clear_error(tmp_path, monkeypatch):
    def offline(url, timeout=None):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")
    monkeypatch.setattr(data.urllib.request, "urlopen", offline)
    with pytest.raises(ConnectionError, match=r"(?s)could not download .*offline.*path="):
        data.mnist(path=tmp_path / "m", download=True, mirror="https://mirror.invalid/mnist/")
    leftovers = os.listdir(tmp_path / "m")
    assert leftovers == []  # no partial files


def test_mnist_download_checks_sha256(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    _tiny_mnist(mirror, gz=(True,) * 4)
    import hashlib
    for name in data.MNIST_FILES:
        digest = hashlib.sha256((mirror / name).read_bytes()).hexdigest()
        monkeypatch.setitem(data.MNIST_FILES, name, digest)
    dest = tmp_path / "dest"
    (x, y), _ = data.mnist(path=dest, download=True, mirror=mirror.as_uri())  # no trailing '/'
    assert x.shape == (5, 28, 28) and y.tolist() == [3, 1, 4, 1, 5]
    assert sorted(os.listdir(dest)) == sorted(data.MNIST_FILES)

    monkeypatch.setitem(data.MNIST_FILES, "t10k-labels-idx1-ubyte.gz", "0" * 64)
    dest2 = tmp_path / "dest2"
    with pytest.raises(ValueError, match="sha256"):
        data.mnist(path=dest2, download=True, mirror=mirror.as_uri() + "/")
    assert "t10k-labels-idx1-ubyte.gz" not in os.listdir(dest2)
    assert not [f for f in os.listdir(dest2) if f.startswith(".")]  # no partial download


# ---------------------------------------------------------------------------
# Boston housing
# ---------------------------------------------------------------------------

def test_boston_housing_split():
    (x, y), (xt, yt), names = data.boston_housing()
    assert x.shape == (404, 12) and y.shape == (404,) and xt.shape == (102, 12) and yt.shape == (102,)
    assert x.dtype == y.dtype == np.float32
    assert names == ("CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX",
                     "PTRATIO", "LSTAT")
    ref = importlib.resources.files("funcdl.data").joinpath("boston_housing.npz")
    with ref.open("rb") as f, np.load(f) as z:
        full = np.column_stack([z["data"], z["target"]]).astype(np.float32)
    both = np.concatenate([np.column_stack([x, y]), np.column_stack([xt, yt])])
    # a partition of the 506 rows, shuffled (not the file's order), the same every call
    assert sorted(map(tuple, both.tolist())) == sorted(map(tuple, full.tolist()))
    assert not np.array_equal(x, full[:404, :12])
    (x2, _), _, _ = data.boston_housing()
    np.testing.assert_array_equal(x, x2)


def test_bundled_files_are_package_data():
    root = pathlib.Path(data.__file__).parent
    assert (root / "mnist_5k.npz").is_file() and (root / "boston_housing.npz").is_file()
