"""Entry point inside the sandbox: ``python -m mljudge_harness.run ...``.

Runs pytest on a test folder with the harness plugin and the per-test timeout.
Everything the judge needs is written by the plugin into ``--out``.
"""
from __future__ import annotations

import argparse
import os
import sys


def build_args(ns) -> list[str]:
    here = os.path.dirname(os.path.abspath(__file__))
    own_ini = os.path.join(ns.tests, "pytest.ini")
    ini = own_ini if os.path.exists(own_ini) else os.path.join(here, "pytest.ini")
    args = [
        ns.tests,
        "-p", f"{__package__}.plugin",
        "-c", ini,
        "--rootdir", ns.tests,
        "--confcutdir", ns.tests,
        "-p", "no:cacheprovider",
        "-p", "pytest_timeout",
        "-q", "--no-header", "-rN", "--color=no",
        "--judge-out", ns.out,
        "--judge-seed", str(ns.seed),
        "--judge-module", ns.module,
        "--judge-submission", ns.submission,
    ]
    if ns.forbidden_ops:
        args += ["--judge-forbidden-ops", ns.forbidden_ops]
    if ns.forbidden_modules:
        args += ["--judge-forbidden-modules", ns.forbidden_modules]
    if ns.test_timeout > 0:
        args += ["--timeout", str(ns.test_timeout), "--timeout-method", "signal"]
    if ns.select:
        args += ["-k", ns.select]
    if ns.maxfail > 0:
        args += ["--maxfail", str(ns.maxfail)]
    if ns.stop_at_timeout:
        args += ["--judge-stop-at-timeout"]
    return args


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="mljudge_harness.run")
    p.add_argument("--tests", required=True)
    p.add_argument("--submission", required=True)
    p.add_argument("--module", default="solution")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--test-timeout", type=float, default=0)
    p.add_argument("--select", default=None)
    p.add_argument("--maxfail", type=int, default=0,
                   help="stop after this many failed tests (0: run them all); the tests not run are reported as such")
    p.add_argument("--stop-at-timeout", action="store_true",
                   help="stop after the first test that hits the per-test limit; the rest are not run")
    p.add_argument("--forbidden-ops", default=None, help="JSON {call: [op, ...]} to record (torch)")
    p.add_argument("--forbidden-modules", default=None, help="JSON [package, ...] to report if imported")
    ns = p.parse_args(argv)
    sys.dont_write_bytecode = True
    # The same plugins in every runtime: only ours and pytest-timeout, never whatever
    # else the host (local backend) has installed.
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    os.makedirs(ns.out, exist_ok=True)
    import pytest

    code = int(pytest.main(build_args(ns)))
    _write_imports(ns.out)
    return code


def _write_imports(out: str) -> None:
    """Which optional modules the suite imported (warm.OPTIONAL): the judge preloads them in the
    next warm sandbox of the same kind. Written last; the job may have filled the folder."""
    import json

    from .warm import imported

    try:
        with open(os.path.join(out, "imports.json"), "w", encoding="utf-8") as fh:
            json.dump(imported(), fh)
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main())
