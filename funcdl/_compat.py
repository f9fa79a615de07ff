"""JAX's conveniences around arrays and devices, for code written against ``jax``: funcdl
computes on the host with numpy, so there is one device and nothing to wait for.

>>> import funcdl as fd, numpy as np
>>> fd.block_until_ready(fd.device_put((1.0, np.ones(2))))
(array(1.), array([1., 1.]))
>>> fd.devices()
[CpuDevice(id=0)]
>>> isinstance(np.ones(2), fd.Array)
True
"""
import abc

import numpy as np

from .core import Tracer
from .tree_util import tree_map


class Array(abc.ABC):
    """The type of funcdl's arrays, for ``isinstance`` checks and annotations: numpy arrays
    and scalars (concrete values) and traced values (inside a transform)."""


for _cls in (np.ndarray, np.generic, Tracer):
    Array.register(_cls)


class CpuDevice:
    """The one device funcdl computes on (the host), as JAX's ``CpuDevice``."""

    platform = device_kind = "cpu"
    id = process_index = 0

    def __repr__(self):
        return "CpuDevice(id=0)"


_DEVICE = CpuDevice()


def devices(backend=None):
    """The devices funcdl can compute on: the host's CPU.

    >>> devices()[0].platform
    'cpu'
    """
    return [_DEVICE]


local_devices = devices


def device_count(backend=None):
    """The number of devices (1).

    >>> device_count()
    1
    """
    return 1


def default_backend():
    """The name of the backend funcdl computes with.

    >>> default_backend()
    'cpu'
    """
    return "cpu"


def _as_array(x):
    return x if isinstance(x, (Tracer, np.ndarray, np.generic)) else np.asarray(x)


def device_put(x, device=None):
    """``x`` (a pytree) with its leaves as numpy arrays; ``device`` is accepted for JAX
    compatibility (there is only the host).

    >>> device_put({'a': 1.5})
    {'a': array(1.5)}
    """
    return tree_map(_as_array, x)


def block_until_ready(x):
    """``x`` itself: funcdl's results are computed when they are returned, so there is
    nothing to wait for (JAX dispatches asynchronously).

    >>> block_until_ready(np.ones(1))
    array([1.])
    """
    return x
