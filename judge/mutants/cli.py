"""``judge mutants PROBLEM``: print the mutants' fates, the survivors as diffs and the score.

Exit code 0 when every non-equivalent mutant is killed, 1 when some survive.
"""
from __future__ import annotations

from .. import problem as problems
from ..errors import UsageError
from . import catalogue, lock
from .run import all_mutants, parse_variants, run


def main(problem_id: str, jobs: int = 1, backend: str | None = "local", variants: str | None = "all",
         write_lock: bool = False, use_cache: bool = True, list_only: bool = False, echo=print) -> int:
    from ..sandbox import get_backend

    p = problems.load(problem_id)
    chosen = parse_variants(variants, p)
    if list_only:
        cat = catalogue.load(p)
        found = all_mutants(p, cat)
        equivalent, stale = catalogue.match_equivalents(cat, found)
        for m in found:
            eq = equivalent.get(m.id)
            echo(f"{m.id}  L{m.lineno}: {m.line}  →  {m.mutated}" + (f"  [equivalent: {eq.reason}]" if eq else ""))
        _stale(stale, echo)
        echo(f"{len(found)} mutants, {len(equivalent)} declared equivalent")
        return 0
    if write_lock and chosen != list(range(p.variants)):
        raise UsageError("--write-lock measures every variant: drop --variants")
    be = get_backend(backend)
    echo(f"mutants of {p.id} on variants {','.join(map(str, chosen))} with the {be.name} backend, {jobs} at a time")
    rep = run(p, be, jobs=jobs, variants=chosen, emit=echo, use_cache=use_cache)
    _stale(rep.stale, echo)
    for o in rep.survivors:
        echo(f"\nsurvivor {o.mutant.id} (line {o.mutant.lineno}, {o.mutant.operator})"
             + (f": {o.mutant.why}" if o.mutant.why else ""))
        echo(o.mutant.diff().rstrip("\n"))
    judged = sum(o.judged for o in rep.outcomes)
    live = rep.generated - rep.count("equivalent")
    echo(f"\nmutation score {rep.score:g}% ({rep.count('killed')} killed of {live}; {rep.generated} mutants, "
         f"{rep.count('equivalent')} equivalent, {rep.count('survived')} survived); "
         f"{judged} sandbox runs, {rep.seconds:.0f}s")
    if write_lock:
        echo(f"wrote {lock.write(p, rep)}")
    return 0 if rep.count("survived") == 0 else 1


def _stale(stale: list[str], echo) -> None:
    for text in stale:
        echo(f"warning: mutants.yaml: equivalent entry matches no generated mutant (stale): {text}")
