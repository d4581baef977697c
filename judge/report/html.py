"""The HTML report: one self-contained file (inline CSS, no scripts, no fetches).

Templates live in ``judge/templates/``; autoescaping is on for everything, as
submission source, messages and logs are untrusted. A Content-Security-Policy
meta tag forbids the page any network fetch.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from .. import __version__
from ..i18n import EN, Translator
from . import fields
from .plot import series_svg

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(
        judge_version=__version__, verdict_label=fields.verdict_label, verdict_tone=fields.verdict_tone,
        outcome_tone=fields.outcome_tone, shown_outcome=fields.shown_outcome, test_label=fields.test_label,
        series_svg=series_svg, check_text=fields.check_text, check_detail=fields.check_detail,
        num=fields.num, tolerance=fields.tolerance, points=fields.points, mebibytes=fields.mebibytes,
        numbered=fields.numbered, when=fields.when, full_marks=fields.full_marks,
        verdict_explanation=fields.verdict_explanation, outcome_label=fields.outcome_label,
        status_label=fields.status_label, _=EN,  # a page rendered without a language is English
    )
    return env


def render(view: dict, _: Translator = EN) -> str:
    """Candidate text in ``_``'s language (templates call ``_("...")``); ``<html lang>`` follows it."""
    return environment().get_template("report.html").render(
        v=view, run_stats=fields.run_stats(view), reproducibility=fields.reproducibility(view),
        logs=fields.logs(view), integrity=fields.integrity(view), _=_)
