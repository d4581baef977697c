"""Sandbox backends: docker (default when an engine answers) and local (fallback)."""
from __future__ import annotations

import sys

from ..errors import InternalError, UsageError
from .base import Backend

BACKENDS = ("docker", "local")


def get_backend(name: str | None = None, warn=None, warm: str | bool | None = None) -> Backend:
    """The named backend, or docker when it is usable and local otherwise (with a warning).

    ``warm``: docker runs use pre-started containers (sandbox/warm/); None takes it from
    the environment (``MLJUDGE_WARM=1|linger``, off with ``MLJUDGE_COLD=1``)."""
    warn = warn or (lambda msg: print(f"warning: {msg}", file=sys.stderr))
    if name == "local-unsafe":  # what a result judged with --unsafe-local names; needs the flag again
        name = "local"
    if name not in (None, *BACKENDS):
        raise UsageError(f"unknown backend {name!r} (choose from {', '.join(BACKENDS)})")
    if name in (None, "docker"):
        try:
            from .docker import DockerBackend
        except ImportError as exc:  # the SDK is missing
            reason = f"docker backend unavailable: {exc}"
        else:
            if warm is None:
                from .warm import enabled

                warm = enabled()
            backend = DockerBackend(warm=warm or False)
            reason = backend.available()
            if reason is None:
                return backend
        if name == "docker":
            raise InternalError(reason)
        warn(f"{reason}; using the local backend, which is weaker (see docs/threat-model.md)")
    from .local import LocalBackend

    backend = LocalBackend()
    reason = backend.available()
    if reason is not None:
        raise InternalError(reason)
    if not backend.sandboxed:
        warn(f"{backend.no_sandbox}: running with rlimits only (--unsafe-local); the job can read "
             f"and write what the judge's user can")
    return backend
