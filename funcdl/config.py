"""Global flags: ``fd.config.update(name, value)``.

>>> import funcdl as fd
>>> fd.config.update("debug_nans", False)
>>> fd.config.debug_nans
False
"""


class Config:
    """The funcdl flags and their current values."""

    _defaults = {"disable_jit": False, "debug_nans": False, "check_ir": False, "jit_boundscheck": False,
                 "jit_cache_size": 64, "jit_outline": True, "jit_background": False,
                 "jit_compile_workers": 1, "distributed_check_every": 0}
    _minimum = {"jit_compile_workers": 0, "distributed_check_every": 0}

    def __init__(self):
        for name, value in self._defaults.items():
            object.__setattr__(self, name, value)

    def update(self, name, value):
        """Set flag ``name`` to ``value``.

        ``disable_jit``: run jitted functions eagerly; ``debug_nans``: raise on the first
        NaN; ``check_ir``: typecheck every IR when it is built (tracing, every transform,
        every simplification pass); ``jit_boundscheck``: generated code checks every array
        index (an out-of-range read raises IndexError instead of returning garbage);
        ``jit_cache_size``: how many specialisations (argument shapes, dtypes, ...) each jitted
        function keeps in memory; the least recently used one is released beyond that;
        ``jit_outline``: compile a program as a Python driver calling shared, shape-agnostic
        numba kernels (one per loop nest; compiled once for every program that has the
        same loop) instead of one numba function; ``jit_background``: a call that needs
        compiling runs at once on the IR interpreter while worker processes compile, and
        later calls switch to the compiled code when it is ready (results then agree to float
        tolerance, not bit for bit; ``jit(f, background=...)`` sets it per function);
        ``jit_compile_workers``: how many worker processes compile the kernels of a new
        program, in parallel with the caller (0: the caller compiles them alone);
        ``distributed_check_every``: every K-th ``distributed.data_parallel`` call (and
        ``train.fit(distributed=True)`` step) checks that the params are bitwise identical on
        every process (0: never).
        """
        if name not in self._defaults:
            raise ValueError(f"config.update: unknown flag {name!r}; known flags: {sorted(self._defaults)}")
        default = self._defaults[name]
        if type(default) is int:
            low = self._minimum.get(name, 1)
            if isinstance(value, bool) or int(value) != value or value < low:
                raise ValueError(f"config.update: {name} must be an integer >= {low}, got {value!r}")
            value = int(value)
        object.__setattr__(self, name, bool(value) if type(default) is bool else value)

    def __setattr__(self, name, value):
        raise AttributeError("use fd.config.update(name, value) to change a flag")

    def __repr__(self):
        flags = ", ".join(f"{n}={getattr(self, n)}" for n in self._defaults)
        return f"Config({flags})"


config = Config()
