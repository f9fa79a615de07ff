"""Data: mini-batches, a toy spiral, bundled MNIST and Boston housing subsets.

Everything returns plain numpy arrays: features ``float32``, integer labels ``int32``.
The bundled files (``mnist_5k.npz``, ``boston_housing.npz``) ship inside the package and
are read with :mod:`importlib.resources`, so they work from an installed wheel; nothing
is downloaded unless ``mnist(download=True)`` asks for the full MNIST files.

>>> from funcdl import data, random
>>> x, y = data.spiral(10, 3, random.key(0))
>>> [xb.shape for xb, yb in data.batches(x, y, batch_size=16)]
[(16, 2), (14, 2)]
"""
import functools
import gzip
import hashlib
import importlib.resources
import os
import tempfile
import urllib.error
import urllib.request

import numpy as np

from .. import random
from .._files import removed_on_failure

__all__ = ["batches", "boston_housing", "mnist", "num_batches", "read_idx", "spiral",
           "MNIST_MIRROR", "MNIST_FILES"]


# ---------------------------------------------------------------------------
# Mini-batches
# ---------------------------------------------------------------------------

def batches(*arrays, batch_size, key=None, drop_last=False):
    """Yield tuples of mini-batches, one slice of every array per batch.

    All arrays must share their leading size ``n``. With a ``key`` the examples are taken
    in the order ``random.permutation(key, n)`` (same key, same order), else in order. The
    last batch is smaller when ``batch_size`` does not divide ``n``, unless
    ``drop_last=True`` drops it (then every batch has the same shape, so a jitted step
    compiles once). Arguments are checked when ``batches`` is called, not when iterated.

    >>> x, y = np.arange(10), np.arange(10) * 10
    >>> [b[0].tolist() for b in batches(x, y, batch_size=4)]
    [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    >>> len(list(batches(x, y, batch_size=4, drop_last=True)))
    2
    """
    if not arrays:
        raise TypeError("data.batches: pass at least one array, e.g. batches(x, y, batch_size=32)")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"data.batches: batch_size must be a positive int, got {batch_size!r}")
    arrays = tuple(np.asarray(a) for a in arrays)
    for i, a in enumerate(arrays):
        if a.ndim == 0:
            raise ValueError(f"data.batches: array {i} is a scalar; every array needs a leading "
                             f"(example) axis")
    sizes = [a.shape[0] for a in arrays]
    if len(set(sizes)) != 1:
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise ValueError(f"data.batches: all arrays must have the same leading size (number of "
                         f"examples), got leading sizes {sizes} (shapes {shapes})")
    n = sizes[0]
    order = None
    if key is not None:
        order = np.asarray(random.permutation(key, n))
    return _batch_iter(arrays, n, int(batch_size), order, drop_last)


def _batch_iter(arrays, n, batch_size, order, drop_last):
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        if order is None:
            yield tuple(a[start:start + batch_size] for a in arrays)
        else:
            idx = order[start:start + batch_size]
            yield tuple(a[idx] for a in arrays)


def num_batches(n, batch_size, drop_last=False):
    """How many batches :func:`batches` yields for ``n`` examples.

    >>> num_batches(10, 4), num_batches(10, 4, drop_last=True)
    (3, 2)
    """
    return n // batch_size if drop_last else -(-n // batch_size)


# ---------------------------------------------------------------------------
# Spiral
# ---------------------------------------------------------------------------

def spiral(samples_per_class, num_classes, key):
    """The CS231n toy spiral: ``num_classes`` interleaved arms in the plane.

    Arm ``c`` has points at radius ``r = linspace(0, 1, samples_per_class)`` and angle
    ``theta = 4 c + 4 r + 0.2 * noise`` (``noise`` standard normal, drawn from ``key``);
    ``x = (r sin theta, r cos theta)``. Returns ``x`` float32 of shape ``(N, 2)`` and
    ``y`` int32 of shape ``(N,)``, ``N = samples_per_class * num_classes``, grouped by class.

    >>> from funcdl import random
    >>> x, y = spiral(100, 3, random.key(0))
    >>> x.shape, x.dtype, y.shape, np.bincount(y).tolist()
    ((300, 2), dtype('float32'), (300,), [100, 100, 100])
    """
    n, k = int(samples_per_class), int(num_classes)
    if n < 1 or k < 1:
        raise ValueError(f"data.spiral: samples_per_class and num_classes must be positive, "
                         f"got {samples_per_class!r} and {num_classes!r}")
    r = np.linspace(0.0, 1.0, n, dtype=np.float32)
    noise = np.asarray(random.normal(key, (k, n), np.float32))
    theta = np.arange(k, dtype=np.float32)[:, None] * 4 + r * 4 + noise * np.float32(0.2)
    x = np.stack([r * np.sin(theta), r * np.cos(theta)], axis=-1).reshape(k * n, 2)
    y = np.repeat(np.arange(k, dtype=np.int32), n)
    return x.astype(np.float32), y


# ---------------------------------------------------------------------------
# Bundled files
# ---------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _bundled(name):
    """The arrays of a bundled ``.npz`` file (read once; callers must copy before changing)."""
    with importlib.resources.files(__name__).joinpath(name).open("rb") as f:
        with np.load(f, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    for a in arrays.values():
        a.flags.writeable = False
    return arrays


# ---------------------------------------------------------------------------
# MNIST
# ---------------------------------------------------------------------------

#: Where ``mnist(download=True)`` fetches the four files from (``FUNCDL_MNIST_MIRROR``
#: overrides it, the ``mirror`` argument overrides both). A base URL ending in ``/``.
MNIST_MIRROR = "https://ossci-datasets.s3.amazonaws.com/mnist/"

#: The four standard MNIST files (gzip-compressed IDX) and their sha256 digests.
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

_IDX_DTYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
               0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path):
    """Read an IDX file (the MNIST format), gzip-compressed when its name ends in ``.gz``.

    Returns an array in native byte order with the shape stored in the file. A damaged
    file raises ``ValueError`` naming it.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "tiny-idx1-ubyte")
    >>> _ = open(p, "wb").write(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]))
    >>> read_idx(p)
    array([7, 8, 9], dtype=uint8)
    """
    path = os.fspath(path)
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise ValueError(f"data.read_idx: cannot read {path!r}: {e}") from e
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"data.read_idx: {path!r} is not an IDX file (bad magic number "
                         f"{raw[:4].hex() or 'missing'})")
    dtype, ndim = _IDX_DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"data.read_idx: {path!r} is truncated (header of {ndim} dimensions)")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != size:
        raise ValueError(f"data.read_idx: {path!r} holds {len(raw) - header} data bytes, but its "
                         f"header announces shape {shape} of {dtype.name} ({size} bytes); the "
                         f"file is truncated or damaged")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _to_unit(images):
    """uint8 pixels as float32 in [0, 1] (correctly rounded ``x / 255``)."""
    return images.astype(np.float32) / np.float32(255)


def _find_idx(folder, name):
    """The path of MNIST file ``name`` (``train-images-idx3-ubyte``) in ``folder``, accepting a
    ``.gz`` suffix and the ``train-images.idx3-ubyte`` spelling; None when absent."""
    dotted = name.replace("-idx", ".idx")
    for cand in (name, name + ".gz", dotted, dotted + ".gz"):
        p = os.path.join(folder, cand)
        if os.path.isfile(p):
            return p
    return None


def _offline_error(url, e):
    reason = getattr(e, "reason", None) or e
    return ConnectionError(
        f"data.mnist: could not download {url} ({reason}). If you are offline, put the four "
        f"MNIST files ({', '.join(MNIST_FILES)}) in a folder yourself and call "
        f"data.mnist(path=that_folder), or choose another mirror with "
        f"data.mnist(download=True, mirror=...) or FUNCDL_MNIST_MIRROR")


def _download(url, dest, sha256):
    """Fetch ``url`` to ``dest`` atomically (temporary file + rename), checking its sha256."""
    folder = os.path.dirname(dest) or "."
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(dest) + ".", suffix=".part")
    with removed_on_failure(tmp):
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            try:
                resp = urllib.request.urlopen(url, timeout=30)
            except (urllib.error.URLError, OSError) as e:
                raise _offline_error(url, e) from e
            with resp:
                while True:
                    try:
                        chunk = resp.read(1 << 20)
                    except OSError as e:
                        raise _offline_error(url, e) from e
                    if not chunk:
                        break
                    digest.update(chunk)
                    out.write(chunk)
        if digest.hexdigest() != sha256:
            raise ValueError(f"data.mnist: {url} has sha256 {digest.hexdigest()}, expected "
                             f"{sha256}; the mirror serves a different or damaged file")
        os.replace(tmp, dest)

def _default_mnist_dir():
    base = os.environ.get("FUNCDL_DATA_DIR") or os.path.join(os.path.expanduser("~"), ".cache",
                                                             "funcdl", "data")
    return os.path.join(base, "mnist")


def mnist(path=None, download=False, *, mirror=None):
    """MNIST digits: ``((x_train, y_train), (x_test, y_test))``, images float32 in [0, 1] of
    shape ``(N, 28, 28)``, labels int32.

    Without ``path`` (and ``download=False``): the bundled 5,000-image subset (500 per
    class, stored sorted by label) as a fixed stratified split: the first 400 images of
    each class train, the last 100 test, so 4,000 training and 1,000 test images, both
    sorted by label (shuffle when batching). With ``path``: the four standard IDX files
    (``train-images-idx3-ubyte`` etc., optionally ``.gz``) from that folder (60,000 +
    10,000 images). ``download=True`` first fetches the missing files into ``path`` (default
    ``$FUNCDL_DATA_DIR/mnist``, else ``~/.cache/funcdl/data/mnist``) from ``mirror`` (default
    ``FUNCDL_MNIST_MIRROR`` or :data:`MNIST_MIRROR`), checking each file's sha256; offline,
    it raises ``ConnectionError`` saying what to do instead.

    >>> (x, y), (xt, yt) = mnist()
    >>> x.shape, x.dtype, xt.shape, np.bincount(yt).tolist() == [100] * 10
    ((4000, 28, 28), dtype('float32'), (1000, 28, 28), True)
    """
    if path is None and not download:
        z = _bundled("mnist_5k.npz")
        images, labels = z["images"], z["labels"].astype(np.int32)
        train_idx, test_idx = [], []
        for c in range(10):
            idx = np.flatnonzero(labels == c)
            train_idx.append(idx[:400])
            test_idx.append(idx[400:])
        train_idx, test_idx = np.concatenate(train_idx), np.concatenate(test_idx)
        return ((_to_unit(images[train_idx]), labels[train_idx]),
                (_to_unit(images[test_idx]), labels[test_idx]))

    folder = os.fspath(path) if path is not None else _default_mnist_dir()
    names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    found = [_find_idx(folder, n) for n in names]
    if download and not all(found):
        base = mirror or os.environ.get("FUNCDL_MNIST_MIRROR") or MNIST_MIRROR
        base = base if base.endswith("/") else base + "/"
        for i, n in enumerate(names):
            if found[i] is None:
                dest = os.path.join(folder, n + ".gz")
                _download(base + n + ".gz", dest, MNIST_FILES[n + ".gz"])
                found[i] = dest
    missing = [n for n, f in zip(names, found) if f is None]
    if missing:
        raise FileNotFoundError(f"data.mnist: {folder!r} lacks {', '.join(missing)} (also looked "
                                f"for .gz and '.idx' spellings); pass download=True to fetch them")
    arrays = [read_idx(f) for f in found]
    out = []
    for (images, labels), (fi, fl) in zip((arrays[:2], arrays[2:]), (found[:2], found[2:])):
        if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
            raise ValueError(f"data.mnist: {fi!r} holds images of shape {images.shape} and "
                             f"{fl!r} labels of shape {labels.shape}; expected (N, rows, cols) "
                             f"and (N,)")
        out.append((_to_unit(images), labels.astype(np.int32)))
    return tuple(out)


# ---------------------------------------------------------------------------
# Boston housing
# ---------------------------------------------------------------------------

def boston_housing():
    """Boston housing regression: ``((x_train, y_train), (x_test, y_test), feature_names)``.

    The 12 raw (unstandardised) features as float32 (the ``B`` column is not included)
    and the median home value in $1000s as float32 targets, split 404 train / 102 test by
    the fixed permutation ``random.permutation(random.key(0), 506)`` (first 404 train).
    ``feature_names`` is a tuple of 12 strings.

    >>> (x, y), (xt, yt), names = boston_housing()
    >>> x.shape, y.shape, xt.shape, names[:3]
    ((404, 12), (404,), (102, 12), ('CRIM', 'ZN', 'INDUS'))
    """
    z = _bundled("boston_housing.npz")
    x, y = z["data"].astype(np.float32), z["target"].astype(np.float32)
    order = np.asarray(random.permutation(random.key(0), x.shape[0]))
    tr, te = order[:404], order[404:]
    names = tuple(str(s) for s in z["feature_names"])
    return (x[tr], y[tr]), (x[te], y[te]), names
