"""Reports rendered from a result document (``judge.result/1``).

``render(doc, fmt, audience, sources)`` gives the report as text in one of
``FORMATS``; the audience filter (audience.py) runs first, so every format
renders a view and never the raw document.
"""
from __future__ import annotations

from ..i18n import translator
from .audience import AUDIENCES, view

FORMATS = ("terminal", "json", "md", "html", "junit", "gradescope")
SUFFIX = {"terminal": ".txt", "json": ".json", "md": ".md", "html": ".html", "junit": ".xml",
          "gradescope": ".json"}


def render(doc: dict, fmt: str = "terminal", audience: str = "interviewer",
           sources: dict[str, str] | None = None, lang: str = "en") -> str:
    """``lang`` (en | zh) is the language of what a candidate reads; the words only an
    interviewer sees (run, reproducibility, logs) stay English, and so do JSON keys and enum values."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    _ = translator(lang)
    if fmt == "terminal":
        from .terminal import to_text

        return to_text(doc, audience, sources, _=_)
    v = view(doc, audience, sources, _)
    if fmt == "json":
        from .json import render as out
    elif fmt == "md":
        from .md import render as out
    elif fmt == "html":
        from .html import render as out
    elif fmt == "junit":
        from .junit import render as out
    else:
        from .gradescope import render as out
    return out(v, _)


def stored_sources(store, sid: int | None) -> dict[str, str]:
    """The stored files of submission ``sid`` as text (undecodable bytes replaced); {} when missing."""
    if sid is None:
        return {}
    try:
        sub = store.load_submission(int(sid))
    except Exception:  # an unknown id or a pruned store: the report goes on without source
        return {}
    return {name: data.decode("utf-8", errors="replace") for name, data in sorted(sub.files.items())}


__all__ = ["AUDIENCES", "FORMATS", "SUFFIX", "render", "stored_sources", "view"]
