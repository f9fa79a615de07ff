"""The closed set of primitives. Every primitive is defined (name, numpy impl, shape
rule) in one of these modules; ``funcdl.numpy``, ``funcdl.lax``, ``funcdl.random`` and
``funcdl.nn`` compose everything else from them."""
from .elementwise import (ZERO, binary, broadcast_shapes, convert, convert_p, elementwise_prims,
                          select, select_p, stop_gradient_p, unary)
from .indexing import gather, gather_p, scatter, scatter_p
from .linalg import conv, conv_output_size, conv_p, dot_general, dot_general_p
from .random_bits import threefry2x32, threefry2x32_p
from .reductions import (argmax, argmax_p, argmin, argmin_p, argsort, argsort_p, cumsum,
                         cumsum_p, reduce, reduce_prims)
from .structural import (broadcast_to, broadcast_to_p, concatenate, concatenate_p, pad, pad_p,
                         reshape, reshape_p, rev, rev_p, slice, slice_p, transpose, transpose_p)
