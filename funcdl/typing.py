"""Type aliases for annotations, as ``jax.typing``: ``ArrayLike`` (anything funcdl
functions accept as an array: numpy arrays and scalars, Python numbers, traced values) and
``DTypeLike``.

>>> import numpy as np
>>> from funcdl.typing import ArrayLike
>>> def double(x: ArrayLike) -> ArrayLike:
...     return x * 2
>>> double(np.float32(2))
np.float32(4.0)
"""
from typing import Union

import numpy as np
import numpy.typing as npt

from .core import Tracer

ArrayLike = Union[np.ndarray, np.generic, Tracer, bool, int, float, complex]
DTypeLike = npt.DTypeLike

__all__ = ["ArrayLike", "DTypeLike"]
