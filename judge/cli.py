"""The ``judge`` command: a thin layer over judge.service, judge.verify and friends.

Exit codes (DESIGN.md): 0 judged or verified; 1 verification found a problem;
2 usage error or bad input; 3 the judge could not judge.
"""
from __future__ import annotations

import json
import sys
from functools import wraps

import click

from . import __version__, i18n
from .client.commands import SERVER, login_cmd, logout_cmd, print_result, remote, spinner_status, status_cmd, unpack
from .errors import JudgeError
from .server.commands import invite as invite_cmd
from .resident.commands import resident as resident_group
from .server.commands import serve as serve_cmd
from .server.commands import token as token_group
from .verdict import ORDER as VERDICTS

BACKEND = click.Choice(["docker", "local"])
SAMPLE_VERDICTS = [v for v in VERDICTS if v != "internal_error"]  # a sample folder's names


class _Lazy:
    """A module imported on first use: ``judge --version`` and the light commands stay light."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr):
        import importlib

        return getattr(importlib.import_module(self._name, __package__), attr)


problems = _Lazy(".problem")
service = _Lazy(".service")


def _set_cold(ctx, param, value):
    import os

    if value:
        os.environ["MLJUDGE_COLD"] = "1"  # read by judge.sandbox.warm
    return value


COLD = click.option(
    "--cold", is_flag=True, expose_value=False, callback=_set_cold,
    help="start a fresh sandbox for each run instead of a pre-started one (also MLJUDGE_COLD=1)")


def _set_unsafe_local(ctx, param, value):
    if value:
        import os

        os.environ["MLJUDGE_UNSAFE_LOCAL"] = "1"  # read by judge.sandbox.local
    return value


UNSAFE_LOCAL = click.option(
    "--unsafe-local", is_flag=True, expose_value=False, callback=_set_unsafe_local,
    help="let the local backend run without its bubblewrap sandbox (rlimits only) where the host "
         "cannot create namespaces")


def _fail(message: str, code: int):
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def handled(fn):
    """Turn judge errors into one-line messages and exit codes; never a traceback."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except JudgeError as exc:
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", 3)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # a bug in the judge: still one line, and the right code
            _fail(f"internal error: {type(exc).__name__}: {exc}", 3)

    return wrapper


AUDIENCE = click.option("--audience", type=click.Choice(["interviewer", "candidate"]), default="interviewer",
                        show_default=True, help="who reads the output (candidate: no hidden details)")


LANG = click.option("--lang", type=click.Choice(i18n.LANGS), default=None,
                    help="language of what a candidate reads (default: the locale's, from LC_ALL, LC_MESSAGES, LANG)")


def _emit_result(doc: dict, as_json: bool, audience: str = "interviewer", lang: str | None = None) -> None:
    _ = i18n.translator(lang)
    if as_json:
        from .report.audience import for_candidate

        click.echo(json.dumps(doc if audience == "interviewer" else for_candidate(doc, _), indent=2,
                              ensure_ascii=False))
    else:
        from .report.terminal import render

        render(doc, audience=audience, _=_)
    if doc["verdict"] == "internal_error":
        sys.exit(3)


@click.group()
@click.version_option(version=__version__, package_name="mljudge")
def main():
    """ML Judge: judge machine-learning coding problems in a sandbox."""
    import os
    import signal

    os.environ.setdefault("MLJUDGE_WARM", "1")  # docker runs use warm sandboxes unless MLJUDGE_COLD=1
    # SIGTERM ends the command like Ctrl-C does: through its cleanup (containers removed, idle
    # warm sandboxes too), not in the middle of it. `judge serve` installs its own handlers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


@main.command("list")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@handled
def list_cmd(as_json):
    """Problems with difficulty, framework and tags."""
    root = problems.find_root()
    rows = [problems.load(pid, root) for pid in problems.list_ids(root)]
    if as_json:
        click.echo(json.dumps([{"id": p.id, "title": p.title, "difficulty": p.difficulty,
                                "framework": p.framework, "tags": p.tags} for p in rows], indent=2))
        return
    for p in rows:
        click.echo(f"{p.id:26} {p.difficulty:7} {p.framework:11} {p.title}  [{', '.join(p.tags)}]")


def _no_translation(st: dict) -> None:
    if st["lang"] != st["asked"]:
        _ = i18n.translator(st["asked"])
        click.echo(_("{problem} has no statement in this language yet; here is the English one")
                   .format(problem=st["problem"]), err=True)


@main.command()
@click.argument("problem")
@LANG
@handled
def show(problem, lang):
    """Print a problem's statement."""
    st = service.statement(problem, lang)
    _no_translation(st)
    click.echo(st["text"])


@main.command()
@click.argument("problem")
@click.argument("dest", required=False)
@LANG
@SERVER
@handled
def init(problem, dest, lang, server):
    """Write the statement, starter files and public tests for a candidate (from the server when logged in)."""
    client = remote(server)
    if client is not None:
        asked = i18n.normalize(lang)
        target = unpack(client.pack(problem, lang=asked), problem, dest)
    else:
        st = service.statement(problem, lang)
        _no_translation(st)
        asked = st["asked"]
        target = service.init(problem, dest, lang=asked)
    _ = i18n.translator(asked)
    click.echo(_("wrote {target}/ — edit the starter, then: judge test {problem} {target}")
               .format(target=target, problem=problem))


@main.command()
@click.argument("problem")
@click.argument("path")
@click.option("--backend", type=BACKEND, default="local", show_default=True)
@UNSAFE_LOCAL
@click.option("--json", "as_json", is_flag=True)
@LANG
@handled
def test(problem, path, backend, as_json, lang):
    """Run the public tests on a submission (nothing is stored)."""
    from .report.fields import outcome_label

    _ = i18n.translator(lang)
    res = service.test_public(problem, path, backend)
    if as_json:
        click.echo(json.dumps(res, indent=2))
        return
    if res["import_error"]:
        click.echo(_("your code failed to import: {error}").format(error=res["import_error"]))
    for t in res["tests"]:
        outcome = t["outcome"] if _.lang == "en" else outcome_label(t["outcome"], _)
        click.echo(f"{outcome:8} {t['name']}" + (f"  — {t['message']}" if t["message"] and t["outcome"] != "passed" else ""))
        if t["outcome"] != "passed" and t["details"]:
            click.echo("         " + t["details"][-1500:].replace("\n", "\n         "))
    click.echo(_("{passed}/{total} public tests passed").format(passed=res["passed"], total=res["total"]))


@main.command()
@click.argument("problem")
@click.argument("path")
@click.option("--backend", type=BACKEND, default=None, help="default: docker when an engine answers")
@UNSAFE_LOCAL
@click.option("--seed", type=int, default=None, help="judge on this seed instead of a random variant")
@click.option("--label", default="", help="a name for the submission (candidate, file)")
@click.option("--json", "as_json", is_flag=True, help="print the result document")
@AUDIENCE
@LANG
@SERVER
@click.option("--no-wait", is_flag=True, help="with a server: print the submission id and return")
@COLD
@handled
def submit(problem, path, backend, seed, label, as_json, audience, lang, server, no_wait):
    """Judge a submission (a folder or a single file) on the hidden tests (on the server when logged in)."""
    client = remote(server)
    if client is not None:
        st = client.submit(problem, path, label=label)
        if no_wait:
            click.echo(st["id"])
            return
        click.echo(f"submission {st['id']} received; position {st['position']} in the queue", err=True)
        st = client.wait(st["id"], on_status=spinner_status)
        click.echo("", err=True) if sys.stderr.isatty() else None
        print_result(st, as_json, i18n.normalize(lang))
        return
    import os

    from .resident import client as resident

    doc = resident.submit(problem, path, seed, label) if resident.wanted(backend) else None
    if doc is None:  # no resident judge (or another code or environment): judge here
        if os.environ.get("MLJUDGE_WARM") == "1":
            os.environ["MLJUDGE_WARM"] = "linger"  # one job per command: leave a warm sandbox for the next one
        doc = service.submit(problem, path, backend=backend, seed=seed, label=label)
        if doc.get("backend") == "docker" and os.environ.get("MLJUDGE_WARM") and resident.wanted(backend):
            resident.start()  # for the next command (detached; see judge/resident)
    _emit_result(doc, as_json, audience, lang)


@main.command()
@click.argument("submission_id", type=int)
@click.option("--backend", type=BACKEND, default=None, help="default: the backend it was judged with")
@UNSAFE_LOCAL
@click.option("--json", "as_json", is_flag=True)
@AUDIENCE
@LANG
@handled
def rejudge(submission_id, backend, as_json, audience, lang):
    """Judge a stored submission again, on its stored seed."""
    doc = service.rejudge(submission_id, backend=backend)
    _emit_result(doc, as_json, audience, lang)


@main.command()
@click.argument("submission_id", type=int)
@click.option("--format", "fmt", default="terminal", show_default=True,
              type=click.Choice(["terminal", "json", "md", "html", "junit", "gradescope"]))
@click.option("--audience", type=click.Choice(["interviewer", "candidate"]), default="interviewer",
              show_default=True, help="candidate: no hidden test source, logs or reference-derived numbers")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="write to a file")
@LANG
@SERVER
@handled
def report(submission_id, fmt, audience, output, lang, server):
    """Show the latest result of a stored submission, in a format and for an audience."""
    from . import report as reports
    from .store import Store

    client = remote(server)
    if client is not None:
        if fmt == "terminal" and not output:
            print_result(client.wait(submission_id, timeout=0), as_json=False, lang=i18n.normalize(lang))
            return
        text = client.report(submission_id, fmt, None if audience == "interviewer" else audience,
                             lang=i18n.normalize(lang))
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            click.echo(text, nl=False)
        return

    store = Store()
    doc = service.report(submission_id, store=store)
    sources = reports.stored_sources(store, doc.get("id", submission_id)) if audience == "interviewer" else {}
    if fmt == "terminal" and not output:
        from .report.terminal import render

        render(doc, audience=audience, sources=sources, detail=True, _=i18n.translator(lang))
        return
    text = reports.render(doc, fmt, audience, sources, lang=i18n.normalize(lang))
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("problem")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("-j", "--jobs", type=int, default=2, show_default=True, help="submissions judged at once")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="output folder (default: ./batch-PROBLEM-FOLDER); a rerun with it resumes")
@click.option("--backend", type=BACKEND, default=None, help="default: docker when an engine answers")
@UNSAFE_LOCAL
@click.option("--seed", type=int, default=None, help="default: a variant chosen once and kept in the output folder")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="similarity at which a pair is flagged (default: see docs/reports.md)")
@COLD
@handled
def batch(problem, folder, jobs, out, backend, seed, threshold):
    """Judge every entry of FOLDER (a sub-folder or a .py file each) on one seed; write CSV and HTML."""
    from rich.console import Console

    from . import batch as batches
    from . import similarity
    from .report import index

    result = batches.run(problem, folder, out=out, jobs=jobs, backend=backend, seed=seed,
                         threshold=similarity.THRESHOLD if threshold is None else threshold)
    paths = index.write(result)
    console = Console(width=None if sys.stdout.isatty() else 150)
    console.print(index.summary_table(result))
    for p in result.flagged:
        console.print(f"similar: {p.a} ↔ {p.b} ({p.similarity:.2f})", markup=False, highlight=False)
    console.print(f"{result.count('judged')} judged, {result.count('reused')} already judged (reused), "
                  f"{result.count('failed')} failed, {len(result.flagged)} similar pairs, {result.seconds:.0f}s",
                  highlight=False)
    console.print(f"wrote {paths['index']} and {paths['csv']}", markup=False, highlight=False)


@main.command()
@click.argument("problem_ids", nargs=-1)
@click.option("--backend", type=BACKEND, default=None)
@UNSAFE_LOCAL
@click.option("--seed", type=int, default=None, help="default: the seed of variant 0")
@click.option("-j", "--jobs", type=int, default=1, show_default=True,
              help="sandbox runs at once (0: as many as the CPUs hold for the problem's limits)")
@click.option("--all-variants", is_flag=True, help="judge every sample on every variant (default: variant 0)")
@click.option("--no-samples", is_flag=True, help="skip the sample submissions")
@click.option("--samples", "sample_verdicts", multiple=True, type=click.Choice(SAMPLE_VERDICTS),
              help="judge only the samples expected to get this verdict (repeatable), e.g. "
                   "`--all-variants --samples accepted`")
@click.option("--strict-mutants", is_flag=True, help="a missing mutants.lock is an error, not a warning")
@click.option("--full-timeouts", is_flag=True,
              help="run a sample's remaining tests after one times out (default: stop there; same verdict)")
@click.option("--write-lock", is_flag=True,
              help="after a verification without error that judged every sample, record their verdicts "
                   "in problems/ID/verify.lock")
@click.option("--use-lock", is_flag=True,
              help="do not judge again the samples of a problem whose verify.lock is current (CI); the "
                   "other checks run")
@COLD
@handled
def verify(problem_ids, backend, seed, jobs, all_variants, no_samples, sample_verdicts, strict_mutants,
           full_timeouts, write_lock, use_lock):
    """Check problem packages: reference 100 on every variant (twice, same records), starter 0,
    sample verdicts, mutants.yaml and mutants.lock (and verify.lock with --write-lock / --use-lock)."""
    from .sandbox import get_backend
    from .verify import verify as run_verify

    be = get_backend(backend)
    click.echo(f"verifying with the {be.name} backend")
    rep = run_verify(list(problem_ids), be, seed=seed, jobs=jobs, emit_line=click.echo, all_variants=all_variants,
                     run_samples=not no_samples, strict_mutants=strict_mutants, full_timeouts=full_timeouts,
                     sample_verdicts=list(sample_verdicts) or None, write_lock=write_lock, use_lock=use_lock)
    for pid, secs in rep.seconds.items():
        click.echo(f"time    {pid}: {secs:.1f}s")
    errors = sum(f.level == "error" for f in rep.findings)
    warnings = sum(f.level == "warning" for f in rep.findings)
    click.echo(f"{'OK' if rep.ok else 'FAILED'}: {errors} errors, {warnings} warnings")
    sys.exit(0 if rep.ok else 1)


@main.command()
@click.argument("problem")
@click.option("-j", "--jobs", type=int, default=1, show_default=True, help="mutants judged at once")
@click.option("--backend", type=BACKEND, default="local", show_default=True,
              help="mutants of the reference are trusted code: local by default")
@click.option("--variants", default="all", show_default=True, help="'all' or a list like 0,1")
@click.option("--write-lock", is_flag=True, help="record the result in problems/PROBLEM/mutants.lock")
@click.option("--no-cache", is_flag=True, help="judge every mutant again (ignore cached results)")
@click.option("--list", "list_only", is_flag=True, help="only list the mutants, judge nothing")
@handled
def mutants(problem, jobs, backend, variants, write_lock, no_cache, list_only):
    """Mutation score of the hidden suite: judge mutants of the reference, show the survivors."""
    from .mutants import cli as mcli

    sys.exit(mcli.main(problem, jobs=jobs, backend=backend, variants=variants, write_lock=write_lock,
                       use_cache=not no_cache, list_only=list_only, echo=click.echo))


@main.group()
def image():
    """The sandbox runtime image."""


@image.command("build")
@click.option("--force", is_flag=True, help="rebuild even when the image is current")
@handled
def image_build(force):
    """Build the runtime image locally (no image registry needed)."""
    from . import image as images

    images.build(progress=lambda line: click.echo(line), force=force)


@image.command("status")
@click.option("--json", "as_json", is_flag=True)
@handled
def image_status(as_json):
    """Engine, image, whether it is current, and the versions inside."""
    from . import image as images

    st = images.status()
    click.echo(json.dumps(st, indent=2, default=str) if as_json else images.describe(st))
    sys.exit(0 if st["engine"] and st["present"] and st["current"] else 3)


def _register(cmd) -> None:
    """Add a command defined elsewhere, with the same one-line error handling."""
    if cmd.callback is not None:
        cmd.callback = handled(cmd.callback)
    for sub in getattr(cmd, "commands", {}).values():
        _register(sub)


from .queue.commands import worker as worker_cmd  # noqa: E402  (judge worker: scale-out, docs/deploy.md)

for _cmd in (serve_cmd, resident_group, token_group, invite_cmd, login_cmd, logout_cmd, status_cmd, worker_cmd):
    _register(_cmd)
    main.add_command(_cmd)


if __name__ == "__main__":
    main()
