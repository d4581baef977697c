"""The resident judge: a judge process started ahead, so `judge submit` pays neither for
importing the judge (pydantic, SQLAlchemy, NumPy, the Docker SDK: about 0.9 s of a
command) nor for a detached refill of warm sandboxes after every command.

- ``python -m judge.resident`` (``judge resident start``; ``judge submit`` also starts one,
  detached, after it judged with warm sandboxes, unless ``MLJUDGE_RESIDENT=0``) listens on
  ``JUDGE_HOME/run/resident.sock``: folder 0700, socket 0600, a peer of another uid is
  refused. It judges with the docker backend and its own warm pool, refilled in the
  background while it waits, and stores results in JUDGE_HOME's store as the command would.
- ``judge submit`` (judged here, docker backend, not ``--cold``) sends its call there when a
  resident judge answers with the same code (the judge package's files) and the same judge
  environment (``MLJUDGE_*``, ``JUDGE_*``, ``DOCKER_*`` variables). Otherwise it judges in
  its own process exactly as before; code that changed also replaces the resident judge.
  The command still renders the result itself: same output, same exit code.
- It ends after ``MLJUDGE_RESIDENT_IDLE`` seconds without a request (default 900, as an idle
  warm sandbox), on ``judge resident stop`` or SIGTERM, removing the warm sandboxes it made.

``protocol`` is all the submitting command imports (standard library only).
"""
