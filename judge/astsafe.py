"""Building Python ASTs from several threads, on CPython 3.11.

3.11 (before 3.11.9) can fail with ``SystemError: AST constructor recursion
depth mismatch`` when two threads build AST objects at once (gh-106905): the
depth counter is per interpreter, not per thread. Judging runs in threads
(verify -j, batch -j, the server's workers), and more than our own parses
build ASTs: ``np.load`` reads each ``.npy`` header with ``ast.literal_eval``,
3.11's traceback formatting parses source lines. So every AST-building call
of the judge goes through :func:`call`: one lock, and a call that still hits
the race (a thread outside the lock) is tried again.
"""
from __future__ import annotations

import threading

LOCK = threading.Lock()
TRIES = 5


def call(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` under the AST lock, retried on the 3.11 race."""
    for attempt in range(TRIES):
        try:
            with LOCK:
                return fn(*args, **kwargs)
        except SystemError as exc:
            if "recursion depth mismatch" not in str(exc) or attempt == TRIES - 1:
                raise
    raise AssertionError("unreachable")
