"""What gumbel_r and gumbel_l share: the Gumbel distribution of the largest value, in
``z`` (gumbel_l is its mirror image, ``z -> -z``)."""
from ... import numpy as fnp


def logpdf_z(z):
    """``-z - exp(-z)``."""
    return fnp.negative(z) - fnp.exp(fnp.negative(z))


def logcdf_z(z):
    """``-exp(-z)``."""
    return fnp.negative(fnp.exp(fnp.negative(z)))


def sf_z(z):
    """``1 - exp(-exp(-z))``, accurate where it is tiny."""
    return fnp.negative(fnp.expm1(logcdf_z(z)))


def ppf_z(q):
    """``-log(-log q)``."""
    return fnp.negative(fnp.log(fnp.negative(fnp.log(q))))
