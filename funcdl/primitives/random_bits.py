"""The threefry-2x32 block cipher (Salmon et al., "Parallel random numbers: as easy as
1, 2, 3", 2011), 20 rounds: the counter-based generator behind ``funcdl.random``.

``threefry2x32(k0, k1, x0, x1) -> (y0, y1)`` is elementwise over uint32 arrays that
broadcast together.
"""
import numpy as np

from ..core import Aval, Primitive, bind
from .elementwise import broadcast_shapes
from .lowering import lowers
from .rules import elementwise_batch, no_derivative

ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
PARITY = np.uint32(0x1BD11BDA)


def _rotl(x, r):
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _threefry_impl(k0, k1, x0, x1):
    k0, k1, x0, x1 = (np.asarray(a, np.uint32) for a in (k0, k1, x0, x1))
    shape = np.broadcast_shapes(k0.shape, k1.shape, x0.shape, x1.shape)
    keys = (k0, k1, k0 ^ k1 ^ PARITY)
    with np.errstate(over="ignore"):
        x0 = np.broadcast_to(x0 + keys[0], shape).copy()
        x1 = np.broadcast_to(x1 + keys[1], shape).copy()
        for block in range(5):
            for r in ROTATIONS[block % 2]:
                x0 += x1
                x1 = _rotl(x1, r) ^ x0
            x0 += keys[(block + 1) % 3]
            x1 += keys[(block + 2) % 3] + np.uint32(block + 1)
    return [x0, x1]


def _threefry_rule(*avals):
    for a in avals:
        if a.dtype != np.uint32:
            raise TypeError(f"threefry2x32: operands must be uint32, got {[a.dtype.name for a in avals]}")
    shape = broadcast_shapes("threefry2x32", *[a.shape for a in avals])
    return [Aval(shape, np.uint32), Aval(shape, np.uint32)]


threefry2x32_p = Primitive("threefry2x32", _threefry_impl, _threefry_rule, multiple_results=True)


def threefry2x32(k0, k1, x0, x1):
    return bind(threefry2x32_p, k0, k1, x0, x1)




@lowers(threefry2x32_p)
def _threefry_lower(gen, eqn):
    outs = eqn.outputs
    shape = outs[0].aval.shape
    gen.helpers.add("_threefry")
    a, b = gen.alloc(outs[0]), gen.alloc(outs[1])

    def body(idx, d):
        args = ", ".join(gen.read(x, idx, shape) for x in eqn.inputs)
        target = ", ".join(idx)
        if shape:
            gen.emit(f"{a}[{target}], {b}[{target}] = _threefry({args})", d)
        else:
            gen.emit(f"{a}, {b} = _threefry({args})", d)
    if shape:
        gen.loop_nest(shape, body)
    else:
        gen.lines.pop(), gen.lines.pop()  # scalars need no arrays
        body([], 1)


no_derivative(threefry2x32_p)
threefry2x32_p.batch = elementwise_batch(threefry2x32_p)
