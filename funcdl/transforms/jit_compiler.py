"""``jit``: compile a function's IR to generated numba code.

A call flattens the arguments, looks up the compiled specialisation for their structure,
shapes, dtypes and static values, and calls it. A miss traces the function, simplifies
its IR, generates the source of one ``@numba.njit(cache=True)`` function, writes it
atomically to ``FUNCDL_CACHE_DIR`` (default ``~/.cache/funcdl``) as a module named by
the hash of its content, and executes it: a new process with the same program skips
numba's compilation. :mod:`.disk_cache` keeps that directory private and loads no cache
file funcdl did not write.
"""
import ast
import collections
import functools
import hashlib
import inspect
import os
import statistics
import sys
import time

import numpy as np

from .. import tree_util
from ..config import config
from ..core import (Absent, Aval, Primitive, Tracer, aval_of, bind, check_arguments, current_batching_axis,
                    current_trace, eval_ir, ir_axis_names, make_ir, trace_to_ir)
from ..primitives.lowering import CALLED_MODULES
from ..primitives.rules import move_axis
from . import compile_workers, disk_cache
from .ad import jvp, vjp
from .batching import vmap
from .codegen import generate_outlined, generate_source, hoist_constants, inline_calls
from .outline import is_blas_product
from .simplify import fold_constants, simplify

_CODE_VERSION = "1"  # bump when the code generator changes what it emits


@functools.cache
def _code_version():
    """``_CODE_VERSION`` and the source of the numba modules generated code calls: numba's
    cache of a generated module does not notice an edit of a function it calls."""
    h = hashlib.sha256(_CODE_VERSION.encode())
    for module in ("_kernels",) + CALLED_MODULES:
        with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), module + ".py"), "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:16]


def _decorator(fastmath):
    """The ``@numba.njit`` line of generated functions. With ``jit_boundscheck`` every
    function checks its array indices (a different text, so another module and cache entry)."""
    checks = ", boundscheck=True" if config.jit_boundscheck else ""
    return f"@numba.njit(cache=True, error_model='numpy', fastmath={bool(fastmath)}{checks})"


def _with_checks(text):
    """``text`` with its helpers bounds-checked too, under ``jit_boundscheck``."""
    if not config.jit_boundscheck:
        return text
    return text.replace("@numba.njit(cache=True)\n", "@numba.njit(cache=True, boundscheck=True)\n")


def _module_file(prefix, text):
    """Write ``text`` as a content-addressed module: (module name, path, text)."""
    digest = hashlib.sha256((_code_version() + text).encode()).hexdigest()[:24]
    name = f"{prefix}_{digest}"
    path = os.path.join(disk_cache.cache_dir(), name + ".py")
    disk_cache.ensure_file(path, text)
    return name, path, text


def _source_file(source, fastmath):
    """Write ``source`` (plus its decorator) as a content-addressed module; return
    (module name, path, full text)."""
    decorated = source.replace("\ndef kernel(", f"\n{_decorator(fastmath)}\ndef kernel(", 1)
    return _module_file("funcdl_jit", _with_checks(decorated))


def _kernel_file(kernel, header, fastmath):
    """Write one outlined kernel (see ``outline``) as a content-addressed module."""
    text = "\n".join(header) + "\n\n" + kernel.source(_decorator(fastmath)) + "\n"
    return _module_file("funcdl_k", _with_checks(text))


class Lowered:
    """The result of ``jit(f).lower(*args)``: ``.ir`` and the generated ``.source``."""

    def __init__(self, ir, source, path, driver=None):
        self.ir, self.source, self.path, self.driver = ir, source, path, driver

    def __repr__(self):
        return f"Lowered({self.path})"


class _Module:
    """A generated module and the numba function ``attr`` it defines."""
    __slots__ = ("name", "path", "text", "attr", "fn")

    def __init__(self, name, path, text, attr):
        self.name, self.path, self.text, self.attr = name, path, text, attr
        self.fn = disk_cache.load_function(name, path, text, attr=attr)

    def reload(self):
        """Execute the module again (its numba cache files were dropped)."""
        self.fn = disk_cache.load_function(self.name, self.path, self.text, fresh=True, attr=self.attr)


# An outlined program (see ``outline``) starts in moments and shares its kernels, but its
# Python driver costs a microsecond or more per kernel call. Its first 20 calls after the
# first are timed; when its kernel calls (about 1 us each) come to more than 2 % of a call,
# a worker process compiles it again as one numba function (bitwise the same results)
# while the outlined program goes on; that one is then timed over 20 calls too, and the
# faster of the two is kept.
PROMOTION_CALLS, PROMOTION_SHARE, KERNEL_CALL_SECONDS = 20, 0.02, 1e-6


class _Compiled:
    """A compiled program: ``kernel(*arrays, *consts)`` runs it. ``modules`` are the numba
    modules it calls: its own (one function) or, outlined, the shared kernels its Python
    driver calls (``kernel_calls`` of them per run) through ``driver_env``; ``trial`` holds
    an outlined program's call times until promotion is decided; ``pending`` is the batch
    of its modules that worker processes are compiling in the background (or None), and
    ``successor`` the one-function program it may be promoted to, with its call times
    ``rival_times``. ``unflatten(outputs)`` builds the result tree."""
    __slots__ = ("kernel", "consts", "out_tree", "out_casts", "lowered", "verified", "modules",
                 "driver_env", "kernel_calls", "trial", "pending", "successor", "rival_times",
                 "unflatten")

    def __init__(self, kernel, consts, out_tree, out_casts, lowered, modules, driver_env=None):
        self.kernel, self.consts, self.out_tree = kernel, consts, out_tree
        self.out_casts, self.lowered = out_casts, lowered
        self.modules, self.driver_env = modules, driver_env
        self.verified = False
        self.kernel_calls = 0 if driver_env is None else _kernel_calls(ast.parse(lowered.driver))
        self.trial = None if driver_env is None else []
        self.pending = self.successor = None
        self.rival_times = []
        plan = tree_util.plan_for(out_tree)
        self.unflatten = plan.unflatten if plan is not None else out_tree.unflatten

    def relink(self):
        """Point the program at its modules' current functions (after a reload)."""
        if self.driver_env is None:
            self.kernel = self.modules[0].fn
        else:
            self.driver_env.update({m.attr: m.fn for m in self.modules})


def _kernel_calls(node, times=1):
    """How many kernel (and BLAS) calls a run of the driver ``node`` makes (a loop over
    ``range(n)`` counts its body n times; a while loop once)."""
    if isinstance(node, ast.Call) and (getattr(node.func, "id", "").startswith("k_")
                                       or is_blas_product(node)):
        return times
    if (isinstance(node, ast.For) and isinstance(node.iter, ast.Call) and node.iter.args
            and isinstance(node.iter.args[-1], ast.Constant)):
        times *= max(1, node.iter.args[-1].value)
    return sum(_kernel_calls(child, times) for child in ast.iter_child_nodes(node))


def _prepare_ir(ir):
    """Simplify, fold what is constant, inline custom_vjp calls and hoist the constants of
    control-flow sub-programs: every array the program reads is then one of its inputs or
    constants (passed to the kernel as arguments)."""
    return hoist_constants(inline_calls(simplify(fold_constants(simplify(ir)))))


class JittedFunction:
    """A function compiled with numba on first call for each argument signature."""

    def __init__(self, fun, static_argnums=(), static_argnames=(), donate_argnums=(), fastmath=False,
                 background=None):
        functools.update_wrapper(self, fun)
        self.fun, self.background = fun, background
        self.static_argnums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
        self.static_argnames = (static_argnames,) if isinstance(static_argnames, str) else tuple(static_argnames)
        self.donate_argnums = _donated(donate_argnums, self.static_argnums)
        self.fastmath = bool(fastmath)
        self._cache = collections.OrderedDict()
        self._plan, self._plans = None, {}  # flattening plans of the argument structures seen
        self._signature = _signature(fun)
        names = [] if self._signature is None else [
            p.name for p in self._signature.parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        # static arguments may be named or numbered either way (JAX semantics)
        self._static_positions = set(self.static_argnums) | {
            names.index(n) for n in self.static_argnames if n in names}
        self._static_names = set(self.static_argnames) | {
            names[i] for i in self.static_argnums if 0 <= i < len(names)}

    def _param_label(self, i):
        names = list(self._signature.parameters) if self._signature is not None else []
        return f"{i} ({names[i]!r})" if i < len(names) else str(i)

    def _canonical(self, args, kwargs):
        """Arguments passed by keyword to positional parameters become positional."""
        if kwargs and self._signature is not None:
            try:
                bound = self._signature.bind(*args, **kwargs)
            except TypeError as e:
                raise TypeError(f"jit({getattr(self.fun, '__name__', 'fun')}): {e}") from None
            return bound.args, bound.kwargs
        return args, kwargs

    def _static_positions_for(self, args):
        positions = set()
        for i in self._static_positions:
            j = i + len(args) if i < 0 else i
            if 0 <= j < len(args):
                positions.add(j)
        return positions

    # -- calling ----------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if config.disable_jit:
            return self.fun(*args, **kwargs)
        if current_trace() is not None:  # under another transform: a call of the IR
            return self._call_traced(args, kwargs)
        if kwargs or self._static_positions:
            args, kwargs = self._canonical(args, kwargs)
            dynamic, statics = self._split(args, kwargs)
        else:  # the common case: all positional, nothing static (leaf order is the same)
            dynamic, statics = args, ()
        leaves = self._plan.flatten(dynamic) if self._plan is not None else None
        if leaves is None:  # another structure than the last call's
            leaves, treedef = tree_util.tree_flatten(dynamic)
            self._plan = self._plans.get(treedef)
            if self._plan is None and len(self._plans) < 16:
                self._plan = self._plans[treedef] = tree_util.plan_for(treedef)
        else:
            treedef = self._plan.treedef  # the same object every call: the key compares by identity
        key = [treedef, statics, config.debug_nans, config.jit_boundscheck, config.jit_outline]
        arrays = leaves
        for i, x in enumerate(leaves):
            if type(x) is not np.ndarray:
                if isinstance(x, Tracer):  # under another transform: a call of the IR
                    return self._call_traced(args, kwargs)
                if type(x) in (int, float, bool):
                    key.append("weak")  # Python scalars promote weakly: another program
                x = arrays[i] = np.asarray(x)
            if not (x.flags.c_contiguous and x.dtype.isnative):
                x = arrays[i] = np.ascontiguousarray(x, dtype=x.dtype.newbyteorder("="))
            key.append(x.shape)
            key.append(x.dtype.char)
            if x.dtype.char == "e":  # numba has no float16: generated code holds it in float32
                arrays[i] = x.astype(np.float32)
        key = tuple(key)
        compiled = self._cache.get(key)
        if compiled is None:
            compiled = self._cache[key] = self._compile(args, kwargs, arrays)
            while len(self._cache) > config.jit_cache_size:  # least recently used first
                _release(self._cache.pop(next(iter(self._cache))))
        elif len(self._cache) > 1:
            self._cache.move_to_end(key)
        if not compiled.verified:
            if compiled.pending is not None and not compiled.pending.done():
                return compiled.unflatten(_interpreted(compiled, arrays))
            return compiled.unflatten(_first_call(compiled, arrays))
        if compiled.trial is not None:  # outlined: timed until promotion is decided
            return compiled.unflatten(self._trial_call(key, compiled, arrays))
        outs = compiled.kernel(*arrays, *compiled.consts)
        return compiled.unflatten(_outputs(compiled, outs))

    def _trial_call(self, key, compiled, arrays):
        """Call an outlined program while its promotion is decided (see ``PROMOTION_CALLS``)."""
        rival = compiled.successor
        if rival is not None and rival.pending.done():  # the one-function form, on trial
            if rival.pending.compiled < rival.pending.total:  # its worker failed: never compile
                compiled.trial = compiled.successor = None  # it here, in the middle of a run
                return _outputs(compiled, compiled.kernel(*arrays, *compiled.consts))
            if not rival.verified:
                return _first_call(rival, arrays)
            start = time.perf_counter()
            outs = rival.kernel(*arrays, *rival.consts)
            compiled.rival_times.append(time.perf_counter() - start)
            if len(compiled.rival_times) >= PROMOTION_CALLS:
                if statistics.median(compiled.rival_times) < statistics.median(compiled.trial):
                    self._cache[key] = rival  # faster: switched to for good
                compiled.trial = compiled.successor = None
            return _outputs(rival, outs)
        start = time.perf_counter()
        outs = compiled.kernel(*arrays, *compiled.consts)
        if len(compiled.trial) < PROMOTION_CALLS:
            compiled.trial.append(time.perf_counter() - start)
            if len(compiled.trial) == PROMOTION_CALLS:
                overhead = KERNEL_CALL_SECONDS * compiled.kernel_calls
                if overhead > PROMOTION_SHARE * statistics.median(compiled.trial):
                    compiled.successor = _compile_prepared(compiled.lowered.ir, compiled.out_tree,
                                                           self.fastmath, False, background=True)
                else:
                    compiled.trial = None
        return _outputs(compiled, outs)

    def _split(self, args, kwargs):
        """(dynamic pytree, hashable statics) of a call."""
        static_pos = self._static_positions_for(args)
        statics = []
        for i in sorted(static_pos):
            try:
                hash(args[i])
            except TypeError:
                raise ValueError(f"jit: static argument {self._param_label(i)} must be hashable (it keys the "
                                 f"compilation cache), got {type(args[i]).__name__}; pass it as a "
                                 "tuple, or make it a regular (traced) argument") from None
            statics.append((i, args[i]))
        dyn_kwargs = {}
        for k in sorted(kwargs):
            if k in self._static_names:
                try:
                    hash(kwargs[k])
                except TypeError:
                    raise ValueError(f"jit: static argument {k!r} must be hashable, got "
                                     f"{type(kwargs[k]).__name__}") from None
                statics.append((k, kwargs[k]))
            else:
                dyn_kwargs[k] = kwargs[k]
        dynamic = ([a for i, a in enumerate(args) if i not in static_pos], dyn_kwargs)
        return dynamic, tuple(statics)

    def _call_traced(self, args, kwargs):
        """Under another transform (grad, vmap, jvp, an outer jit): trace ``fun`` on its own
        and bind one ``jit_call`` of that program, so the transform rewrites the program
        and the result is compiled, not run op by op."""
        args, kwargs = self._canonical(args, kwargs)
        ir, out_tree = self._trace(args, kwargs)
        dynamic, _ = self._split(args, kwargs)
        leaves = tree_util.tree_leaves(dynamic)
        outs = bind(jit_call_p, *leaves, call_ir=simplify(ir), name=getattr(self.fun, "__name__", "fun"))
        return tree_util.tree_unflatten(out_tree, outs)

    # -- compiling --------------------------------------------------------------------
    def _trace(self, args, kwargs):
        static_pos = self._static_positions_for(args)
        kw_static = {k: v for k, v in kwargs.items() if k in self._static_names}
        kw_names = sorted(k for k in kwargs if k not in self._static_names)
        info = {}

        def flat_fun(positional, kw_dynamic):
            full = iter(positional)
            call_args = [args[i] if i in static_pos else next(full) for i in range(len(args))]
            out = self.fun(*call_args, **kw_static, **kw_dynamic)
            leaves, info["out_tree"] = tree_util.tree_flatten(out)
            return leaves

        check_arguments("jit", args, static_pos)
        check_arguments("jit (keyword arguments)", ({k: kwargs[k] for k in kw_names},))
        dynamic = ([a for i, a in enumerate(args) if i not in static_pos],
                   {k: kwargs[k] for k in kw_names})
        ir, _, _ = trace_to_ir(flat_fun, dynamic, name="jit")
        return ir, info["out_tree"]

    def _compile(self, args, kwargs, arrays):
        ir, out_tree = self._trace(args, kwargs)
        return compile_ir(ir, out_tree, self.fastmath, self._background())

    def _background(self):
        return config.jit_background if self.background is None else self.background

    def lower(self, *args, **kwargs):
        """Trace and generate code for these arguments: ``.source`` and ``.ir``.

        >>> import funcdl as fd, funcdl.numpy as fnp, numpy as np
        >>> source = fd.jit(lambda x: fnp.sin(x) * 2.0).lower(np.ones(3, np.float32)).source
        >>> "np.sin(" in source and "np.float32(2.0)" in source
        True
        """
        ir, _ = self._trace(*self._canonical(args, kwargs))
        ir = _prepare_ir(ir)
        source = generate_source(ir, nan_checks=config.debug_nans)
        name, path, text = _source_file(source, self.fastmath and not config.debug_nans)
        return Lowered(ir, text, path)

    def clear_cache(self):
        """Release the in-memory specialisations and their compiled code (the disk cache
        stays, so a later call loads it again)."""
        while self._cache:
            _release(self._cache.popitem()[1])


def compile_ir(ir, out_tree=None, fastmath=False, background=False):
    """Generate, write and load the kernel of ``ir`` (its first call compiles or loads
    numba's cache, see :func:`_first_call`): one numba function, or with ``jit_outline``
    a Python driver calling shared kernels. Kernels not in the cache yet are compiled by
    worker processes: in parallel now, or in the ``background``."""
    return _compile_prepared(_prepare_ir(ir), out_tree, fastmath, config.jit_outline, background)


def _compile_prepared(ir, out_tree, fastmath, outline, background=False):
    nan_checks = config.debug_nans
    fastmath = fastmath and not nan_checks
    if outline:
        kernel, modules, env, text, driver, signatures = _outlined(ir, fastmath, nan_checks)
        lowered = Lowered(ir, text, None, driver)
    else:
        name, path, text = _source_file(generate_source(ir, nan_checks=nan_checks), fastmath)
        modules, env = [_Module(name, path, text, "kernel")], None
        kernel, lowered = modules[0].fn, Lowered(ir, text, path)
        signatures = {"kernel": {tuple(compile_workers.type_spec(v.aval.dtype, len(v.aval.shape), scalar=False)
                                       for v in ir.in_vars + ir.const_vars)}}
    out_casts = [(i, v.aval.dtype) for i, v in enumerate(ir.out_vars)
                 if not v.aval.shape or v.aval.dtype == np.float16]
    # copies: the program sees the values its constants had when it was traced (as in JAX)
    consts = [np.array(c, order="C", dtype=np.float32 if np.result_type(c) == np.float16 else None)
              for c in ir.consts]
    if out_tree is None:
        out_tree = tree_util.tree_structure([0] * len(ir.out_vars))
    compiled = _Compiled(kernel, consts, out_tree, out_casts, lowered, modules, env)
    jobs = _compile_jobs(modules, signatures)
    if background:
        compiled.pending = compile_workers.submit(jobs, waiting=False)
    elif len(jobs) > 1 and config.jit_compile_workers > 0:
        compile_workers.run(jobs)
    return compiled


def _compile_jobs(modules, signatures):
    """Worker jobs for the modules that are neither compiled in this process nor in
    numba's disk cache (and whose argument types are known)."""
    jobs = []
    for m in modules:
        if m.fn.signatures or not signatures.get(m.attr):
            continue
        if not disk_cache.has_numba_files(disk_cache.numba_cache_folder(m.fn, m.path), m.name):
            jobs.append(compile_workers.job(m, signatures[m.attr]))
    return jobs


def _interpreted(compiled, arrays):
    """The program's outputs computed by the IR interpreter (numpy), while it compiles."""
    ir = compiled.lowered.ir
    return eval_ir(ir, [x.astype(a.dtype, copy=False) for x, a in zip(arrays, ir.in_avals)])


def _outlined(ir, fastmath, nan_checks):
    """(driver, kernel modules, the driver's globals, full text, driver text, the argument
    types of each kernel's calls) of ``ir`` outlined."""
    driver, kernels, value_types = generate_outlined(ir, nan_checks=nan_checks)
    env, modules, texts = {"np": np}, [], []
    for kernel, header in kernels:
        module = _Module(*_kernel_file(kernel, header, fastmath), kernel.name)
        env[kernel.name] = module.fn
        modules.append(module)
        texts.append(module.text)
    exec(compile(driver, "<funcdl driver>", "exec"), env)  # noqa: S102 - our generated text
    signatures = compile_workers.call_signatures(driver, value_types)
    return env["kernel"], modules, env, "\n\n".join(texts + [driver]), driver, signatures


def _first_call(compiled, arrays):
    """The first call loads numba's disk cache (or compiles). Every cache file is checked
    against the manifest first (unlisted or damaged ones are deleted: nothing foreign is
    unpickled); a cache entry that still fails to load is dropped and recompiled."""
    folders = [(m, disk_cache.numba_cache_folder(m.fn, m.path)) for m in compiled.modules]
    for m, folder in folders:
        disk_cache.verify_numba_files(folder, m.name)
    try:
        outs = compiled.kernel(*arrays, *compiled.consts)
    except Exception:
        stale = [(m, f) for m, f in folders if not m.fn.signatures]
        if not stale:  # everything ran: a genuine error of the program
            raise
        for m, folder in stale:
            disk_cache.drop_numba_files(folder, m.name)
            m.reload()
        compiled.relink()
        outs = compiled.kernel(*arrays, *compiled.consts)
    for m, folder in folders:
        disk_cache.record_numba_files(folder, m.name)
    compiled.verified = True
    return _outputs(compiled, outs)


def _outputs(compiled, outs):
    """The kernel's outputs as numpy values (numba returns Python scalars for 0-d results,
    and float16 as float32)."""
    if not compiled.out_casts:
        return outs
    outs = list(outs)
    for i, d in compiled.out_casts:
        outs[i] = d.type(outs[i]) if np.ndim(outs[i]) == 0 else outs[i].astype(d)
    return outs


def _kernel_args(values):
    """Arguments as the kernel takes them: native-order C-contiguous arrays, float16 as float32."""
    arrays = []
    for x in values:
        x = np.asarray(x)
        if not (x.flags.c_contiguous and x.dtype.isnative):  # (ascontiguousarray makes 0-d 1-d)
            x = np.array(x, order="C", dtype=x.dtype.newbyteorder("="))
        arrays.append(x.astype(np.float32) if x.dtype == np.float16 else x)
    return arrays


# ----------------------------------------------------------------------------------------
# jit_call: jit as a call primitive of the IR
# ----------------------------------------------------------------------------------------

_PROGRAMS = collections.OrderedDict()  # (program, flags) -> its compiled kernel


def _call_impl(*args, call_ir, name):
    key = (call_ir, config.debug_nans, config.jit_boundscheck, config.jit_outline)
    compiled = _PROGRAMS.get(key)
    if compiled is None:
        compiled = _PROGRAMS[key] = compile_ir(call_ir)
        while len(_PROGRAMS) > 4 * config.jit_cache_size:
            _release(_PROGRAMS.pop(next(iter(_PROGRAMS))))
    arrays = _kernel_args(args)
    if not compiled.verified:
        return _first_call(compiled, arrays)
    return _outputs(compiled, compiled.kernel(*arrays, *compiled.consts))


def _call_shape_rule(*avals, call_ir, name):
    if list(avals) != call_ir.in_avals:
        raise TypeError(f"jit_call {name}: operands {list(avals)} do not match the program's "
                        f"inputs {call_ir.in_avals}")
    return call_ir.out_avals


jit_call_p = Primitive("jit_call", _call_impl, _call_shape_rule, multiple_results=True)
jit_call_p.lower = Absent("inlined into the enclosing program before code generation")


def _floats(avals):
    return [i for i, a in enumerate(avals) if a.dtype.kind == "f"]


def _float_part(call_ir, primals):
    """``call_ir`` as a function of its float inputs only (the others fixed to ``primals``),
    returning its float outputs only: the part that has derivatives."""
    ins, outs = _floats(call_ir.in_avals), _floats(call_ir.out_avals)

    def f(*xs):
        full = list(primals)
        for i, x in zip(ins, xs):
            full[i] = x
        out = eval_ir(call_ir, full)
        return [out[i] for i in outs]
    return f, [primals[i] for i in ins]


@functools.lru_cache(maxsize=256)
def _jvp_program(call_ir):
    """``(primals, tangents of the float inputs) -> tangents of the float outputs``."""
    n, ins = len(call_ir.in_vars), _floats(call_ir.in_avals)

    def program(*args):
        f, float_primals = _float_part(call_ir, args[:n])
        return jvp(f, float_primals, list(args[n:]))[1]
    return make_ir(program)(*call_ir.in_avals, *[call_ir.in_avals[i] for i in ins])


@functools.lru_cache(maxsize=256)
def _vjp_program(call_ir):
    """``(primals, cotangents of the float outputs) -> cotangents of the float inputs``."""
    n, outs = len(call_ir.in_vars), _floats(call_ir.out_avals)

    def program(*args):
        f, float_primals = _float_part(call_ir, args[:n])
        return list(vjp(f, *float_primals)[1](list(args[n:])))
    return make_ir(program)(*call_ir.in_avals, *[call_ir.out_avals[i] for i in outs])


@functools.lru_cache(maxsize=256)
def _batched_program(call_ir, dims, size, axis_name=None):
    """``call_ir`` over a batch: inputs with ``dims[i] == 0`` carry a leading batch axis.
    ``axis_name``: the name of the vmap being batched, which resolves the program's
    collectives over it (None: an anonymous vmap)."""
    avals = [Aval((size,) + a.shape, a.dtype) if d == 0 else a for a, d in zip(call_ir.in_avals, dims)]
    return make_ir(vmap(lambda *xs: eval_ir(call_ir, xs), in_axes=list(dims), axis_size=size,
                        axis_name=axis_name))(*avals)


def _call_jvp(tangents, primals, out, *, call_ir, name):
    ins, outs = _floats(call_ir.in_avals), _floats(call_ir.out_avals)
    if not outs or all(tangents[i] is None for i in ins):
        return [None] * len(out)
    ts = [tangents[i] if tangents[i] is not None else np.zeros(aval_of(primals[i]).shape,
                                                                 aval_of(primals[i]).dtype) for i in ins]
    t_out = iter(bind(jit_call_p, *primals, *ts, call_ir=_jvp_program(call_ir), name=f"jvp({name})"))
    return [next(t_out) if i in outs else None for i in range(len(out))]


def _call_vjp(gs, *primals, out, call_ir, name):
    ins, outs = _floats(call_ir.in_avals), _floats(call_ir.out_avals)
    if not ins or all(gs[i] is None for i in outs):
        return [None] * len(primals)
    cts = [gs[i] if gs[i] is not None else np.zeros(aval_of(out[i]).shape, aval_of(out[i]).dtype)
           for i in outs]
    in_cts = iter(bind(jit_call_p, *primals, *cts, call_ir=_vjp_program(call_ir), name=f"vjp({name})"))
    return [next(in_cts) if i in ins else None for i in range(len(primals))]


def _call_batch(args, dims, size, *, call_ir, name):
    args = [a if d in (None, 0) else move_axis(a, d, 0) for a, d in zip(args, dims)]
    dims = tuple(None if d is None else 0 for d in dims)
    axis_name = current_batching_axis()[0]
    if axis_name not in ir_axis_names(call_ir):
        axis_name = None  # (one cached program for every vmap that does not name its collectives)
    outs = bind(jit_call_p, *args, call_ir=_batched_program(call_ir, dims, size, axis_name),
                name=f"vmap({name})")
    return outs, [0] * len(outs)


jit_call_p.jvp, jit_call_p.vjp, jit_call_p.batch = _call_jvp, _call_vjp, _call_batch


def _release(compiled):
    """Drop the generated module of ``compiled`` so that its code can be freed (a function
    still holding the kernel keeps it alive; a later load re-executes the module)."""
    if compiled.driver_env is not None:
        return  # outlined kernels are shared by every program that has them
    name = compiled.modules[0].name
    module = sys.modules.get(name)
    if module is not None and getattr(module, "kernel", None) is compiled.kernel:
        del sys.modules[name]


def _donated(donate_argnums, static_argnums):
    """Validated ``donate_argnums``. Donation lets a compiled program reuse an argument's
    buffer (JAX's contract: the caller must not use a donated array again); funcdl's kernels
    allocate their outputs and never reuse it, which the contract allows, so code written
    for JAX runs unchanged."""
    donated = (donate_argnums,) if isinstance(donate_argnums, int) else tuple(donate_argnums)
    if not all(isinstance(i, int) for i in donated):
        raise TypeError(f"jit: donate_argnums must be ints, got {donate_argnums!r}")
    both = sorted(set(donated) & set(static_argnums))
    if both:
        raise ValueError(f"jit: arguments {both} are in both static_argnums and donate_argnums; "
                         "a static argument is not a buffer and cannot be donated")
    return donated


def _signature(fun):
    try:
        return inspect.signature(fun)
    except (TypeError, ValueError):
        return None


def jit(fun=None, static_argnums=(), static_argnames=(), *, donate_argnums=(), fastmath=False,
        background=None):
    """Compile ``fun`` with numba; specialise on argument structure, shapes, dtypes and
    static arguments. Usable as ``@jit`` or ``jit(f, static_argnums=...)``.
    ``donate_argnums`` is accepted for JAX code; no buffer is reused (see ``_donated``).
    ``background=True`` (default: the ``jit_background`` flag) runs calls on the IR
    interpreter until worker processes have compiled the program.

    >>> import funcdl as fd, funcdl.numpy as fnp, numpy as np
    >>> f = fd.jit(lambda x, y: fnp.sum(x * y))
    >>> float(f(np.arange(3.0), np.ones(3)))
    3.0
    """
    if fun is None:
        return functools.partial(jit, static_argnums=static_argnums, static_argnames=static_argnames,
                                 donate_argnums=donate_argnums, fastmath=fastmath, background=background)
    return JittedFunction(fun, static_argnums, static_argnames, donate_argnums, fastmath, background)

