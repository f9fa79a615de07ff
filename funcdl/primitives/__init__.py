"""The closed set of primitives. Each is one definition block in one of these modules:
name, numpy impl, shape rule, binding function, derivative rules (jvp, vjp), batching
rule and numba lowering. ``funcdl.numpy``, ``funcdl.lax``, ``funcdl.random`` and
``funcdl.nn`` compose everything else from them.

- ``elementwise``: the broadcasting elementwise primitives (``defunary`` / ``defbinary`` /
  ``defternary``,
  one call each), and ``select``, ``convert``, ``stop_gradient``;
- ``structural``: broadcast_to, reshape, transpose, slice, rev, pad, concatenate;
- ``dynamic_slicing``: dynamic_slice, dynamic_update_slice (windows at runtime offsets);
- ``reductions``: reduce_sum/prod/max/min, argmax, argmin, cumsum, argsort;
- ``linalg``: dot_general, conv; ``indexing``: gather, scatter;
- ``decompositions``: cholesky, triangular_solve, solve, det, slogdet, eigh, svd, qr;
- ``fft``: the discrete Fourier transforms (FFT, IFFT, RFFT, IRFFT);
- ``random_bits``: threefry2x32; ``bitcast``: an element's bits as another dtype;
- ``collectives``: psum, pmax, pmin, all_gather, axis_index over a vmap's named axis;
- ``rules`` and ``lowering``: the toolkits the blocks declare their rules with
  (``deflinear``, ``defbilinear``, ``no_derivative``, ``axis_batch``, ... and ``lowers``).

Control-flow primitives are defined in ``funcdl.control_flow``, the call primitives in
``funcdl.transforms``."""
from .elementwise import (ZERO, Linear, binary, broadcast_shapes, complex_dtype, convert, convert_p,
                          elementwise_prims, real_dtype, select, select_p, stop_gradient_p, ternary,
                          unary)
from .bitcast import bitcast, bitcast_p
from .collectives import all_gather_p, axis_index_p, pmax_p, pmin_p, psum_p
from .dynamic_slicing import (dynamic_slice, dynamic_slice_p, dynamic_update_slice,
                              dynamic_update_slice_p)
from .indexing import gather, gather_p, scatter, scatter_p
from . import decompositions
from .fft import fft, fft_p
from .linalg import conv, conv_output_size, conv_p, dot_general, dot_general_p
from .random_bits import threefry2x32, threefry2x32_p
from .reductions import (argmax, argmax_p, argmin, argmin_p, argsort, argsort_p, cumprod, cumsum,
                         cumsum_p, reduce, reduce_prims)
from .structural import (broadcast_to, broadcast_to_p, concatenate, concatenate_p, pad, pad_p,
                         reshape, reshape_p, rev, rev_p, slice, slice_p, transpose, transpose_p)
