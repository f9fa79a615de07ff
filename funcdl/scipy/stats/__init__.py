"""``funcdl.scipy.stats``: distributions as ``jax.scipy.stats`` has them, one module each
(``norm.logpdf(x, loc, scale)``...), composed from ``funcdl.numpy`` and so differentiable
in their arguments and parameters.

>>> from funcdl.scipy.stats import norm
>>> round(float(norm.cdf(1.0) - norm.cdf(-1.0)), 12)
0.682689492137
"""
from . import (bernoulli, beta, betabinom, binom, cauchy, chi2, dirichlet, expon, gamma, gennorm, geom,
               gumbel_l, gumbel_r, laplace, logistic, multinomial, multivariate_normal, nbinom, norm,
               pareto, poisson, t, truncnorm, uniform, vonmises, wrapcauchy)

__all__ = ["bernoulli", "beta", "betabinom", "binom", "cauchy", "chi2", "dirichlet", "expon", "gamma",
           "gennorm", "geom", "gumbel_l", "gumbel_r", "laplace", "logistic", "multinomial",
           "multivariate_normal", "nbinom", "norm", "pareto", "poisson", "t", "truncnorm", "uniform",
           "vonmises", "wrapcauchy"]
