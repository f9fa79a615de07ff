"""Global flags: ``fd.config.update(name, value)``.

>>> import funcdl as fd
>>> fd.config.update("debug_nans", False)
>>> fd.config.debug_nans
False
"""


class Config:
    """The funcdl flags and their current values."""

    _defaults = {"disable_jit": False, "debug_nans": False, "check_ir": False, "jit_boundscheck": False}

    def __init__(self):
        for name, value in self._defaults.items():
            object.__setattr__(self, name, value)

    def update(self, name, value):
        """Set flag ``name`` to ``value``.

        ``disable_jit``: run jitted functions eagerly; ``debug_nans``: raise on the first
        NaN; ``check_ir``: typecheck every IR when it is built (tracing, every transform,
        every simplification pass); ``jit_boundscheck``: generated code checks every array
        index (an out-of-range read raises IndexError instead of returning garbage).
        """
        if name not in self._defaults:
            raise ValueError(f"config.update: unknown flag {name!r}; known flags: {sorted(self._defaults)}")
        object.__setattr__(self, name, bool(value))

    def __setattr__(self, name, value):
        raise AttributeError("use fd.config.update(name, value) to change a flag")

    def __repr__(self):
        flags = ", ".join(f"{n}={getattr(self, n)}" for n in self._defaults)
        return f"Config({flags})"


config = Config()
