"""``funcdl.scipy``: the parts of scipy that ``jax.scipy`` has, traceable and differentiable:
:mod:`.special` (special functions) and :mod:`.stats` (distributions' densities, CDFs and
quantiles).

>>> import numpy as np
>>> from funcdl.scipy import special, stats
>>> float(special.logsumexp(np.zeros(4)))
1.3862943611198906
>>> float(stats.norm.cdf(0.0))
0.5
"""
from . import special, stats

__all__ = ["special", "stats"]
