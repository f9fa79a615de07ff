"""Small file helpers shared by checkpoints, data downloads and the compile cache."""
import contextlib
import os


@contextlib.contextmanager
def removed_on_failure(tmp):
    """Delete the temporary file ``tmp`` if the block raises (anything, Ctrl-C included), so a
    failed atomic write leaves nothing behind; the exception propagates.

    >>> import tempfile
    >>> tmp = tempfile.mkstemp()[1]
    >>> try:
    ...     with removed_on_failure(tmp):
    ...         raise OSError("disk full")
    ... except OSError:
    ...     pass
    >>> os.path.exists(tmp)
    False
    """
    try:
        yield
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
