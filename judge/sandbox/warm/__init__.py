"""Warm sandboxes: containers started before the submission arrives (SOCK-style).

A warm container is created exactly like the cold one of the same job
(docker.py ``_prepare``: same image, user, limits, read-only root, no network,
capabilities dropped, pids, tmpfs, ulimits, log cap) except for three things:

- its command is the waiter (``mljudge_harness.warm``), which imports the
  runtime's framework, pytest and the harness plugin, then waits;
- instead of the job's read-only mounts it has one empty per-container host
  folder, ``<dir>/sandbox`` (root-owned), mounted read-only at ``/sandbox``,
  and ``<dir>/out`` mounted writable at ``/sandbox/out`` as a cold run's
  output folder is;
- it starts at the lowest CPU weight (``cpu_shares=2``), so warming up never
  takes CPU from a running job; the weight is restored at hand-over.

Hand-over: the judge claims a ready container (an atomic ``mkdir`` of
``<dir>/claimed``, so two judge processes never share one), copies the job's
folders into ``<dir>/sandbox/<role>`` as read-only files, writes
``<dir>/sandbox/job.json`` last (the go signal) and supervises the run from
that moment (the wall clock counts from the go) exactly as a cold run. Outputs
are moved to the job's output folder; the container is removed and its folder
deleted: one job per container. Nothing of one job is in another's container.

The pool key is everything the container was created with (image, runtime,
limits, env, user, packages): a warm container is only used by a job whose cold
container would have been identical, so the problem's own limits always apply.

Refill (``WarmPool``, one per process): a background thread keeps up to
``target()`` ready containers for each key a job asked for, one warming at a
time, only while fewer jobs than CPUs run and the host's available memory
holds the new container's memory limit on top of the running jobs' limits.
``close()`` (also at exit) removes what the pool made. With ``linger``
(``judge submit``: one command, one job) nothing refills in the process; at
exit a detached ``python -m judge.sandbox.warm refill`` removes the used
container and leaves one ready container per key for the next command. Idle
containers end themselves after ``MLJUDGE_WARM_IDLE`` seconds (default 900); one
within a minute of that end is not counted as ready and the refill removes it.
At the cap over all keys, a key with none ready takes the place of the oldest
ready container of a key used less lately (``evict_oldest``).

Switches: ``MLJUDGE_COLD=1`` (or ``--cold``) turns warm runs off;
``MLJUDGE_WARM_SIZE`` caps ready containers per key (default CPUs / the job's CPUs),
``MLJUDGE_WARM_TOTAL`` over all keys (default 2 x CPUs); ``MLJUDGE_WARM_DIR`` is
where the per-container folders live.
"""
from .pool import WarmPool, _pools, close_all, pool_for
from .slots import (
           base_dir,
           claim,
           count,
           create,
           discard,
           enabled,
           spec_of,
           sweep,
           wait_ready,
)

__all__ = ["WarmPool", "_pools", "base_dir", "claim", "close_all", "count", "create", "discard", "enabled",
           "pool_for", "spec_of", "sweep", "wait_ready"]
